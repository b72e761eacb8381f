"""An export imported back changes nothing: same columns, same spellings, same records."""

import pytest

from apps.accounts import selectors as account_selectors
from apps.core.csv_export import csv_lines
from apps.pipeline import selectors as pipeline_selectors
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.django_db


def _csv(header, rows) -> str:
    return "".join(csv_lines(header, rows))


def test_exports_import_back_unchanged(run_import, importer):
    account = AccountFactory(
        name="=Acme, Inc.",
        domain="acme.com",
        industry="-Manufacturing",
        annual_revenue="1500000.25",
        is_target=True,
        tier=1,
        owner=importer,
        external_source="hubspot",
        external_id="42",
    )
    ContactFactory(
        account=account,
        email="ana@acme.com",
        title="+CFO",
        persona=PersonaFactory(name="CFO"),
        buying_role="economic_buyer",
        time_zone="Europe/Berlin",
    )
    ContactFactory(account=account, email="bo@acme.com", buying_role="")
    OpportunityFactory(account=account, owner=importer, stage=PipelineStageFactory(name="Demo"))
    accounts = account_selectors.account_list()
    files = {
        "accounts": _csv(
            account_selectors.ACCOUNT_CSV_COLUMNS,
            account_selectors.account_export_rows(accounts=accounts),
        ),
        "contacts": _csv(
            account_selectors.CONTACT_CSV_COLUMNS,
            account_selectors.contact_export_rows(accounts=accounts),
        ),
        "opportunities": _csv(
            pipeline_selectors.OPPORTUNITY_CSV_COLUMNS,
            pipeline_selectors.opportunity_export_rows(
                opportunities=pipeline_selectors.opportunity_list()
            ),
        ),
    }
    assert "'=Acme" in files["accounts"]

    for kind, text in files.items():
        run = run_import(kind, text)
        assert (kind, run.errors, run.creates, run.updates) == (kind, 0, 0, 0)
        assert run.unchanged == text.count("\n") - 1
