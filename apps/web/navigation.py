"""The main menu: every page a role works in, grouped the way people think of their work.

One list drives the navigation bar (`main_menu` in every template) and the tests that walk each
role's pages, so a page added here is also checked for layout and accessibility.
"""

from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qsl

from django.http import HttpRequest
from django.urls import reverse

from apps.users.models import Role
from apps.users.selectors import SELLING_ROLES, user_role

SELLERS_AND_ADMIN = frozenset({*SELLING_ROLES, Role.ADMIN})
MARKETING_AND_ADMIN = frozenset({Role.MARKETER, Role.ADMIN})
# Team-wide figures (attribution, marketing–sales alignment): marketing, sales managers, admins.
ANALYSTS = frozenset({Role.MARKETER, Role.MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    # Every permission the page's view requires, so that the menu never offers a 403.
    perms: tuple[str, ...] = ()
    # Pages meant for some roles only (a rep's own queue), beyond what permissions say.
    roles: frozenset[Role] | None = None
    query: str = ""
    staff_only: bool = False

    @property
    def path(self) -> str:
        return reverse(self.url_name)

    @property
    def href(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def visible_to(self, user, role: Role | None) -> bool:
        if self.roles is not None and role not in self.roles:
            return False
        if self.staff_only and not user.is_staff:
            return False
        return user.has_perms(self.perms)


OPPORTUNITIES = (
    "pipeline.view_opportunity",
    "accounts.view_account",
    "pipeline.view_stagechange",
    "accounts.view_contact",
)
ACCOUNTS = ("accounts.view_account", "accounts.view_contact", "pipeline.view_opportunity")
JOURNEYS = ("journeys.view_journey", "journeys.view_journeystage", "journeys.view_playbookcell")

MENUS: tuple[tuple[str, tuple[Link, ...]], ...] = (
    (
        "Sales",
        (
            Link(
                "My opportunities",
                "web:opportunity_list",
                OPPORTUNITIES,
                SELLERS_AND_ADMIN,
                "mine=1",
            ),
            Link("Opportunities", "web:opportunity_list", OPPORTUNITIES),
            Link("Accounts", "web:account_list", (*ACCOUNTS, "engagement.view_event")),
            Link(
                "Stalled deals",
                "nurture:stalled_board",
                ("pipeline.view_opportunity", "nurture.view_enrollment"),
            ),
            Link("My tasks", "nurture:task_list", ("nurture.change_touch",), SELLERS_AND_ADMIN),
            Link(
                "Enablement",
                "enablement:my_opportunities",
                (*OPPORTUNITIES, "content.view_asset"),
                SELLERS_AND_ADMIN,
            ),
            Link(
                "My requests",
                "enablement:my_requests",
                ("content.view_enablementrequest",),
                frozenset(SELLING_ROLES),
            ),
        ),
    ),
    (
        "Plan",
        (
            Link("Journeys", "journeys:list", JOURNEYS),
            Link("Personas", "personas:list", ("personas.view_persona",)),
            Link("Campaigns", "campaigns:list", ("campaigns.view_campaign",)),
            Link("Campaign calendar", "campaigns:calendar", ("campaigns.view_campaign",)),
            Link("Stage board", "campaigns:board", ("campaigns.view_campaign",)),
            Link("Nurture sequences", "nurture:sequence_list", ("nurture.view_sequence",)),
            Link(
                "Attribution",
                "analytics:attribution",
                ("campaigns.view_campaign", "pipeline.view_opportunity"),
                ANALYSTS,
            ),
            Link(
                "Marketing–sales alignment",
                "analytics:alignment",
                (
                    "engagement.view_handoff",
                    "content.view_enablementrequest",
                    "pipeline.view_opportunity",
                ),
                ANALYSTS,
            ),
        ),
    ),
    (
        "Content",
        (
            Link("Content library", "content:asset_list", ("content.view_asset",)),
            Link(
                "Enablement requests",
                "enablement:queue",
                ("content.change_enablementrequest",),
                MARKETING_AND_ADMIN,
            ),
        ),
    ),
    (
        "Signals",
        (
            Link(
                "Hot accounts",
                "signals:hot_accounts",
                ("accounts.view_account", "engagement.view_accountscore"),
            ),
            Link("Handoffs", "signals:handoff_list", ("engagement.view_handoff",)),
            Link("Signal rules", "signals:rule_list", ("engagement.view_signalrule",)),
            Link("Score backtests", "signals:backtest_list", ("engagement.view_backtest",)),
            Link("Fit model", "fit:list", ("fit.view_fitmodel",)),
            Link("Import", "imports:list", ("imports.view_importrun",)),
        ),
    ),
    (
        "Admin",
        (
            Link("Django admin", "admin:index", staff_only=True),
            Link("API docs", "api-docs", roles=frozenset({Role.ADMIN})),
            Link("API reference (ReDoc)", "api-redoc", roles=frozenset({Role.ADMIN})),
            Link("Two-factor", "two_factor_setup", roles=frozenset({Role.ADMIN})),
        ),
    ),
)


@dataclass(frozen=True)
class ShownLink:
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class ShownMenu:
    label: str
    links: list[ShownLink]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def visible_links(*, user) -> list[Link]:
    """The pages of the menu this user may open, in menu order."""
    role = user_role(user=user)
    return [link for _, links in MENUS for link in links if link.visible_to(user, role)]


def _current(links: list[Link], request: HttpRequest) -> Link | None:
    """The entry the page belongs to: the longest menu path the page's path starts with (a
    journey's map belongs to Journeys); among entries on one path, the one whose query the
    request carries (My opportunities is Opportunities with ?mine=1)."""
    query = set(request.GET.items())

    def fit(link: Link) -> tuple[int, int] | None:
        path = link.path
        if not (request.path == path or (path != "/" and request.path.startswith(path))):
            return None
        wanted = set(parse_qsl(link.query))
        if not wanted <= query:
            return None
        return len(path), len(wanted)

    fits = [(score, link) for link in links if (score := fit(link)) is not None]
    return max(fits, key=lambda pair: pair[0])[1] if fits else None


def _menus(request: HttpRequest) -> list[ShownMenu]:
    if not request.user.is_authenticated:
        return []
    links = visible_links(user=request.user)
    current = _current(links, request)
    menus = []
    for label, entries in MENUS:
        shown = [
            ShownLink(link.label, link.href, link is current) for link in entries if link in links
        ]
        if shown:
            menus.append(ShownMenu(label, shown))
    return menus


def main_menu(request: HttpRequest) -> dict:
    """`main_menu`: the user's menus with only the pages they may open, the current one marked.
    Worked out only when a template shows it (htmx fragments do not)."""
    return {"main_menu": partial(_menus, request)}
