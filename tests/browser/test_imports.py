"""An import in a real browser, on a real broker and a real Celery worker: a marketer uploads a
HubSpot export with bad rows, checks the suggested mapping, reads the preview's row errors,
commits and watches the progress bar, finds the new accounts, then undoes the import."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Account
from apps.imports.models import ImportRowError, ImportRun
from tests.browser.navigation import follow_menu

pytestmark = pytest.mark.browser

HUBSPOT_COMPANIES = (
    "Record ID,Company name,Company Domain Name,Industry,Number of Employees,Lifecycle Stage\n"
    "9001,Acme Corp,acme.com,Energy,1200,customer\n"
    "9002,Globex,not a domain,Retail,50,lead\n"
    "9003,Initech,initech.example,Software,many,lead\n"
    "9004,Umbrella,umbrella.example,Pharma,900,opportunity\n"
    "9005,Hooli,hooli.example,Software,20000,lead\n"
)
NEW_ACCOUNTS = ["Acme Corp", "Umbrella", "Hooli"]
WAIT = 60_000  # ms: a worker starting on a shared, busy machine


@pytest.fixture
def start_worker(shared_uploads, celery_worker_process, settings):
    # Every file of more than two rows previews and commits on the worker.
    settings.IMPORT_BACKGROUND_ROWS = 2
    return celery_worker_process


def test_marketer_imports_a_hubspot_export_and_undoes_it(page, log_in, marketer, start_worker):
    log_in(marketer)
    follow_menu(page, "Import")
    page.get_by_role("link", name="New import").click()

    page.get_by_label("What the file holds").select_option("accounts")
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        files=[
            {
                "name": "hubspot-companies.csv",
                "mimeType": "text/csv",
                "buffer": HUBSPOT_COMPANIES.encode(),
            }
        ]
    )
    page.get_by_role("button", name="Upload and map the columns").click()

    # The mapping page: HubSpot's names are recognised, the unknown column is ignored.
    expect(page.get_by_role("heading", level=1)).to_have_text("Map the columns")
    suggested = {
        "Record ID": "external_id",
        "Company name": "name",
        "Company Domain Name": "domain",
        "Industry": "industry",
        "Number of Employees": "employee_count",
        "Lifecycle Stage": "",
    }
    for column, field in suggested.items():
        expect(page.get_by_label(column, exact=True)).to_have_value(field)
    expect(page.get_by_label("Source system")).to_have_value("hubspot")
    expect(page.get_by_test_id("mapping-table")).to_contain_text("acme.com · not a domain")
    page.get_by_role("button", name="Preview the import").click()

    # The preview waits for a worker; the page polls until the worker has done it.
    expect(page.get_by_test_id("run-status")).to_have_text("Previewing")
    expect(page.get_by_test_id("progress-text")).to_contain_text("Checking the rows")
    worker = start_worker("w1", concurrency=1)

    expect(page.get_by_test_id("count-to-create")).to_have_text("3", timeout=WAIT)
    expect(page.get_by_test_id("count-to-update")).to_have_text("0")
    expect(page.get_by_test_id("count-rows-with-errors")).to_have_text("2")
    errors = page.get_by_test_id("error-table").locator("tbody tr")
    expect(errors).to_have_count(2)
    stored = list(
        ImportRowError.objects.order_by("row").values_list("row", "column", "value", "message")
    )
    assert [error[:3] for error in stored] == [
        (3, "Company Domain Name", "not a domain"),
        (4, "Number of Employees", "many"),
    ]
    for line, (row, column, value, message) in zip(errors.all(), stored, strict=True):
        expect(line.locator("td")).to_have_text([str(row), column, value, message])
    expect(page.get_by_test_id("commit-form")).to_contain_text(
        "Mode: Import the valid rows — the 2 rows with errors are skipped."
    )

    # Commit while no worker runs: the page shows the queued run at 0 %, then a worker takes it
    # and the bar the page polls reaches 100 %.
    worker.terminate()
    worker.wait(timeout=60)
    page.get_by_role("button", name="Commit").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Queued")
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("aria-valuenow", "0")
    start_worker("w2", concurrency=1)

    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=WAIT)
    expect(page.get_by_test_id("run-status")).to_have_text("Committed")
    expect(page.get_by_test_id("count-created")).to_have_text("3")
    assert sorted(Account.objects.values_list("name", flat=True)) == sorted(NEW_ACCOUNTS)

    page.get_by_role("link", name="See the accounts").click()
    for name in NEW_ACCOUNTS:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()

    page.go_back()
    page.get_by_role("link", name="Undo this import…").click()
    expect(page.get_by_test_id("undo-form")).to_contain_text("removes the 3 records it created")
    page.get_by_role("button", name="Undo the import").click()

    expect(page.get_by_test_id("run-status")).to_have_text("Undone")
    assert not Account.objects.exists()
    assert ImportRun.objects.get().status == "undone"
    follow_menu(page, "Accounts")
    for name in NEW_ACCOUNTS:
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
