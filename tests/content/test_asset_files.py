"""Asset files: checked by content on every way in, handed out only as sandboxed downloads."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.content.files import asset_file_share_path
from apps.content.models import Asset
from apps.content.services import asset_update
from apps.nurture.emails import asset_link
from tests.admin.helpers import admin_url, page_post_data
from tests.api.conftest import url
from tests.factories import AssetFactory, JourneyStageFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def office(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", HTML)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def api_create(client, name: str, content: bytes):
    stage = JourneyStageFactory()
    body = {
        "title": "Uploaded",
        "asset_type": "whitepaper",
        "journey_stage": stage.pk,
        "status": "published",
        "file": upload(name, content),
    }
    return client.post(url("assets"), body, format="multipart")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("guide.pdf", PDF),
        ("chart.png", PNG),
        ("deck.pptx", office("ppt/presentation.xml")),
        ("brief.docx", office("word/document.xml")),
        ("model.xlsx", office("xl/workbook.xml")),
        ("volumes.csv", b"account,volume\nAcme,12\n"),
        ("notes.txt", "Grüße, a plain note\n".encode()),
    ],
)
def test_allowed_files_are_stored_and_linked_to_the_download_view(
    api_client, marketer, name, content
):
    response = api_create(api_client(marketer), name, content)

    assert response.status_code == 201, response.json()
    asset = Asset.objects.get(pk=response.json()["id"])
    assert asset.file.read() == content
    assert response.json()["file"] == f"http://testserver/content/assets/{asset.pk}/file/"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("page.html", HTML, "This kind of file cannot be stored"),
        ("logo.svg", SVG, "This kind of file cannot be stored"),
        ("notes.txt", HTML, "This kind of file cannot be stored"),
        ("site.zip", plain_zip(), "This kind of file cannot be stored"),
        ("deck.docx", plain_zip(), "This kind of file cannot be stored"),
        ("page.html", PNG, "holds a PNG image but is named .html"),
        ("guide.pdf", office("word/document.xml"), "holds a Word document but is named .pdf"),
    ],
)
def test_other_files_are_refused_naming_the_field(api_client, marketer, name, content, says):
    response = api_create(api_client(marketer), name, content)

    assert response.status_code == 400
    assert says in response.json()["errors"]["file"][0]
    assert not Asset.objects.exists()


def test_an_oversize_upload_is_refused_and_not_stored(api_client, marketer, settings):
    settings.CONTENT_MAX_UPLOAD_MB = 1
    response = api_create(api_client(marketer), "big.csv", b"a,b\n" * 300_000)

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "The file is 1.1 MB; the most an asset file may be is 1 MB."
    ]
    assert not Asset.objects.exists()


def test_the_admin_refuses_an_svg_on_the_file_field(staff_client):
    stage = JourneyStageFactory()
    page = staff_client.get(admin_url(Asset, "add"))
    data = page_post_data(page) | {
        "title": "Logo",
        "asset_type": "whitepaper",
        "journey_stage": stage.pk,
        "status": "draft",
        "file": upload("logo.svg", SVG),
    }
    response = staff_client.post(admin_url(Asset, "add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "This kind of file cannot be stored" in errors["file"][0]
    assert not Asset.objects.exists()


def test_saving_an_asset_does_not_recheck_its_stored_file(marketer):
    # A file stored before uploads were checked: its asset stays editable (and downloads safely).
    asset = AssetFactory(file=ContentFile(HTML, name="old.html"))

    asset_update(asset=asset, data={"title": "Renamed"})

    asset.refresh_from_db()
    assert asset.title == "Renamed"


def test_a_file_is_downloaded_as_a_sandboxed_attachment(client, sales_rep):
    asset = AssetFactory(file=ContentFile(PDF, name="guide.pdf"))
    client.force_login(sales_rep)

    response = client.get(reverse("content:asset_file", args=[asset.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_stored_legacy_html_file_is_never_served_inline(client, sales_rep):
    # Stored before uploads were checked: a plain create runs no validators.
    asset = Asset.objects.create(
        title="Old page",
        asset_type="whitepaper",
        journey_stage=JourneyStageFactory(),
        file=ContentFile(HTML, name="old.html"),
    )
    client.force_login(sales_rep)

    response = client.get(reverse("content:asset_file", args=[asset.pk]))

    assert response["Content-Type"] == "application/octet-stream"
    stored_name = asset.file.name.rsplit("/", 1)[-1]
    assert response["Content-Disposition"] == f'attachment; filename="{stored_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_downloads_need_a_signed_in_user_who_may_see_assets(client):
    asset = AssetFactory(file=ContentFile(PDF, name="guide.pdf"))

    response = client.get(reverse("content:asset_file", args=[asset.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_buyer_opens_a_published_file_through_the_signed_link_of_an_email(client):
    asset = AssetFactory(file=ContentFile(PDF, name="guide.pdf"), url="")

    link = asset_link(asset)
    response = client.get(link.removeprefix("http://127.0.0.1:8000"))

    assert link.endswith(asset_file_share_path(asset))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")

    tampered = client.get(asset_file_share_path(asset).replace(f"/{asset.pk}:", "/999:"))
    assert tampered.status_code == 404
    Asset.objects.filter(pk=asset.pk).update(status=Asset.Status.RETIRED)
    assert client.get(asset_file_share_path(asset)).status_code == 404


def test_pages_link_the_file_to_the_download_view(client, sales_rep):
    asset = AssetFactory(file=ContentFile(PDF, name="guide.pdf"))
    client.force_login(sales_rep)
    download = reverse("content:asset_file", args=[asset.pk])

    assert download in client.get(reverse("content:asset_detail", args=[asset.pk])).content.decode()
    assert download in client.get(reverse("content:asset_list")).content.decode()
