import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.imports import services
from tests.factories import AccountFactory
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db


def _contacts(count: int) -> str:
    lines = ["email,first_name,last_name,title"]
    lines += [f"p{n}@acme.com,P{n},Person,CFO" for n in range(count)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("step", ["preview", "commit"])
def test_statements_do_not_grow_with_rows(importer, step):
    AccountFactory(domain="acme.com")
    counts = []
    for size in (10, 200):
        run = services.import_run_start(
            kind="contacts",
            file=upload(_contacts(size).replace("@", f"{size}@")),
            created_by=importer,
        )
        if step == "commit":
            run = services.import_preview(run=run)
        with CaptureQueriesContext(connection) as queries:
            run = getattr(services, f"import_{step}")(run=run)
        assert run.creates == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
