"""Marketers create, edit, archive and restore content assets in the library's own pages; reps
read them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from apps.content.models import Asset
from apps.content.services import asset_archive, asset_restore
from apps.journeys.models import Journey
from tests.factories import (
    AssetFactory,
    CampaignFactory,
    JourneyFactory,
    JourneyStageFactory,
    PersonaFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def stage():
    return JourneyStageFactory(
        journey=JourneyFactory(name="Finance buyers", status=Journey.Status.PUBLISHED),
        name="Consideration",
    )


def _form(stage, **changes) -> dict:
    return {
        "title": "TCO guide",
        "asset_type": "comparison_guide",
        "status": "published",
        "journey_stage": stage.pk,
        "summary": "What it costs over three years.",
        "url": "",
        **changes,
    }


def test_a_marketer_uploads_a_file_as_a_new_asset(client, marketer, stage):
    cfo = PersonaFactory(name="CFO")
    client.force_login(marketer)

    response = client.post(
        reverse("content:asset_create"),
        _form(stage, personas=[cfo.pk], file=SimpleUploadedFile("tco.pdf", PDF)),
    )

    asset = Asset.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("content:asset_detail", args=[asset.pk])
    assert asset.file.read() == PDF
    assert asset.owner == marketer
    assert list(asset.personas.all()) == [cfo]
    assert asset.journey_stage == stage


def test_a_link_is_enough_and_is_checked(client, marketer, stage):
    client.force_login(marketer)

    refused = client.post(reverse("content:asset_create"), _form(stage, url="not a link"))
    created = client.post(reverse("content:asset_create"), _form(stage, url="https://x.test/tco"))

    assert refused.status_code == 400
    assert "Enter a valid URL." in refused.context["form"].errors["url"]
    assert created.status_code == 302
    assert Asset.objects.get().url == "https://x.test/tco"


def test_a_published_asset_needs_a_link_or_a_file(client, marketer, stage):
    client.force_login(marketer)

    response = client.post(reverse("content:asset_create"), _form(stage))

    assert response.status_code == 400
    assert response.context["form"].errors["url"] == ["A published asset needs a URL or a file."]
    assert not Asset.objects.exists()


@override_settings(CONTENT_MAX_UPLOAD_MB=1)
def test_a_file_over_the_limit_is_refused_on_the_file_field_naming_the_limit(
    client, marketer, stage
):
    client.force_login(marketer)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024 + 1))

    response = client.post(reverse("content:asset_create"), _form(stage, file=big))

    assert response.status_code == 400
    (message,) = response.context["form"].errors["file"]
    assert "1.0 MB" in message and "may be is 1 MB" in message
    assert b"at most 1 MB" in response.content  # the limit is said before uploading, too
    assert not Asset.objects.exists()


def test_a_file_of_a_refused_type_is_named_on_the_file_field(client, marketer, stage):
    client.force_login(marketer)
    page = SimpleUploadedFile("page.html", b"<!doctype html><script>alert(1)</script>")

    response = client.post(reverse("content:asset_create"), _form(stage, file=page))

    assert response.status_code == 400
    (message,) = response.context["form"].errors["file"]
    assert message.startswith("This kind of file cannot be stored: upload a PDF")


def test_the_stage_picker_labels_versions_and_leaves_out_archived_ones(client, marketer, stage):
    old = JourneyStageFactory(
        journey=JourneyFactory(name="Old map", status=Journey.Status.ARCHIVED), name="Gone"
    )
    draft = JourneyStageFactory(journey=JourneyFactory(name="Next map"), name="Early")
    client.force_login(marketer)

    response = client.get(reverse("content:asset_create"))

    labels = [label for _, label in response.context["form"].fields["journey_stage"].choices]
    assert "Finance buyers v1 · Consideration" in labels
    assert "Next map v1 draft · Early" in labels
    assert not any("Gone" in label for label in labels)
    # An asset already on an archived version's stage keeps it on its edit page.
    asset = AssetFactory(journey_stage=old)
    edit = client.get(reverse("content:asset_edit", args=[asset.pk]))
    assert "Old map v1 archived · Gone" in [
        label for _, label in edit.context["form"].fields["journey_stage"].choices
    ]
    assert draft.pk in [v for v, _ in response.context["form"].fields["journey_stage"].choices]


def test_a_marketer_edits_an_asset_and_replaces_its_link_with_a_file(client, marketer, stage):
    asset = AssetFactory(journey_stage=stage, url="https://x.test/old", title="Old title")
    client.force_login(marketer)

    response = client.post(
        reverse("content:asset_edit", args=[asset.pk]),
        _form(stage, title="New title", file=SimpleUploadedFile("new.pdf", PDF)),
    )

    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.title, asset.url) == ("New title", "")
    assert asset.file.name.endswith(".pdf")


def test_archiving_asks_first_then_hides_the_asset_from_the_library(client, marketer, stage):
    asset = AssetFactory(journey_stage=stage, title="Pricing sheet")
    CampaignFactory(goal_stage=stage).assets.add(asset)
    client.force_login(marketer)
    archive_url = reverse("content:asset_archive", args=[asset.pk])

    asked = client.get(archive_url)
    assert asked.status_code == 200
    assert asked.context["still_using"] == {"campaigns with it in their content mix": 1}
    asset.refresh_from_db()
    assert not asset.is_archived

    done = client.post(archive_url)
    assert done.status_code == 302
    asset.refresh_from_db()
    assert asset.is_archived and asset.archived_by == marketer
    assert list(client.get(reverse("content:asset_list")).context["page_obj"]) == []
    # The marketer still opens it, to restore it.
    detail = client.get(reverse("content:asset_detail", args=[asset.pk]))
    assert detail.status_code == 200
    client.post(reverse("content:asset_restore", args=[asset.pk]))
    asset.refresh_from_db()
    assert not asset.is_archived


def test_reps_read_assets_but_cannot_create_edit_or_archive(client, sales_rep, stage):
    asset = AssetFactory(journey_stage=stage)
    client.force_login(sales_rep)

    assert client.get(reverse("content:asset_detail", args=[asset.pk])).status_code == 200
    for name, args in [
        ("content:asset_create", []),
        ("content:asset_edit", [asset.pk]),
        ("content:asset_archive", [asset.pk]),
        ("content:asset_restore", [asset.pk]),
    ]:
        assert client.post(reverse(name, args=args), _form(stage)).status_code == 403
    assert client.get(reverse("content:asset_create")).status_code == 403
    list_page = client.get(reverse("content:asset_list")).content.decode()
    assert "New asset" not in list_page
    asset_restore(asset=asset)  # nothing changed by the refused requests
    asset.refresh_from_db()
    assert not asset.is_archived


def test_reps_do_not_see_archived_assets(client, sales_rep, marketer, stage):
    asset = asset_archive(asset=AssetFactory(journey_stage=stage), by=marketer)
    client.force_login(sales_rep)

    assert client.get(reverse("content:asset_detail", args=[asset.pk])).status_code == 404


def test_archive_and_restore_services_are_idempotent(marketer, stage):
    asset = AssetFactory(journey_stage=stage)

    first = asset_archive(asset=asset, by=marketer).archived_at
    assert asset_archive(asset=asset, by=marketer).archived_at == first
    assert asset_restore(asset=asset).archived_at is None
    assert asset_restore(asset=asset).archived_at is None


def test_the_asset_form_runs_the_same_queries_for_few_or_many_stages_and_personas(
    client, marketer, stage, django_assert_max_num_queries
):
    asset = AssetFactory(journey_stage=stage)
    asset.personas.add(PersonaFactory())
    client.force_login(marketer)
    url = reverse("content:asset_edit", args=[asset.pk])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(5):
        parent = JourneyStageFactory(journey=stage.journey)
        JourneyStageFactory(journey=stage.journey, parent=parent, phase=parent.phase)
        asset.personas.add(PersonaFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
