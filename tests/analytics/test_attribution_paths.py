"""Paths read from the database: which touches count, and how they link to campaigns."""

import datetime

import numpy as np
import pytest

from apps.analytics import attribution
from apps.analytics.attribution_paths import CREATED, PIPELINE, WON, Window, paths_extract
from apps.analytics.attribution_report import attribution_report, campaign_attribution
from apps.campaigns.models import Channel
from apps.engagement.models import EventSource
from apps.pipeline.models import Opportunity, PipelineStage
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    ContactFactory,
    EnrollmentFactory,
    EventFactory,
    HandoffFactory,
    OpportunityFactory,
    PipelineStageFactory,
    SequenceFactory,
    StepFactory,
    TouchFactory,
)

UTC = datetime.UTC
Q1 = Window.for_dates(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


def at(month, day, hour=12):
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


def deal(account, *, created, amount=1000, stage=None, closed=None):
    opportunity = OpportunityFactory(
        account=account, amount=amount, **({"stage": stage} if stage else {})
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(created_at=created, closed_at=closed)
    return opportunity


@pytest.fixture
def world(db):
    """Account A: a deal opened 1 March after four touches; account B: touches, no deal."""
    webinar = CampaignFactory(
        utm_code="spring-webinar",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 3, 31),
    )
    ebook = AssetFactory(title="Buyer's guide")
    content = CampaignFactory(
        name="Content push",
        start_date=datetime.date(2026, 2, 1),
        end_date=datetime.date(2026, 2, 28),
    )
    content.assets.add(ebook)
    nurture = CampaignFactory(name="Nurture", start_date=datetime.date(2026, 1, 1))
    a, b = AccountFactory(), AccountFactory()
    contact = ContactFactory(account=a)
    # 1: the UTM code in the URL, medium a channel of ours.
    EventFactory(
        account=a,
        contact=contact,
        occurred_at=at(1, 10),
        url="https://x.example/?utm_source=li&utm_campaign=spring-webinar&utm_medium=paid_social",
    )
    # 2: the asset, downloaded while "Content push" ran.
    EventFactory(account=a, contact=contact, occurred_at=at(2, 5), asset=ebook, source="email")
    # 3: a nurture email from a sequence linked to "Nurture".
    sequence = SequenceFactory(campaign=nurture)
    TouchFactory(
        enrollment=EnrollmentFactory(sequence=sequence, contact=contact),
        step=StepFactory(sequence=sequence),
        sent_at=at(2, 20),
    )
    # 4: the UTM code in the properties (anonymous visit), medium unknown: the source counts.
    EventFactory(
        account=a,
        occurred_at=at(2, 27),
        properties={"utm_campaign": "spring-webinar", "utm_medium": "x"},
    )
    # Not touches: a plain page view; a touch after the deal was opened; one too old.
    EventFactory(account=a, occurred_at=at(2, 1))
    EventFactory(account=a, occurred_at=at(3, 5), asset=ebook)
    EventFactory(
        account=a,
        occurred_at=datetime.datetime(2025, 10, 1, tzinfo=UTC),
        properties={"utm_campaign": "spring-webinar"},
    )
    HandoffFactory(contact=contact, raised_at=at(2, 10))
    won = PipelineStageFactory(outcome=PipelineStage.Outcome.WON)
    deal(a, created=at(3, 1), amount=5000, stage=won, closed=at(3, 20))
    # Account B: touched in the quarter, no deal.
    EventFactory(account=b, occurred_at=at(1, 15), properties={"utm_campaign": "spring-webinar"})
    return {"webinar": webinar, "content": content, "nurture": nurture, "ebook": ebook}


def test_paths_follow_the_linking_rules(world):
    extracted = paths_extract(goal=CREATED, window=Q1, lookback_days=90)
    paths = extracted.paths
    assert paths.count == 2
    deal_path = int(np.flatnonzero(paths.converted)[0])
    mine = paths.path == deal_path
    assert extracted.campaign[mine].tolist() == [
        world["webinar"].pk,
        world["content"].pk,
        world["nurture"].pk,
        world["webinar"].pk,
    ]
    channels = [attribution_channel(c) for c in extracted.channel[mine]]
    assert channels == [Channel.PAID_SOCIAL, EventSource.EMAIL, Channel.EMAIL, EventSource.WEB]
    assert extracted.asset[mine].tolist() == [0, world["ebook"].pk, 0, 0]
    assert paths.lead_at[deal_path] == at(2, 10).timestamp()
    assert paths.opened_at[deal_path] == at(3, 1).timestamp()
    # Account B's path does not convert.
    assert not paths.converted[1 - deal_path]
    assert extracted.converting_count == 1
    assert extracted.untouched_count == 0


def attribution_channel(code):
    from apps.analytics.attribution_paths import CHANNELS

    return CHANNELS[code - 1]


def first_quarter_report(goal, dimension, **options):
    return attribution_report(
        goal=goal,
        dimension=dimension,
        first_day=datetime.date(2026, 1, 1),
        last_day=datetime.date(2026, 3, 31),
        **options,
    )


def test_report_credits_sum_to_the_deals(world):
    report = first_quarter_report(PIPELINE, "campaign")
    by_label = {row.label: row.credits for row in report.rows}
    webinar = world["webinar"].name
    assert by_label[webinar][attribution.FIRST_TOUCH] == pytest.approx(5000)
    assert by_label[webinar][attribution.LINEAR] == pytest.approx(2500)
    assert by_label["Nurture"][attribution.LINEAR] == pytest.approx(1250)
    # W-shaped: first (webinar) 30, lead creation (content, last before the MQL) 30, opp
    # creation (webinar again) 30, nurture 10.
    assert by_label[webinar][attribution.W_SHAPED] == pytest.approx(3000)
    assert by_label["Content push"][attribution.W_SHAPED] == pytest.approx(1500)
    for model in attribution.MODELS:
        assert report.total(model) == pytest.approx(5000), model


def test_revenue_won_and_untouched_deals(world):
    account = AccountFactory()
    won = PipelineStage.objects.get(outcome=PipelineStage.Outcome.WON)
    deal(account, created=at(1, 2), amount=700, stage=won, closed=at(3, 2))
    report = first_quarter_report(WON, "channel")
    assert report.converting_value == pytest.approx(5700)
    assert report.untouched_value == pytest.approx(700)
    for model in attribution.MODELS:
        assert report.total(model) == pytest.approx(5000), model


def test_campaign_attribution(world):
    result = campaign_attribution(
        campaign_id=world["nurture"].pk,
        first_day=datetime.date(2026, 1, 1),
        last_day=datetime.date(2026, 3, 31),
    )
    assert result[PIPELINE]["influenced"] == pytest.approx(5000)
    assert result[PIPELINE][attribution.LINEAR] == pytest.approx(1250)
    assert result[WON]["influenced"] == pytest.approx(5000)


def test_the_utm_code_is_read_from_a_url_up_to_its_fragment(world):
    account = AccountFactory()
    EventFactory(
        account=account,
        occurred_at=at(2, 1, hour=9),
        url="https://x.example/p?utm_campaign=spring-webinar#top",
    )
    deal(account, created=at(2, 2))
    extracted = paths_extract(goal=CREATED, window=Q1)
    touch = np.flatnonzero(extracted.paths.at == at(2, 1, hour=9).timestamp())
    assert extracted.campaign[touch].tolist() == [world["webinar"].pk]


def test_a_quarter_without_touches_counts_its_deals_as_credited_to_nobody(db):
    deal(AccountFactory(), created=at(2, 1), amount=300)
    extracted = paths_extract(goal=PIPELINE, window=Q1)
    assert extracted.paths.count == 0 and len(extracted.campaign) == 0
    assert extracted.untouched_value == pytest.approx(300) and extracted.untouched_count == 1


def test_opens_and_clicks_of_a_sequence_email_credit_its_campaign_without_a_utm_code(db):
    """The email left a month before the deal, outside a 14-day lookback; the buyer opened it
    and clicked a link in the window, after a webinar visit: those two credit the campaign."""
    from apps.nurture.tracking import Hit, hits_record

    webinar = CampaignFactory(utm_code="spring-webinar", start_date=datetime.date(2026, 1, 1))
    nurture = CampaignFactory(name="Nurture", utm_code="", start_date=datetime.date(2026, 1, 1))
    sequence = SequenceFactory(campaign=nurture)
    account = AccountFactory()
    contact = ContactFactory(account=account)
    touch = TouchFactory(
        enrollment=EnrollmentFactory(sequence=sequence, contact=contact),
        step=StepFactory(sequence=sequence),
        sent_at=at(1, 30),
    )
    EventFactory(
        account=account, contact=contact, occurred_at=at(2, 20), properties={
            "utm_campaign": "spring-webinar", "utm_medium": "webinar"
        }
    )  # fmt: skip
    browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    hits = [
        Hit("open", touch.enrollment_id, touch.step_id, 0, "", at(2, 24).timestamp(), False,
            browser),
        Hit("click", touch.enrollment_id, touch.step_id, 1, "https://x.example/pricing",
            at(2, 25).timestamp(), False, browser),
    ]  # fmt: skip
    assert hits_record(hits=hits, now=at(2, 26)).events == 2
    deal(account, created=at(3, 1), amount=900)

    report = first_quarter_report(PIPELINE, "campaign", lookback_days=14)

    credits = {row.label: row.credits for row in report.rows}
    assert credits[nurture.name][attribution.LAST_TOUCH] == pytest.approx(900)
    assert credits[nurture.name][attribution.LINEAR] == pytest.approx(600)
    assert credits[webinar.name][attribution.FIRST_TOUCH] == pytest.approx(900)
    channels = first_quarter_report(PIPELINE, "channel", lookback_days=14)
    by_channel = {row.label: row.credits[attribution.LINEAR] for row in channels.rows}
    assert by_channel == {"Email": pytest.approx(600), "Webinar": pytest.approx(300)}
