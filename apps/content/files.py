"""Which asset files Waymark stores, and how it hands them out.

An upload is judged by its content (magic bytes), never by its name or the type its browser
claims, and must also carry an extension that fits what it is: a PNG named `.html` is refused.
HTML, SVG and anything else that a browser could run as a page is refused. Files are handed out
as attachments only (`apps.content.views.asset_file`), so even a file stored before these checks
never renders as a page of Waymark's own origin.
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

import filetype
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import FileResponse, Http404
from django.urls import reverse

if TYPE_CHECKING:
    from apps.content.models import Asset

HEAD_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", ("pdf",))
PNG = FileKind("PNG image", "image/png", ("png",))
JPEG = FileKind("JPEG image", "image/jpeg", ("jpg", "jpeg"))
GIF = FileKind("GIF image", "image/gif", ("gif",))
WEBP = FileKind("WebP image", "image/webp", ("webp",))
MP4 = FileKind("MP4 video", "video/mp4", ("mp4", "m4v"))
DOCX = FileKind(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileKind(
    "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
PPTX = FileKind(
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
TEXT = FileKind("plain text", "text/plain", ("txt",))
CSV = FileKind("CSV", "text/csv", ("csv",))
ALLOWED_KINDS = (PDF, PNG, JPEG, GIF, WEBP, MP4, DOCX, XLSX, PPTX, TEXT, CSV)

# The `filetype` library's answer (by magic bytes) for the binary kinds.
_BY_MIME = {kind.content_type: kind for kind in (PDF, PNG, JPEG, GIF, WEBP, MP4)}
# An Office Open XML file is a zip holding its content types and the main part of its kind.
_OFFICE_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
ALLOWED_TYPES_TEXT = "PDF, PNG, JPEG, GIF, WebP, MP4, DOCX, XLSX, PPTX, TXT or CSV"
# Text a browser would take for a page or a script, whatever the file is called.
_MARKUP = re.compile(rb"^\s*<|<\s*(script|html|svg|iframe|body|!doctype)\b", re.IGNORECASE)


def max_upload_bytes() -> int:
    return settings.CONTENT_MAX_UPLOAD_MB * 1024 * 1024


def detect_kind(file: File) -> FileKind | None:
    """What the file's bytes say it is, among the allowed kinds; None for anything else."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(file)
    guess = filetype.guess(head)
    if guess is not None:
        return _BY_MIME.get(guess.mime)
    return TEXT if _is_plain_text(head) else None


def _office_kind(file: File) -> FileKind | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in _OFFICE_PARTS.items() if part in names), None)


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head or _MARKUP.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the head is still text.
        return error.start >= len(head) - 3
    return True


def kind_for_name(name: str) -> FileKind | None:
    """The allowed kind a stored file's extension names, for serving it; None for others."""
    extension = PurePath(name).suffix.lower().lstrip(".")
    return next((kind for kind in ALLOWED_KINDS if extension in kind.extensions), None)


def validate_asset_file(file: File) -> None:
    """The one check every asset upload passes: a model field validator, so admin, API and forms
    all run it. A file already stored is not read again on each save of its asset."""
    if getattr(file, "_committed", False):
        return
    if file.size is not None and file.size > max_upload_bytes():
        raise ValidationError(
            f"The file is {file.size / 1024 / 1024:.1f} MB; the most an asset file may be "
            f"is {settings.CONTENT_MAX_UPLOAD_MB} MB.",
            code="file_too_large",
        )
    kind = detect_kind(file)
    if kind is None:
        raise ValidationError(
            f"This kind of file cannot be stored: upload a {ALLOWED_TYPES_TEXT} file.",
            code="file_type",
        )
    extension = PurePath(file.name).suffix.lower().lstrip(".")
    if kind is TEXT and extension in CSV.extensions:
        return
    if extension not in kind.extensions:
        raise ValidationError(
            f"The file holds a {kind.label} but is named .{extension or '(none)'}; "
            f"name it .{kind.extensions[0]}.",
            code="file_extension",
        )


# --- handing files out -----------------------------------------------------------------------
# Signed in, a user with the content library's view permission downloads any asset's file. A
# buyer gets a signed link in a sequence email instead: it opens the file while it is published.
SHARE_SALT = "content.asset_file"


def asset_file_path(asset: "Asset") -> str:
    return reverse("content:asset_file", args=[asset.pk])


def asset_file_share_path(asset: "Asset") -> str:
    token = signing.Signer(salt=SHARE_SALT).sign(str(asset.pk))
    return reverse("content:asset_file_shared", args=[token])


def shared_asset_id(token: str) -> int | None:
    """The asset a share link was signed for; None for a tampered or malformed link."""
    try:
        value = signing.Signer(salt=SHARE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def attachment_response(asset: "Asset") -> FileResponse:
    """The asset's file as a download that no browser renders or sniffs into a page.

    The type sent is the one its (checked) extension names; anything else, such as an HTML file
    stored before uploads were checked, goes out as opaque bytes, sandboxed besides."""
    if not asset.file:
        raise Http404("This asset has no file.")
    try:
        handle = asset.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The asset's file is missing.") from error
    name = PurePath(asset.file.name).name
    kind = kind_for_name(name)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
