"""The journey pages: who may read and edit, the map edited in place, print, CSV, coverage,
history and review actions."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Account
from apps.content.models import AssetType
from apps.journeys.models import Journey, JourneyReviewTrigger, PlaybookCell
from apps.journeys.services import (
    journey_new_version,
    journey_publish,
    journey_review_trigger_record,
)
from tests.downloads import csv_rows
from tests.factories import (
    AccountFactory,
    AssetFactory,
    PipelineStageFactory,
    PlaybookCellFactory,
    StageKpiFactory,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pages(journey: Journey) -> list[str]:
    return [
        reverse("journeys:list"),
        *(
            reverse(f"journeys:{name}", args=[journey.pk])
            for name in ("map", "print", "export", "coverage", "history")
        ),
        reverse("content:asset_list"),
    ]


def _cell_url(small, name: str = "cell_edit", stage=None, persona=None) -> str:
    stage, persona = stage or small.shortlist, persona or small.cfo
    return reverse(f"journeys:{name}", args=[small.journey.pk, stage.pk, persona.pk])


@pytest.mark.parametrize("member", ["marketer", "sales_rep", "admin_member"])
def test_every_role_reads_every_journey_page(request, small, member):
    client = _client(request.getfixturevalue(member))

    for url in _pages(small.journey):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, small):
    for url in _pages(small.journey):
        response = client.get(url)
        assert response.status_code == 302, url
        assert urlsplit(response["Location"]).path == reverse("login")


def test_the_navigation_links_to_the_journeys(sales_rep):
    html = _client(sales_rep).get(reverse("web:home")).text

    assert f'href="{reverse("journeys:list")}">Journeys</a>' in html


def test_sales_reps_read_the_map_but_cannot_change_it(sales_rep, small):
    client = _client(sales_rep)

    page = client.get(reverse("journeys:map", args=[small.journey.pk])).text
    edit = client.post(_cell_url(small), {"pain_points": "Slow"})

    assert 'data-testid="edit-cell"' not in page
    assert "Publish version" not in page
    assert client.get(_cell_url(small)).status_code == 403
    assert edit.status_code == 403
    for action in ("publish", "new_version", "review", "review_trigger"):
        url = reverse(f"journeys:{action}", args=[small.journey.pk])
        assert client.post(url, {"kind": "other"}).status_code == 403, action
    assert not PlaybookCell.objects.exists()
    assert small.journey.changes.count() == 0


def test_the_map_shows_stages_as_columns_and_personas_as_rows(marketer, small):
    PipelineStageFactory(name="Discovery", journey_stage=small.consideration)
    StageKpiFactory(stage=small.awareness, target=5000)
    PlaybookCellFactory(stage=small.decision, persona=small.it_director, pain_points=["Risk"])

    response = _client(marketer).get(reverse("journeys:map", args=[small.journey.pk]))

    html = response.text
    columns = [column.stage.name for column in response.context["map"].columns]
    assert columns == ["Awareness", "Consideration", "Shortlist", "Business case", "Decision"]
    assert [row.persona.name for row in response.context["map"].rows] == ["CFO", "IT Director"]
    assert "Pipeline: Discovery" in html
    assert "Reach (unique contacts touched): 5,000" in html
    assert "Risk" in html
    assert html.count('data-testid="edit-cell"') == 10


def test_editing_a_cell_in_place_saves_it_and_shows_it(marketer, small):
    client = _client(marketer)
    form = client.get(_cell_url(small), HTTP_HX_REQUEST="true")

    saved = client.post(
        _cell_url(small),
        {
            "buyer_questions": "What does it cost?\nWho else uses it?",
            "objections": "Too dear | Payback in nine months\nNo time",
            "committee_roles": ["economic_buyer"],
            "content_types": ["roi_calculator"],
        },
        HTTP_HX_REQUEST="true",
    )

    assert 'data-testid="cell-form"' in form.text
    assert saved.status_code == 200
    assert 'data-testid="cell-form"' not in saved.text
    assert "Payback in nine months" in saved.text
    assert "Economic buyer" in saved.text
    cell = PlaybookCell.objects.get(stage=small.shortlist, persona=small.cfo, account=None)
    assert cell.buyer_questions == ["What does it cost?", "Who else uses it?"]
    assert cell.objections == [
        {"objection": "Too dear", "response": "Payback in nine months"},
        {"objection": "No time", "response": ""},
    ]
    assert (cell.committee_roles, cell.content_types) == (["economic_buyer"], ["roi_calculator"])
    assert small.journey.changes.get().changed_by == marketer


def test_a_bad_cell_edit_names_the_field_in_the_cell_and_saves_nothing(marketer, small):
    response = _client(marketer).post(
        _cell_url(small),
        {"pain_points": "Slow close", "objections": "| A response without its objection"},
    )

    assert response.status_code == 200
    assert 'data-testid="cell-form"' in response.text
    assert (
        '<div class="invalid-feedback d-block" role="alert" data-field="objections">'
        "Objections: Each suggested response needs the objection it answers.</div>"
    ) in response.text
    assert not PlaybookCell.objects.exists()


def test_a_published_version_is_not_edited_in_place(marketer, small):
    journey_publish(journey=small.journey, changed_by=marketer)
    client = _client(marketer)

    page = client.get(reverse("journeys:map", args=[small.journey.pk])).text
    form = client.get(_cell_url(small))
    post = client.post(_cell_url(small), {"pain_points": "Slow close"})

    assert 'data-testid="edit-cell"' not in page
    assert 'data-testid="cell-form"' not in form.text
    assert "Version 1 is published: start a new version to change it." in post.text
    assert not PlaybookCell.objects.exists()


def test_ticking_content_in_a_cell_maps_it_to_the_persona(marketer, small):
    roi = AssetFactory(title="ROI calculator", journey_stage=small.shortlist)
    guide = AssetFactory(title="Comparison guide", journey_stage=small.shortlist)
    guide.personas.add(small.cfo)
    AssetFactory(title="Unpublished", journey_stage=small.shortlist, status="draft", url="")
    client = _client(marketer)
    form = client.get(_cell_url(small)).text

    saved = client.post(_cell_url(small), {"assets": [roi.pk]})

    assert "ROI calculator (Case study)" in form and "Unpublished" not in form
    assert set(roi.personas.all()) == {small.cfo}
    assert not guide.personas.exists()
    assert ">1 asset</a>" in saved.text
    assert "content for CFO × Consideration → Shortlist: +ROI calculator, −Comparison guide" in [
        change.summary for change in small.journey.changes.all()
    ]


def test_an_accounts_view_adds_its_own_entries_and_edits_its_own_cell(marketer, small):
    account = AccountFactory(name="Acme", tier=Account.Tier.TIER_1, is_target=True)
    PlaybookCellFactory(stage=small.shortlist, persona=small.cfo, pain_points=["Slow close"])
    client = _client(marketer)

    saved = client.post(
        _cell_url(small), {"account": account.pk, "pain_points": "Group IT approval"}
    )
    page = client.get(reverse("journeys:map", args=[small.journey.pk]), {"account": account.pk})

    assert '<li class="from-account">Group IT approval</li>' in saved.text
    assert "<li>Slow close</li>" in saved.text
    assert PlaybookCell.objects.get(account=account).pain_points == ["Group IT approval"]
    assert PlaybookCell.objects.get(account=None).pain_points == ["Slow close"]
    assert f'<option value="{account.pk}" selected>Acme</option>' in page.text


def test_an_account_cell_for_a_non_tier_1_account_names_the_account(marketer, small):
    account = AccountFactory(name="Initech", tier=Account.Tier.TIER_3)

    response = _client(marketer).post(
        _cell_url(small), {"account": account.pk, "pain_points": "Budget"}
    )

    assert (
        '<span data-field="account">Account: Initech is not a tier-1 target account'
        in response.text
    )
    assert not PlaybookCell.objects.exists()


def test_cancel_puts_the_cell_back(marketer, small):
    PlaybookCellFactory(stage=small.shortlist, persona=small.cfo, pain_points=["Slow close"])

    response = _client(marketer).get(_cell_url(small, name="cell"))

    assert "Slow close" in response.text
    assert response.text.lstrip().startswith('<td id="cell-')


def test_csv_export_has_a_row_per_cell_entry(marketer, small):
    account = AccountFactory(name="Acme", tier=Account.Tier.TIER_1, is_target=True)
    PlaybookCellFactory(
        stage=small.shortlist,
        persona=small.cfo,
        buyer_questions=["Why now?"],
        objections=[{"objection": "Too dear", "response": "Payback"}],
        content_types=[AssetType.DEMO],
    )
    PlaybookCellFactory(
        stage=small.shortlist,
        persona=small.cfo,
        account=account,
        buyer_questions=["Group approval?"],
        objections=[],
    )
    url = reverse("journeys:export", args=[small.journey.pk])

    plain = _client(marketer).get(url)
    for_acme = _client(marketer).get(url, {"account": account.pk})

    rows = csv_rows(plain)
    assert plain["Content-Disposition"] == 'attachment; filename="finance-v1.csv"'
    assert rows[0][:3] == ["journey", "version", "stage"]
    assert rows[1:] == [
        [
            "Finance buyers",
            "1",
            "Shortlist",
            "Consideration",
            "Consideration",
            "CFO",
            "",
            "persona",
            "Buyer questions",
            "Why now?",
            "",
        ],
        [
            "Finance buyers",
            "1",
            "Shortlist",
            "Consideration",
            "Consideration",
            "CFO",
            "",
            "persona",
            "Objections",
            "Too dear",
            "Payback",
        ],
        [
            "Finance buyers",
            "1",
            "Shortlist",
            "Consideration",
            "Consideration",
            "CFO",
            "",
            "persona",
            "Recommended content types",
            "Product demo",
            "",
        ],
    ]
    account_rows = csv_rows(for_acme)[1:]
    assert for_acme["Content-Disposition"] == 'attachment; filename="finance-v1-acme.csv"'
    assert [row[6:10] for row in account_rows if row[7] == "account"] == [
        ["Acme", "account", "Buyer questions", "Group approval?"]
    ]


def test_the_printable_view_has_the_whole_map_and_no_navigation(marketer, small):
    PlaybookCellFactory(stage=small.decision, persona=small.it_director, pain_points=["Risk"])

    html = _client(marketer).get(reverse("journeys:print", args=[small.journey.pk])).text

    assert 'aria-label="Main"' not in html
    assert 'data-testid="edit-cell"' not in html
    assert "@page" not in html  # the print rules live in the stylesheet
    assert "journeys/journeys.css" in html
    assert html.count('class="playbook-cell') == 10
    assert "Risk" in html


def test_coverage_counts_link_to_the_matching_assets_and_mark_gaps(marketer, small):
    PlaybookCellFactory(
        stage=small.shortlist,
        persona=small.cfo,
        content_types=[AssetType.DEMO, AssetType.ROI_CALCULATOR],
    )
    demo = AssetFactory(asset_type=AssetType.DEMO, journey_stage=small.shortlist)
    demo.personas.add(small.cfo)

    response = _client(marketer).get(reverse("journeys:coverage", args=[small.journey.pk]))

    html = response.text
    demo_cell = f'data-testid="count-shortlist-{small.cfo.pk}-demo"'
    roi_cell = f'data-testid="count-shortlist-{small.cfo.pk}-roi_calculator"'
    assert f'class="text-end recommended" {demo_cell}' in html
    assert f'class="text-end gap" {roi_cell}' in html
    assert f'class="text-end gap" data-testid="count-decision-{small.cfo.pk}"' in html
    link = (
        f"/content/assets/?stage={small.shortlist.pk}&amp;persona={small.cfo.pk}"
        "&amp;asset_type=demo&amp;status=published"
    )
    assert f'<a href="{link}">1</a>' in html


def test_the_asset_list_filters_by_the_same_stage_in_every_version(marketer, small):
    v1 = journey_publish(journey=small.journey, changed_by=marketer)
    v2 = journey_new_version(journey=v1, changed_by=marketer)
    mapped = AssetFactory(title="Mapped on v1", journey_stage=small.shortlist)
    mapped.personas.add(small.cfo)
    AssetFactory(title="Other persona", journey_stage=small.shortlist)
    AssetFactory(title="Other stage", journey_stage=small.decision).personas.add(small.cfo)
    v2_shortlist = v2.stages.get(slug="shortlist")

    response = _client(marketer).get(
        reverse("content:asset_list"),
        {"stage": v2_shortlist.pk, "persona": small.cfo.pk, "status": "published"},
    )

    assert [asset.title for asset in response.context["page_obj"]] == ["Mapped on v1"]


def test_the_review_banner_shows_when_a_review_is_due(marketer, small):
    journey = journey_publish(journey=small.journey, changed_by=marketer)
    client = _client(marketer)
    url = reverse("journeys:map", args=[journey.pk])
    assert 'data-testid="review-banner"' not in client.get(url).text

    client.post(
        reverse("journeys:review_trigger", args=[journey.pk]),
        {"kind": JourneyReviewTrigger.Kind.NEW_MARKET, "note": "Nordics"},
    )
    due = client.get(url).text
    client.post(reverse("journeys:review", args=[journey.pk]), {"notes": "Added the Nordics"})
    reviewed = client.get(url).text

    assert 'data-testid="review-banner"' in due
    assert "New market (Nordics)" in due
    assert 'data-testid="review-banner"' not in reviewed
    assert journey.reviews.first().notes == "Added the Nordics"


def test_a_trigger_without_a_kind_is_reported_and_not_recorded(marketer, small):
    response = _client(marketer).post(
        reverse("journeys:review_trigger", args=[small.journey.pk]), {"note": "?"}, follow=True
    )

    assert "The review trigger was not recorded. kind: This field is required." in response.text
    assert not JourneyReviewTrigger.objects.exists()


def test_publish_and_start_a_new_version_from_the_page(marketer, small):
    client = _client(marketer)

    published = client.post(reverse("journeys:publish", args=[small.journey.pk]), follow=True)
    started = client.post(reverse("journeys:new_version", args=[small.journey.pk]))

    assert "Version 1 is published." in published.text
    draft = Journey.objects.get(key=small.journey.key, version=2)
    assert started["Location"] == reverse("journeys:map", args=[draft.pk])
    again = client.post(reverse("journeys:new_version", args=[small.journey.pk]), follow=True)
    assert "Version 2 is already a draft of this journey" in again.text


def test_the_journey_list_flags_reviews_that_are_due(marketer, small):
    journey = journey_publish(journey=small.journey, changed_by=marketer)
    journey_review_trigger_record(journey=journey, kind="new_product", recorded_by=marketer)

    html = _client(marketer).get(reverse("journeys:list")).text

    assert 'data-testid="review-due"' in html


def test_history_lists_changes_reviews_and_triggers(marketer, small):
    journey = journey_publish(journey=small.journey, changed_by=marketer)
    journey_review_trigger_record(
        journey=journey, kind="new_product", note="Payments", recorded_by=marketer
    )

    html = _client(marketer).get(reverse("journeys:history", args=[journey.pk])).text

    assert "Published version 1" in html
    assert "Published as version 1." in html
    assert "New product: Payments" in html


def test_the_asset_list_reads_the_filters_coverage_links_carry(marketer, small):
    url = (
        f"/content/assets/?stage={small.shortlist.pk}&persona={small.cfo.pk}"
        "&asset_type=demo&status=published"
    )

    response = _client(marketer).get(url)

    assert response.context["form"].cleaned_data == {
        "q": "",
        "stage": small.shortlist,
        "persona": small.cfo,
        "asset_type": "demo",
        "status": "published",
    }


def test_csv_export_neutralises_cells_a_spreadsheet_would_run(marketer, small):
    PlaybookCellFactory(
        stage=small.shortlist, persona=small.cfo, buyer_questions=['=HYPERLINK("http://x")']
    )

    response = _client(marketer).get(reverse("journeys:export", args=[small.journey.pk]))

    assert '\'=HYPERLINK("http://x")' in [row[9] for row in csv_rows(response)[1:]]
