"""The backtest page, command and API: who may run one, what they show, what they cost."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.engagement import tasks
from apps.engagement.models import Backtest
from apps.engagement.services import backtest_run, backtest_start
from tests.downloads import csv_rows
from tests.engagement.conftest import BACKTEST_AS_OF as AS_OF

pytestmark = pytest.mark.django_db

FORM = {"as_of": AS_OF.date().isoformat(), "horizon_days": 30, "outcome": "opportunity_created"}


def test_a_marketer_runs_a_backtest_and_sees_both_scorers(client_for_role, planted, marketer):
    client = client_for_role("marketer")

    response = client.post(reverse("signals:backtest_list"), FORM)

    run = Backtest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("signals:backtest_detail", args=[run.pk])
    assert (run.requested_by, run.status, run.horizon_days) == (marketer, "done", 30)
    page = client.get(response.url)
    assert page.status_code == 200
    assert 'id="backtest-results"' in page.text and "vendor/chartjs/chart.umd.min.js" in page.text
    for label in ("Current rules", "Activity count (90 days)"):
        assert page.text.count(label) >= 2
    assert "1.000" in page.text and "0.000" in page.text
    assert 'data-chart="roc"' in page.text and "hx-trigger" not in page.text


def test_the_numbers_download_as_csv(client_for_role, planted):
    run = backtest_start(as_of=AS_OF, horizon_days=30)

    response = client_for_role("admin").get(
        reverse("signals:backtest_detail", args=[run.pk]), {"format": "csv"}
    )

    rows = csv_rows(response)
    assert rows[0][:4] == ["buyers", "scorer", "auc", "decile"]
    assert len(rows) == 1 + 2 * 2 * 10  # contacts and accounts, two scorers, ten deciles
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["buyers"], first["scorer"], first["auc"]) == ("contacts", "Current rules", "1.0")


def test_a_bad_form_says_what_is_wrong(client_for_role, planted):
    client = client_for_role("marketer")

    response = client.post(reverse("signals:backtest_list"), {**FORM, "as_of": "2999-01-01"})

    assert response.status_code == 200
    assert "future" in response.text
    assert not Backtest.objects.exists()


def test_sales_reps_may_neither_see_nor_run_backtests(client_for_role, planted):
    client = client_for_role("sales")
    run = backtest_start(as_of=AS_OF, horizon_days=30)

    assert client.get(reverse("signals:backtest_list")).status_code == 403
    assert client.post(reverse("signals:backtest_list"), FORM).status_code == 403
    assert client.get(reverse("signals:backtest_detail", args=[run.pk])).status_code == 403
    assert Backtest.objects.count() == 1


def test_a_large_backtest_runs_on_a_worker_while_its_page_polls(
    client_for_role, planted, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.BACKTEST_BACKGROUND_CONTACTS = 3
    queued: list[int] = []
    monkeypatch.setattr(tasks.run_backtest, "delay", queued.append)
    client = client_for_role("marketer")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signals:backtest_list"), FORM)

    run = Backtest.objects.get()
    assert queued == [run.pk] and run.status == "queued"
    url = reverse("signals:backtest_detail", args=[run.pk])
    polling = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polling.text and "<html" not in polling.text

    tasks.run_backtest(run.pk)
    assert backtest_run(backtest_id=run.pk) is None  # a second delivery finds it done

    finished = client.get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in finished.text and 'id="backtest-results"' in finished.text


def test_a_backtest_whose_worker_died_runs_again_and_one_still_being_worked_is_left(
    planted, run_lock_elsewhere
):
    orphan, busy = (
        backtest_start(as_of=AS_OF, horizon_days=30, in_background=True) for _ in range(2)
    )
    # Both were taken by workers; the first one's was killed, the second one's works on.
    Backtest.objects.update(status=Backtest.Status.RUNNING)
    run_lock_elsewhere("engagement.backtest", busy.pk)

    # Redelivered, as Celery does when a worker is lost.
    tasks.run_backtest(orphan.pk)
    tasks.run_backtest(busy.pk)

    orphan.refresh_from_db(), busy.refresh_from_db()
    assert (orphan.status, busy.status) == ("done", "running")
    assert orphan.results and not busy.results


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_backtest_pages_run_a_fixed_number_of_queries(client_for_role, planted, marketer):
    client = client_for_role("marketer")
    first = backtest_start(as_of=AS_OF, horizon_days=30, user=marketer)
    one = [
        _queries(client, reverse("signals:backtest_list")),
        _queries(client, reverse("signals:backtest_detail", args=[first.pk])),
    ]
    for horizon in (20, 40, 50):
        backtest_start(as_of=AS_OF, horizon_days=horizon, user=marketer)
    for outcome in Backtest.Outcome.values:
        backtest_start(as_of=AS_OF, horizon_days=30, outcome=outcome)

    many = [
        _queries(client, reverse("signals:backtest_list")),
        _queries(client, reverse("signals:backtest_detail", args=[first.pk])),
    ]
    assert one == many


# -- API ---------------------------------------------------------------------------------------


def test_the_api_runs_and_lists_backtests(api_client, marketer, planted):
    client = api_client(marketer)

    created = client.post("/api/v1/backtests/", {**FORM, "known_then": True}, format="json")
    listed = client.get("/api/v1/backtests/")
    shown = client.get(f"/api/v1/backtests/{created.json()['id']}/")

    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["known_then"], body["requested_by"]) == ("done", True, marketer.pk)
    assert [s["name"] for s in body["results"]["buyers"]["contact"]["scorers"]] == [
        "rules",
        "activity",
    ]
    assert listed.json()["results"][0]["id"] == body["id"]
    assert shown.json()["results"] == body["results"]


@pytest.mark.parametrize(
    "change, field",
    [({"as_of": "last year"}, "as_of"), ({"horizon_days": 0}, "horizon_days"),
     ({"outcome": "lunch"}, "outcome"), ({"as_of": "2999-01-01"}, "as_of")],
)  # fmt: skip
def test_the_api_names_the_bad_field(api_client, marketer, planted, change, field):
    response = api_client(marketer).post("/api/v1/backtests/", {**FORM, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Backtest.objects.exists()


def test_reps_may_not_run_or_read_backtests_through_the_api(api_client, sales_rep, planted):
    client = api_client(sales_rep)

    assert client.post("/api/v1/backtests/", FORM, format="json").status_code == 403
    assert client.get("/api/v1/backtests/").status_code == 403
    assert not Backtest.objects.exists()


# -- command -----------------------------------------------------------------------------------


def test_the_command_prints_the_aucs_and_writes_the_csv(planted, tmp_path, capsys):
    path = tmp_path / "backtest.csv"

    call_command(
        "scores_backtest", "--as-of", AS_OF.date().isoformat(), "--horizon", "30", "--csv", path
    )

    out = capsys.readouterr().out
    assert "Contacts: 6, 3 with the outcome" in out
    assert "Current rules: AUC 1.000" in out and "Activity count (90 days): AUC 0.000" in out
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert len(rows) == 41 and rows[1][:3] == ["contacts", "Current rules", "1.0"]
    assert Backtest.objects.get().status == "done"


def test_the_command_refuses_a_horizon_not_yet_over(planted):
    with pytest.raises(CommandError, match="horizon runs past today"):
        call_command("scores_backtest", "--as-of", "2026-11-30", "--horizon", "90")
