"""Imports of accounts, contacts and opportunities from CSV/XLSX files and the bulk API.

A run keeps what a marketer needs to trust it afterwards: the file, the mapping, the counts,
every row error and, for undo, each record it created or changed with the values it replaced.
"""

from django.conf import settings
from django.db import models

from apps.core.audit import audit_trail
from apps.core.models import TimeStampedModel


class RecordKind(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"
    OPPORTUNITIES = "opportunities", "Opportunities"


class ImportRun(models.Model):
    """One import of one file: uploaded → (previewing →) previewed → (queued →) running →
    committed (or failed), and later perhaps undone. Large files preview and commit on a worker."""

    class Mode(models.TextChoices):
        VALID_ROWS = "valid_rows", "Import the valid rows"
        ALL_OR_NOTHING = "all_or_nothing", "All or nothing"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PREVIEWING = "previewing", "Previewing"
        PREVIEWED = "previewed", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMMITTED = "committed", "Committed"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField("original file name", max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_runs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    mapping = models.JSONField(
        default=dict, blank=True, help_text="Column of the file → Waymark field."
    )
    source = models.CharField(
        max_length=40,
        blank=True,
        help_text="The outside system the external ids come from, e.g. hubspot.",
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.VALID_ROWS)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    failure = models.TextField(blank=True, help_text="Why the run failed, when it did.")
    creates = models.PositiveIntegerField(default=0)
    updates = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its preview or commit was last sent to a worker."
    )
    committed_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"

    @property
    def is_working(self) -> bool:
        """A worker (or a request) is previewing or committing it: its page polls."""
        return self.status in (self.Status.PREVIEWING, self.Status.QUEUED, self.Status.RUNNING)

    @property
    def can_remap(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.PREVIEWED)

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.COMMITTED else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class ImportRowError(models.Model):
    """A row the run could not take, as the user sees it in the file (the header is row 1)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True)
    value = models.TextField(blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["run", "row", "pk"]
        indexes = [models.Index(fields=["run", "row"])]

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"


class ImportChange(models.Model):
    """A record a committed run created or updated; an update keeps the values it replaced,
    which is what undo puts back."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="changes")
    record_kind = models.CharField(max_length=16, choices=RecordKind.choices)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    previous = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.record_kind} #{self.record_id}"


class SavedMapping(TimeStampedModel):
    """A column mapping kept under a name, to reuse on the next export of the same CRM."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    mapping = models.JSONField(help_text="Column of the file → Waymark field.")
    source = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = audit_trail()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="saved_mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
