import pytest
from playwright.sync_api import expect

from apps.content.models import EnablementRequest
from apps.journeys.phases import Phase
from apps.personas.models import BuyingRole
from tests.browser.navigation import follow_menu
from tests.factories import (
    AssetFactory,
    ContactFactory,
    EnablementRequestFactory,
    JourneyFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def deal(sales_rep):
    """A rep's deal in a decision-phase stage, a CFO in its committee and a fitting case study."""
    stage = JourneyStageFactory(
        journey=JourneyFactory(key="buyer"),
        name="Evaluation",
        slug="evaluation",
        phase=Phase.DECISION,
    )
    cfo = PersonaFactory(name="Finance leader", buying_role=BuyingRole.ECONOMIC_BUYER)
    deal = OpportunityFactory(
        owner=sales_rep,
        name="Acme rollout",
        stage=PipelineStageFactory(name="Proposal", journey_stage=stage),
    )
    ContactFactory(
        account=deal.account,
        first_name="Farah",
        last_name="Okafor",
        persona=cfo,
        buying_role=BuyingRole.ECONOMIC_BUYER,
    )
    case_study = AssetFactory(title="Globex cut invoice costs", journey_stage=stage)
    case_study.personas.add(cfo)
    return deal


def test_a_rep_requests_an_asset_and_sees_marketing_deliver_it(
    page, browser, live_server, log_in, sales_rep, other_sales_rep, marketer, deal
):
    EnablementRequestFactory(requested_by=other_sales_rep, need="Security questionnaire answers")

    log_in(sales_rep)
    follow_menu(page, "My opportunities")
    page.get_by_role("link", name="Acme rollout").click()
    page.get_by_role("link", name="Open workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme rollout")

    recommendation = page.get_by_test_id("recommendation")
    expect(recommendation).to_have_count(1)
    expect(recommendation).to_contain_text("Globex cut invoice costs")
    expect(recommendation).to_contain_text("Made for the deal's stage: Evaluation")
    expect(recommendation).to_contain_text("Speaks to Finance leader in the committee")
    expect(recommendation).to_contain_text("Customer proof for a late-stage deal")

    page.get_by_role("link", name="Request an asset").click()
    page.get_by_label("Objection or need").fill("Security questionnaire for their IT team")
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Send request").click()
    similar = page.get_by_test_id("similar-requests")
    expect(similar).to_contain_text("Security questionnaire answers")
    page.get_by_role("button", name="Submit anyway").click()
    mine = page.get_by_test_id("my-requests")
    expect(mine).to_contain_text("Security questionnaire for their IT team")
    expect(mine.get_by_test_id("status")).to_have_text("New")

    requested = EnablementRequest.objects.get(requested_by=sales_rep)
    assert requested.opportunity == deal

    marketing = browser.new_context(base_url=live_server.url)
    try:
        queue = marketing.new_page()
        queue.goto("/login/")
        queue.get_by_label("Username").fill(marketer.username)
        queue.get_by_label("Password").fill("waymark-pass")
        queue.get_by_role("button", name="Log in").click()
        follow_menu(queue, "Enablement requests")
        row = queue.get_by_test_id(f"request-{requested.pk}")
        expect(row.get_by_test_id("status")).to_have_text("New")
        row.locator("select[name=asset]").select_option(label="Globex cut invoice costs")
        row.get_by_role("button", name="Deliver").click()
        expect(queue.get_by_text("Delivered; the requester has been told.")).to_be_visible()
    finally:
        marketing.close()

    page.reload()
    mine = page.get_by_test_id("my-requests")
    expect(mine.get_by_test_id("status")).to_have_text("Delivered")
    expect(mine.get_by_role("link", name="Globex cut invoice costs")).to_be_visible()
    expect(mine).to_contain_text("New update")
