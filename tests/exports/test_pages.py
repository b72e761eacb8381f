"""Every list page's "Export CSV": the page's filters, every row, streamed, safe to open."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.content.models import Asset, EnablementRequest
from apps.core.csv_export import FORMULA_PREFIXES
from apps.engagement.models import Handoff
from apps.nurture.models import Step
from apps.pipeline.models import PipelineStage, StallReason
from apps.users.models import User
from tests.downloads import csv_rows
from tests.factories import (
    AccountFactory,
    AccountScoreFactory,
    AssetFactory,
    CampaignFactory,
    ContactFactory,
    EnablementRequestFactory,
    HandoffFactory,
    OpportunityFactory,
    PersonaFactory,
    TouchFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Export:
    """A list page with filters; `make(user, text)` adds a row the filters keep, showing `text`
    in `column`, and `make_other(user)` one they leave out."""

    path: str
    column: str
    make: Callable[[User, str], object]
    make_other: Callable[[User], object]


def _asset(user: User, text: str) -> Asset:
    asset = AssetFactory(title=text, owner=user)
    asset.personas.add(*PersonaFactory.create_batch(2))
    return asset


STALLED = {"stalled_since": timezone.now(), "stall_reason": StallReason.NO_ACTIVITY}
EXPORTS = {
    "accounts": Export(
        "/accounts/?tier=1",
        "name",
        lambda user, text: AccountFactory(name=text, tier=1, owner=UserFactory()),
        lambda user: AccountFactory(tier=3),
    ),
    "contacts": Export(
        "/accounts/?tier=1&rows=contacts",
        "first_name",
        lambda user, text: ContactFactory(
            first_name=text, account__tier=1, persona=PersonaFactory()
        ),
        lambda user: ContactFactory(account__tier=3),
    ),
    "opportunities": Export(
        "/opportunities/?status=won",
        "name",
        lambda user, text: OpportunityFactory(name=text, stage__outcome=PipelineStage.Outcome.WON),
        lambda user: OpportunityFactory(),
    ),
    "campaigns": Export(
        "/campaigns/?status=live",
        "name",
        lambda user, text: CampaignFactory(name=text, status=Campaign.Status.LIVE),
        lambda user: CampaignFactory(status=Campaign.Status.DRAFT),
    ),
    "assets": Export(
        "/content/assets/?status=published",
        "title",
        _asset,
        lambda user: AssetFactory(status=Asset.Status.DRAFT),
    ),
    "hot accounts": Export(
        "/signals/hot/",
        "account",
        lambda user, text: AccountScoreFactory(
            account__name=text, account__owner=UserFactory(), score=40, score_week_ago=10
        ),
        lambda user: AccountScoreFactory(score=40, score_week_ago=40),
    ),
    "handoffs": Export(
        "/signals/handoffs/?status=accepted",
        "account",
        lambda user, text: HandoffFactory(
            contact__account__name=text,
            status=Handoff.Status.ACCEPTED,
            decided_by=UserFactory(),
            decided_at=timezone.now(),
        ),
        lambda user: HandoffFactory(status=Handoff.Status.PENDING),
    ),
    "stalled deals": Export(
        "/nurture/stalled/?mine=1",
        "opportunity",
        lambda user, text: OpportunityFactory(name=text, owner=user, **STALLED),
        lambda user: OpportunityFactory(**STALLED),
    ),
    "enablement requests": Export(
        "/enablement/requests/?status=&priority=high",
        "need",
        lambda user, text: EnablementRequestFactory(
            need=text,
            priority=EnablementRequest.Priority.HIGH,
            assignee=UserFactory(),
            opportunity=OpportunityFactory(),
        ),
        lambda user: EnablementRequestFactory(priority=EnablementRequest.Priority.LOW),
    ),
    "my enablement requests": Export(
        "/enablement/requests/mine/",
        "need",
        lambda user, text: EnablementRequestFactory(need=text, requested_by=user),
        lambda user: EnablementRequestFactory(),
    ),
    "touches (my tasks)": Export(
        "/nurture/tasks/",
        "subject",
        lambda user, text: TouchFactory(
            subject=text,
            kind=Step.Kind.TASK,
            step__kind=Step.Kind.TASK,
            assignee=user,
            enrollment__opportunity=OpportunityFactory(),
        ),
        lambda user: TouchFactory(
            kind=Step.Kind.TASK, step__kind=Step.Kind.TASK, assignee=UserFactory()
        ),
    ),
}
parametrise = pytest.mark.parametrize("export", EXPORTS.values(), ids=EXPORTS.keys())


def _csv_url(export: Export) -> str:
    return export.path + ("&" if "?" in export.path else "?") + "format=csv"


def _column(rows: list[list[str]], name: str) -> list[str]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def reader(admin_member, client):
    client.force_login(admin_member)
    return admin_member


@parametrise
def test_the_page_links_to_its_export_with_its_filters(client, reader, export):
    export.make(reader, "Shown")

    page = client.get(export.path + ("&" if "?" in export.path else "?") + "page=1")

    assert page.status_code == 200
    query = _csv_url(export).split("?")[1].replace("&", "&amp;")
    assert f'href="?{query}"' in page.content.decode()


@parametrise
def test_the_export_streams_every_row_the_filters_keep(client, reader, export):
    export.make(reader, "Kept")
    export.make_other(reader)

    response = client.get(_csv_url(export))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert _column(csv_rows(response), export.column) == ["Kept"]


@parametrise
def test_cells_a_spreadsheet_would_run_are_neutralised(client, reader, export):
    cells = [f"{prefix}HYPERLINK(1)" for prefix in FORMULA_PREFIXES]
    for cell in cells:
        export.make(reader, cell)

    written = _column(csv_rows(client.get(_csv_url(export))), export.column)

    assert sorted(written) == sorted("'" + cell for cell in cells)


@parametrise
def test_the_export_runs_the_same_queries_for_10_rows_as_for_50(client, reader, export):
    def count(rows: int) -> int:
        while len(made) < rows:
            made.append(export.make(reader, f"Row {len(made)}"))
        with CaptureQueriesContext(connection) as queries:
            written = csv_rows(client.get(_csv_url(export)))
        assert len(written) == rows + 1
        return len(queries)

    made: list = []
    assert count(10) == count(50)


def test_a_sales_rep_exports_only_their_own_tasks_and_not_marketings_queue(client, sales_rep):
    task = EXPORTS["touches (my tasks)"]
    task.make(sales_rep, "Call the CFO")
    task.make_other(sales_rep)
    EnablementRequestFactory(need="Someone else's ask")
    client.force_login(sales_rep)

    assert _column(csv_rows(client.get(_csv_url(task))), "subject") == ["Call the CFO"]
    assert client.get("/enablement/requests/?format=csv").status_code == 404
    assert _column(csv_rows(client.get("/enablement/requests/mine/?format=csv")), "need") == []


@pytest.mark.parametrize("export", [EXPORTS["accounts"], EXPORTS["touches (my tasks)"]])
def test_who_may_not_see_the_page_may_not_export_it(client, marketer, export):
    export.make(marketer, "Hidden")
    client.force_login(UserFactory() if export is EXPORTS["accounts"] else marketer)

    response = client.get(_csv_url(export))

    assert response.status_code == 403
    assert "Hidden" not in response.content.decode()


@parametrise
def test_rows_are_read_from_the_database_while_the_download_is_sent(client, reader, export):
    export.make(reader, "Late")

    response = client.get(_csv_url(export))
    with CaptureQueriesContext(connection) as reads:
        written = _column(csv_rows(response), export.column)

    # Nothing was read up front: the rows are fetched in chunks as the body goes out.
    assert written == ["Late"]
    assert len(reads) >= 1
