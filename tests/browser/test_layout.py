"""Every page in each role's menus, on the demo world, at a phone's, a tablet's, two laptops'
and a wide screen's width (390, 768, 1280, 1366, 1920 px): nothing scrolls the page sideways,
nothing logs an error, and the main pages have no serious or critical accessibility violation
(axe-core, served by staticfiles from npm).

One browser for the session, one context per role, one page load per page: the page is resized
in place for the other widths.
"""

import re
from itertools import pairwise

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from playwright.sync_api import expect

from apps.accounts.models import Account
from apps.content.models import Asset
from apps.demo import world
from apps.demo.services import demo_world_seed
from apps.journeys.models import Journey
from apps.journeys.services import journey_new_version
from apps.nurture.models import Sequence
from apps.personas.models import Persona
from apps.pipeline.models import Opportunity
from apps.users.models import User
from apps.web.navigation import visible_links
from tests.journeys.conftest import build_journey

pytestmark = pytest.mark.browser

PHONE, TABLET, SMALL_LAPTOP, LAPTOP, WIDE = 390, 768, 1280, 1366, 1920
AXE = "vendor/axe-core/axe.min.js"
# The pages people spend their day on: each is checked with axe for every role that may open it.
MAIN_PAGES = {
    "/accounts/",
    "/opportunities/",
    "/opportunities/?mine=1",
    "/journeys/",
    "/campaigns/",
    "/campaigns/calendar/",
    "/campaigns/board/",
    "/content/assets/",
    "/signals/hot/",
    "/signals/rules/",
    "/nurture/sequences/",
    "/nurture/stalled/",
    "/enablement/",
    "/enablement/requests/",
}
# Pages that are not Waymark's own: Django admin and the API docs packages keep their layout.
NOT_OURS = ("/admin/", "/api/")

AXE_SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3)
      .map((n) => n.target.join(" ")).join(", ")}`);
}"""
PAGE_WIDER_THAN_SCREEN = "document.documentElement.scrollWidth > window.innerWidth"


def _pages(user: User) -> list[tuple[str, bool]]:
    """The menus' pages, a page of each kind of record the menus lead to, and the editing
    forms the user's role opens; with each, whether axe checks it (the main pages, the journey
    map and structure editor, and the forms)."""
    journey = Journey.objects.filter(status=Journey.Status.PUBLISHED).first()
    draft = Journey.objects.filter(status=Journey.Status.DRAFT).first()
    asset = Asset.objects.active().first()
    persona = Persona.objects.active().first()
    menu = [(link.href, link.href in MAIN_PAGES) for link in visible_links(user=user)]
    forms = [
        ("content.add_asset", reverse("content:asset_create")),
        ("content.change_asset", reverse("content:asset_edit", args=[asset.pk])),
        ("journeys.add_journey", reverse("journeys:create")),
        ("journeys.change_journey", reverse("journeys:edit", args=[draft.pk])),
        (
            "journeys.change_journeystage",
            reverse("journeys:stage_edit", args=[draft.pk, draft.stages.first().pk]),
        ),
        ("personas.add_persona", reverse("personas:create")),
        (
            "nurture.view_enrollment",
            reverse("nurture:sequence_enrollments", args=[Sequence.objects.first().pk]),
        ),
    ]
    return [
        ("/", True),
        *menu,
        (reverse("journeys:map", args=[journey.pk]), True),
        (reverse("journeys:structure", args=[draft.pk]), True),
        (reverse("content:asset_detail", args=[asset.pk]), False),
        (reverse("personas:detail", args=[persona.pk]), True),
        (reverse("web:account_detail", args=[Account.objects.first().pk]), False),
        (reverse("web:opportunity_detail", args=[Opportunity.objects.first().pk]), False),
        *((url, True) for perm, url in forms if user.has_perm(perm)),
    ]


def _walk(browser, base_url: str, user: User) -> list[str]:
    context = browser.new_context(base_url=base_url, viewport={"width": LAPTOP, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []
    try:
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(world.DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("signed-in-as")).to_contain_text(str(user))
        for url, check_axe in _pages(user):
            errors.clear()
            page.set_viewport_size({"width": LAPTOP, "height": 900})
            response = page.goto(url)
            page.wait_for_load_state("load")
            where = f"{user.username} {url}"
            if response.status != 200:
                problems.append(f"{where}: HTTP {response.status}")
                continue
            if check_axe:
                page.add_script_tag(url=f"/static/{AXE}")
                problems += [f"{where}: {found}" for found in page.evaluate(AXE_SERIOUS)]
            if not url.startswith(NOT_OURS):
                for width in (LAPTOP, SMALL_LAPTOP, TABLET, PHONE, WIDE):
                    page.set_viewport_size({"width": width, "height": 900})
                    if page.evaluate(PAGE_WIDER_THAN_SCREEN):
                        wide = page.evaluate("document.documentElement.scrollWidth")
                        problems.append(f"{where}: {wide} px wide at {width} px")
            problems += [f"{where}: console: {error}" for error in errors]
    finally:
        context.close()
    return problems


def test_every_menu_page_fits_the_screen_and_passes_axe_for_every_role(browser, live_server):
    demo_world_seed()  # seeded once for the three walks: it takes a while
    # A draft version, so that the structure editor's forms are walked too.
    published = Journey.objects.filter(status=Journey.Status.PUBLISHED).first()
    journey_new_version(journey=published, changed_by=None)
    problems = []
    for username in ("marketer", "sales", "manager", "admin"):
        problems += _walk(browser, live_server.url, User.objects.get(username=username))
    assert not problems, "\n".join(problems)


def test_axe_core_is_served_by_staticfiles():
    assert finders.find(AXE)


def test_on_a_phone_the_menu_button_opens_the_menus_and_log_out_is_reachable(
    page, log_in, sales_rep, live_server
):
    page.set_viewport_size({"width": PHONE, "height": 800})
    log_in(sales_rep)
    nav = page.get_by_role("navigation", name="Main")
    menu_button = nav.get_by_role("button", name="Menu")
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    expect(menu_button).to_have_attribute("aria-expanded", "false")

    # By keyboard: the button opens the menu, a menu opens its entries.
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    # The menu slides open (Bootstrap's collapse); on a slow machine its items are still
    # moving when the next click comes, so wait until it has come to rest.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))  # not "collapsing"
    sales = nav.get_by_role("button", name="Sales")
    sales.focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="My tasks")).to_be_visible()
    assert page.evaluate(PAGE_WIDER_THAN_SCREEN) is False

    log_out.click()
    expect(page).to_have_url(f"{live_server.url}/login/")


def test_error_pages_show_inside_the_shell_and_the_favicon_loads(page, log_in, sales_rep):
    log_in(sales_rep)
    missing = page.goto("/no-such-page/")
    assert missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("There is no such page")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    refused = page.goto(reverse("signals:rule_create"))
    assert refused.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Your role cannot open this page")
    page.get_by_role("link", name="Go to your home page").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()

    icon = page.request.get("/favicon.ico")
    assert icon.status == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize(
    ("url", "rendered"),
    [("/api/docs/", ".swagger-ui .info .title"), ("/api/redoc/", "redoc h1")],
)
def test_api_docs_render_from_this_site_only(
    page, log_in, admin_member, live_server, url, rendered
):
    log_in(admin_member)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(url)

    # The schema is generated on request and ReDoc lays all of it out in the page: on a busy
    # machine that takes a while.
    expect(page.locator(rendered).first).to_contain_text("Waymark API", timeout=90_000)
    elsewhere = [u for u in fetched if not u.startswith((live_server.url, "data:", "blob:"))]
    assert not elsewhere
    assert not errors


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
def test_the_cell_editor_opens_as_a_side_panel_with_save_in_view(page, log_in, marketer, width):
    small = build_journey(owner=marketer)
    page.set_viewport_size({"width": width, "height": 700})
    log_in(marketer)
    page.goto(reverse("journeys:map", args=[small.journey.pk]))

    page.get_by_test_id(f"cell-shortlist-{small.cfo.pk}").get_by_role("button", name="Edit").click()

    panel = page.get_by_role("dialog", name=f"{small.cfo} × {small.shortlist}")
    expect(panel).to_be_visible()
    box, save = panel.bounding_box(), panel.get_by_role("button", name="Save").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert save["y"] + save["height"] <= 700  # in view without scrolling the panel
    # The fields stack one under the other at the panel's width: none overlaps the next.
    fields = [f.bounding_box() for f in panel.locator("textarea").all()]
    assert all(a["y"] + a["height"] <= b["y"] for a, b in pairwise(fields))
    expect(panel.locator("textarea").first).to_be_focused()
    assert page.evaluate(PAGE_WIDER_THAN_SCREEN) is False

    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
