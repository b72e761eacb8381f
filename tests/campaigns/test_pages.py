"""The campaign pages: who may see and do what, planning through the form, the calendar and
the stage board."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.journeys.kpis import Kpi
from apps.journeys.models import Journey
from apps.personas.models import BuyingRole
from tests.campaigns.conftest import make_stages
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    CampaignTemplateFactory,
    ContactFactory,
    JourneyFactory,
    PersonaFactory,
)

pytestmark = pytest.mark.django_db

READ_PAGES = ["campaigns:list", "campaigns:calendar", "campaigns:board", "campaigns:feed"]


@pytest.fixture
def campaign(stages, marketer):
    return CampaignFactory(
        name="Benchmark launch",
        owner=marketer,
        goal_stage=stages.problem,
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
    )


@pytest.fixture
def form_data(stages):
    """A valid POST of the planning form."""
    return {
        "name": "Shortlist push",
        "goal_stage": stages.shortlist.pk,
        "kpi": Kpi.PIPELINE_INFLUENCE,
        "kpi_target": "250000",
        "channels": ["email", "webinar"],
        "cadence": "2",
        "start_date": "2026-04-01",
        "end_date": "2026-05-31",
        "budget": "5000",
        "actual_spend": "0",
        "assets": [AssetFactory(title="Comparison guide", journey_stage=stages.shortlist).pk],
        "segment_tiers": ["1", "2"],
    }


@pytest.mark.parametrize("role", ["marketer", "sales_rep", "admin_member"])
def test_every_role_reads_the_campaign_pages(request, client_for, campaign, role):
    client = client_for(request.getfixturevalue(role))
    for name in READ_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    detail = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert detail.status_code == 200
    may_edit = role != "sales_rep"
    assert ("Edit</a>" in detail.text) is may_edit
    assert ("Duplicate" in detail.text) is may_edit


def test_sales_reps_cannot_plan_or_change_campaigns(client_for, sales_rep, campaign, form_data):
    client = client_for(sales_rep)
    pk = campaign.pk
    assert client.get(reverse("campaigns:create")).status_code == 403
    assert client.post(reverse("campaigns:create"), form_data).status_code == 403
    assert client.get(reverse("campaigns:edit", args=[pk])).status_code == 403
    assert (
        client.post(reverse("campaigns:status", args=[pk]), {"status": "planned"}).status_code
        == 403
    )
    assert client.post(reverse("campaigns:duplicate", args=[pk])).status_code == 403
    assert client.get(reverse("campaigns:templates")).status_code == 403
    assert Campaign.objects.get().status == "draft"


def test_anonymous_visitors_are_sent_to_log_in(client, campaign):
    response = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_links_to_campaigns(client_for, sales_rep):
    page = client_for(sales_rep).get(reverse("web:home"))
    assert f'href="{reverse("campaigns:list")}">Campaigns</a>' in page.text


def test_the_list_filters_by_status_phase_channel_owner_and_search(
    client_for, marketer, stages, campaign
):
    CampaignFactory(
        name="Decision sprint",
        goal_stage=stages.decision,
        kpi=Kpi.CONVERSION_RATE,
        channels=["direct_mail", "sales_outreach"],
        status=Campaign.Status.LIVE,
    )
    client = client_for(marketer)

    def shown(**query) -> set[str]:
        response = client.get(reverse("campaigns:list"), query, HTTP_HX_REQUEST="true")
        assert "<html" not in response.text  # htmx gets the table alone
        return {c.name for c in response.context["page_obj"]}

    assert shown() == {"Benchmark launch", "Decision sprint"}
    assert shown(status="live") == {"Decision sprint"}
    assert shown(phase="awareness") == {"Benchmark launch"}
    assert shown(channel="sales_outreach") == {"Decision sprint"}
    assert shown(channel="email") == {"Benchmark launch"}
    assert shown(owner=marketer.pk) == {"Benchmark launch"}
    assert shown(q="sprint") == {"Decision sprint"}
    assert shown(status="nonsense") == {"Benchmark launch", "Decision sprint"}


def test_planning_a_campaign_saves_it_and_shows_it(client_for, marketer, form_data):
    response = client_for(marketer).post(reverse("campaigns:create"), form_data, follow=True)

    campaign = Campaign.objects.get()
    assert response.redirect_chain == [(reverse("campaigns:detail", args=[campaign.pk]), 302)]
    assert (campaign.owner, campaign.status, campaign.channels) == (
        marketer,
        "draft",
        ["email", "webinar"],
    )
    assert campaign.segment_tiers == [1, 2]
    assert [a.title for a in campaign.assets.all()] == ["Comparison guide"]
    assert "“Shortlist push” saved." in response.text
    assert "Pipeline influence" in response.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2026-03-01"}, "end_date"),
        ({"kpi": Kpi.REACH}, "kpi"),
        ({"budget": "-100"}, "budget"),
        ({"kpi_target": "-100"}, "kpi_target"),
        ({"kpi_baseline": "-1"}, "kpi_baseline"),
        ("other-journey-asset", "assets"),
    ],
    ids=[
        "end-before-start",
        "kpi-not-fitting",
        "negative-budget",
        "negative-target",
        "negative-baseline",
        "asset-of-another-journey",
    ],
)
def test_bad_input_is_shown_on_the_field_and_nothing_is_saved(
    client_for, marketer, form_data, other_stages, change, field
):
    if change == "other-journey-asset":
        change = {"assets": [AssetFactory(journey_stage=other_stages.shortlist).pk]}

    response = client_for(marketer).post(reverse("campaigns:create"), form_data | change)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert f'data-testid="error-{field}"' in response.text
    assert not Campaign.objects.exists()
    if field.startswith("kpi_"):  # the message names the field, wherever it is shown
        assert "cannot be negative" in response.context["form"].errors[field][0]


def test_picking_a_goal_stage_offers_its_kpis_and_its_journeys_content(
    client_for, marketer, stages, other_stages
):
    AssetFactory(title="Pricing sheet", journey_stage=stages.decision)
    AssetFactory(title="Awareness blog", journey_stage=stages.awareness)
    AssetFactory(title="Someone else's", journey_stage=other_stages.decision)

    response = client_for(marketer).post(
        reverse("campaigns:plan_goal_fields"), {"goal_stage": stages.decision.pk}
    )

    text = response.text
    assert 'id="kpi-field"' in text
    assert '<option value="conversion_rate">' in text
    assert '<option value="deal_velocity">' in text
    assert "reach" not in text
    assert 'hx-swap-oob="true"' in text
    assert "Pricing sheet" in text and "Awareness blog" in text
    assert "Someone else" not in text


def test_the_live_preview_counts_the_segment_and_runs_the_checks(client_for, marketer, stages):
    cfo = PersonaFactory(name="CFO")
    acme = AccountFactory(tier=1)
    ContactFactory(account=acme, persona=cfo)
    ContactFactory(account=acme, buying_role=BuyingRole.END_USER)
    AccountFactory(tier=2)

    response = client_for(marketer).post(
        reverse("campaigns:plan_preview"),
        {"goal_stage": stages.problem.pk, "segment_tiers": ["1"], "segment_personas": [cfo.pk]},
    )

    assert response.context["size"].accounts == 1
    assert response.context["size"].contacts == 1
    assert 'data-testid="segment-accounts">1<' in response.text
    assert "No asset in the content mix speaks to CFO" in response.text


def test_editing_keeps_what_is_not_changed(client_for, marketer, campaign, stages):
    client = client_for(marketer)
    page = client.get(reverse("campaigns:edit", args=[campaign.pk]))
    data = {
        key: value
        for key, value in page.context["form"].initial.items()
        if value is not None and key in page.context["form"].fields
    }
    data |= {"goal_stage": stages.problem.pk, "name": "Renamed", "channels": ["email"]}

    response = client.post(reverse("campaigns:edit", args=[campaign.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    campaign.refresh_from_db()
    assert (campaign.name, campaign.kpi_target) == ("Renamed", Decimal("1000"))


def test_status_buttons_move_the_campaign_along_its_flow(client_for, marketer, campaign):
    client = client_for(marketer)
    url = reverse("campaigns:status", args=[campaign.pk])

    client.post(url, {"status": "planned"})
    refused = client.post(url, {"status": "completed"}, follow=True)

    assert Campaign.objects.get().status == "planned"
    assert "A planned campaign can become: draft, live, cancelled; not completed." in refused.text


def test_duplicate_opens_the_copy_for_editing(client_for, marketer, campaign):
    response = client_for(marketer).post(reverse("campaigns:duplicate", args=[campaign.pk]))

    copy = Campaign.objects.exclude(pk=campaign.pk).get()
    assert response["Location"] == reverse("campaigns:edit", args=[copy.pk])
    assert copy.name == "Copy of Benchmark launch"


def test_starting_from_a_template_fills_in_the_plan_for_the_stage(client_for, marketer, stages):
    template = CampaignTemplateFactory(
        name="Evaluation accelerator",
        phase="consideration",
        kpi=Kpi.PIPELINE_INFLUENCE,
        channels=["email", "webinar"],
        duration_days=30,
        asset_types=["comparison_guide"],
    )
    guide = AssetFactory(
        title="Guide", asset_type="comparison_guide", journey_stage=stages.shortlist
    )
    AssetFactory(title="Blog", asset_type="blog_post", journey_stage=stages.shortlist)
    client = client_for(marketer)

    listing = client.get(reverse("campaigns:templates"))
    new = client.get(
        reverse("campaigns:create"), {"template": template.pk, "goal_stage": stages.shortlist.pk}
    )

    link = f"?template={template.pk}&amp;goal_stage={stages.shortlist.pk}"
    assert link in listing.text
    initial = new.context["form"].initial
    today = timezone.localdate()
    assert initial["name"] == "Evaluation accelerator: Shortlist"
    assert (initial["kpi"], initial["channels"]) == (Kpi.PIPELINE_INFLUENCE, ["email", "webinar"])
    assert (initial["start_date"], (initial["end_date"] - today).days) == (today, 29)
    assert initial["assets"] == [guide]
    assert f'value="{guide.pk}" id="asset-{guide.pk}" checked' in new.text


def test_the_detail_shows_progress_checks_and_segment(client_for, sales_rep, campaign):
    page = client_for(sales_rep).get(reverse("campaigns:detail", args=[campaign.pk]))

    assert page.context["detail"].progress.kpi == Kpi.REACH
    assert 'data-testid="kpi-progress"' in page.text
    assert "Each contact counts once" in page.text
    assert "No campaign serves Consideration" in page.text
    assert 'data-testid="segment-size"' in page.text


def test_the_calendar_shows_the_month_and_the_quarter_coloured_by_phase(
    client_for, marketer, campaign
):
    client = client_for(marketer)

    month = client.get(reverse("campaigns:calendar"), {"period": "2026-03"})
    quarter = client.get(reverse("campaigns:calendar"), {"period": "2026-Q1"})
    april = client.get(reverse("campaigns:calendar"), {"period": "2026-04"})

    assert 'data-grid-column="1 / span 31"' in month.text
    assert 'class="timeline-row phase-awareness"' in month.text
    assert "Benchmark launch" in month.text
    # March starts on day 60 of the first quarter (31 + 28 + 1).
    assert 'data-grid-column="60 / span 31"' in quarter.text
    assert ">April<" not in quarter.text and ">March<" in quarter.text
    assert "Benchmark launch" not in april.text
    assert "?period=2026-02" in month.text and "?period=2026-Q1" in month.text


def test_the_stage_board_groups_campaigns_by_stage_and_flags_empty_ones(
    client_for, marketer, stages, campaign
):
    response = client_for(marketer).get(
        reverse("campaigns:board"), {"journey": stages.journey.pk, "period": "2026-Q1"}
    )

    columns = {c.stage.slug: c for c in response.context["board"].columns}
    assert [c.name for c in columns["problem"].campaigns] == ["Benchmark launch"]
    assert columns["awareness"].covered and not columns["awareness"].campaigns
    assert [s.slug for s in response.context["board"].empty_stages] == [
        "consideration",
        "shortlist",
        "decision",
    ]
    assert response.text.count('data-testid="no-campaign"') == 3


def test_the_goal_picker_offers_the_published_version_first_and_labels_the_draft(
    client_for, marketer, stages
):
    make_stages(
        JourneyFactory(
            key=stages.journey.key, name="Buyer journey", version=2, status=Journey.Status.DRAFT
        )
    )

    form = client_for(marketer).get(reverse("campaigns:create")).context["form"]

    labels = [label for value, label in form.fields["goal_stage"].choices if value]
    assert labels[0] == "Awareness (awareness) · Buyer journey (v1)"
    # Five stages in each version: the published ones, then the draft's.
    assert labels[5] == "Awareness (awareness) · Buyer journey (v2) draft"
    assert not any("draft" in label for label in labels[:5])
