"""`make bench` for lists at scale (apps/core/bench.py).

One world: 100,000 accounts, 1,000,000 contacts (set-based SQL) and an open deal per account
(`BENCH_SCALE` shrinks it, to check that the bench runs; the targets are for the full size).

- `api_list_vs_bare_accounts` / `api_list_vs_bare_contacts`: requests/s of `GET /api/v1/accounts/`
  (ordered by name) and `GET /api/v1/contacts/` (ordered by last name), 50 a page with token
  auth, through gunicorn with two workers and `CLIENTS` concurrent clients, against a bare DRF
  cursor-paginated list of 50 contacts (`config/bench_urls.py`) served by the same gunicorn in
  the same run: `ROUNDS` rounds, the three lists taking turns in each, the best of each list's.
- `page_ms_accounts` / `page_ms_opportunities`: server time of the accounts and opportunities
  pages for a signed-in admin, median of `RUNS`.
"""

import http.client
import statistics
import threading
import time

from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.core.bench import BenchReport, GunicornServer, benchmark, scaled, stopwatch
from apps.journeys.models import Journey, JourneyStage, Phase
from apps.pipeline.models import Opportunity, PipelineStage
from apps.users.models import Role, User
from apps.users.services import api_token_issue, user_create

ACCOUNTS = scaled(100_000)
CONTACTS = scaled(1_000_000)
CLIENTS = 8
REQUESTS = 400  # per measured list and round, spread over the clients
ROUNDS = 3  # each list's rate is the best of its rounds
RUNS = 5


def _world() -> str:
    """Accounts, contacts and a deal each; returns an admin's API token."""
    admin = user_create(
        username="lists-bench", email="lists@bench.test", password=None, role=Role.ADMIN
    )
    with connection.cursor() as cursor:
        # md5 spreads the names, so an ordering by name is not the insertion order.
        cursor.execute(
            """INSERT INTO accounts_account (created_at, updated_at, name, domain, industry,
                   region, tier, is_target, fit_score, fit_source)
               SELECT now(), now(), 'Account ' || md5(n::text), 'bench' || n || '.example',
                      '', '', 1 + n %% 3, n %% 4 = 0, n %% 101, 'learned'
               FROM generate_series(1, %s) n""",
            [ACCOUNTS],
        )
        cursor.execute(
            """INSERT INTO accounts_contact (created_at, updated_at, account_id, first_name,
                   last_name, email, title, buying_role, seniority, consent, time_zone)
               SELECT now(), now(), a.id, 'Pat', 'Person ' || md5(n::text),
                      'p' || n || '@' || a.domain, '', '', '', 'unknown', 'UTC'
               FROM generate_series(0, %s - 1) n
               JOIN accounts_account a ON a.domain = 'bench' || (1 + n %% %s) || '.example'""",
            [CONTACTS, ACCOUNTS],
        )
    journey = Journey.objects.create(key="lists-bench", name="Lists bench", status="published")
    stage = PipelineStage.objects.create(
        name="Discovery",
        position=1,
        probability=20,
        journey_stage=JourneyStage.objects.create(
            journey=journey,
            name="Consideration",
            slug="consideration",
            phase=Phase.CONSIDERATION,
            position=1,
        ),
    )
    now = timezone.now()
    accounts = connection.cursor()
    accounts.execute("SELECT id FROM accounts_account ORDER BY id")
    Opportunity.objects.bulk_create(
        (
            Opportunity(
                account_id=account_id,
                name=f"Deal {account_id}",
                stage=stage,
                amount=1000,
                stage_entered_at=now,
                owner=admin,
            )
            for (account_id,) in accounts.fetchall()
        ),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return api_token_issue(user=admin)[1]


def _requests_per_second(port: int, path: str, token: str | None) -> float:
    """`REQUESTS` GETs of `path` from `CLIENTS` keep-alive clients at once."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    failures: list[str] = []

    def client(count: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for _ in range(count):
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
        conn.close()

    client(CLIENTS)  # both workers connected and warm
    threads = [threading.Thread(target=client, args=(REQUESTS // CLIENTS,)) for _ in range(CLIENTS)]
    with stopwatch() as elapsed:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        raise RuntimeError(f"bench requests failed: {failures[:3]}")
    return REQUESTS // CLIENTS * CLIENTS / elapsed()


def _page_ms(client: Client, path: str) -> float:
    client.get(path)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return statistics.median(times)


@benchmark
def lists(report: BenchReport) -> None:
    token = _world()
    lists = {
        "bare": ("/bench/bare-contacts/", None),
        "accounts": ("/api/v1/accounts/?ordering=name", token),
        "contacts": ("/api/v1/contacts/", token),
    }
    rates: dict[str, list[float]] = {name: [] for name in lists}
    server = GunicornServer(workers=2, settings_module="config.settings.bench")
    try:
        # Rounds taking turns, so a busy spell on a shared machine falls on every list alike.
        for _ in range(ROUNDS):
            for name, (path, auth) in lists.items():
                rates[name].append(_requests_per_second(server.port, path, auth))
    finally:
        server.stop()
    bare = max(rates["bare"])
    for name in ("accounts", "contacts"):
        ours = max(rates[name])
        report.line(f"api_list_{name}_per_s", ours)
        report.line(f"api_list_vs_bare_{name}", ours / bare, target=">= 0.5")
    report.line("api_list_bare_per_s", bare)
    client = Client()
    client.force_login(User.objects.get(username="lists-bench"))
    report.line("page_ms_accounts", _page_ms(client, "/accounts/"))
    report.line("page_ms_opportunities", _page_ms(client, "/opportunities/"))
