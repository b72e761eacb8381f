"""Backtests: would the scores of a past day have told apart the buyers who went on to buy?

Every contact and account is scored as of a past moment by each scorer (the current rules, a
plain count of recent activity, any other plugged in), then compared with what happened in the
horizon after: ROC AUC, and per score decile the buyers, how many had the outcome (the observed
rate: the calibration curve) and the lift over the base rate.

Scores are worked out on temporary tables in the caller's transaction, as the rule editor's
preview does, and nothing else is written: the live scores stay as they are. Temporary tables
cost no more than the recompute's own, are private to the session (two backtests can run side
by side) and work alike on PostgreSQL and SQLite; running the real recompute and rolling it
back would also write (and lock) every live score row only to undo it.

The metrics are a sort and a walk in Python over one (score, outcome) pair per buyer.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from apps.engagement.scoring import Scope, ScoringModel, _Dialect, _Run

BUYERS = ("contact", "account")
DECILES = 10
# The activity count looks back this far before the as-of time.
ACTIVITY_DAYS = 90
# A ROC curve is drawn through at most this many points (its AUC uses them all).
ROC_POINTS = 101


@dataclass(frozen=True)
class Replay:
    """What a backtest asks: scores as of `as_of`, outcomes in the `horizon_days` after."""

    as_of: datetime
    horizon_days: int
    outcome: str
    known_then: bool = False

    @property
    def horizon_end(self) -> datetime:
        return self.as_of + timedelta(days=self.horizon_days)


class _Tables:
    """The backtest's session: its cursor, the replay, and the temporary tables to drop."""

    def __init__(self, *, cursor, replay: Replay) -> None:
        self.cursor = cursor
        self.replay = replay
        self.sql = _Dialect()
        self.runs: list[_Run] = []
        self.tables: list[str] = []
        self.as_of = connection.ops.adapt_datetimefield_value(replay.as_of)
        self.end = connection.ops.adapt_datetimefield_value(replay.horizon_end)

    def run(self, *, model: ScoringModel, prefix: str) -> _Run:
        """A recompute's statements as of the replay's time, on tables named `prefix_...`."""
        run = _Run(
            cursor=self.cursor,
            model=model,
            at=self.replay.as_of,
            prefix=prefix,
            known_then=self.replay.known_then,
        )
        self.runs.append(run)
        return run

    def temp(self, table: str, select: str, params: Sequence = ()) -> None:
        self.cursor.execute(f"DROP TABLE IF EXISTS {table}")
        self.cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {select}", list(params))
        self.tables.append(table)
        if self.sql.postgres:
            self.cursor.execute(f"ANALYZE {table}")

    def known(self) -> tuple[str, list]:
        """The events known by the as-of time: occurred (and, if asked, received) by then."""
        if self.replay.known_then:
            return "e.occurred_at <= %s AND e.received_at <= %s", [self.as_of, self.as_of]
        return "e.occurred_at <= %s", [self.as_of]

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        self.cursor.execute(sql, list(params))
        return self.cursor.fetchall()

    def drop(self) -> None:
        for table in reversed(self.tables):
            self.cursor.execute(f"DROP TABLE IF EXISTS {table}")
        for run in reversed(self.runs):
            run.drop()


@dataclass(frozen=True)
class Scorer:
    """A way to score buyers as of the past: `fill` leaves temporary tables
    `bt_<name>_contact(contact_id, score)` and `bt_<name>_account(account_id, score)` with a
    row for every buyer. A scorer whose tables carry `stage_id` too (`stages`) is also checked
    against the stages of the open deals."""

    name: str
    label: str
    fill: Callable[[_Tables], None]
    stages: bool = False


def rules_scorer(
    *,
    model: ScoringModel,
    name: str = "rules",
    label: str = "Current rules",
    scope: Scope | None = None,
):
    """Waymark's own scores and stages under a rule set, from the recompute's statements
    (for the accounts in `scope`: all of them unless told)."""

    def fill(tables: _Tables) -> None:
        run = tables.run(model=model, prefix=f"bt_{name}")
        run.load_inputs(scope or Scope())
        run.event_points()
        run.contacts()
        run.accounts()

    return Scorer(name=name, label=label, fill=fill, stages=True)


def activity_scorer() -> Scorer:
    """The plain baseline: how many events a buyer had in the 90 days before the as-of time
    (an account's include its anonymous visits), whatever their kind."""

    def fill(tables: _Tables) -> None:
        since = connection.ops.adapt_datetimefield_value(
            tables.replay.as_of - timedelta(days=ACTIVITY_DAYS)
        )
        known, known_params = tables.known()
        for buyer, key, table in (
            ("contact", "contact_id", "accounts_contact"),
            ("account", "account_id", "accounts_account"),
        ):
            tables.temp(
                f"bt_activity_{buyer}",
                f"""SELECT b.id AS {key}, COALESCE(n.events, 0) AS score
                    FROM {table} b
                    LEFT JOIN (SELECT e.{key} AS buyer, COUNT(*) AS events
                               FROM engagement_event e
                               WHERE e.occurred_at > %s AND {known} AND e.{key} IS NOT NULL
                               GROUP BY e.{key}) n ON n.buyer = b.id""",
                [since, *known_params],
            )

    return Scorer(name="activity", label=f"Activity count ({ACTIVITY_DAYS} days)", fill=fill)


# -- outcomes ---------------------------------------------------------------------------------


def _outcomes(tables: _Tables) -> None:
    """`bt_outcome_account(account_id)` and `bt_outcome_contact(contact_id)`: the buyers with
    the outcome after the as-of time and by the horizon's end.

    A deal is the account's, so every contact of an account that opened (or won) one counts as
    having it; an accepted handoff counts for the contact it names (an MQL) and for its account
    (an MQL or an MQA)."""
    window = [tables.as_of, tables.end]
    if tables.replay.outcome == "handoff_accepted":
        accepted = """FROM engagement_handoff h WHERE h.status = 'accepted'
                      AND h.decided_at > %s AND h.decided_at <= %s"""
        tables.temp("bt_outcome_account", f"SELECT DISTINCT h.account_id {accepted}", window)
        contacts = f"SELECT DISTINCT h.contact_id {accepted} AND h.contact_id IS NOT NULL"
        tables.temp("bt_outcome_contact", contacts, window)
        return
    if tables.replay.outcome == "opportunity_created":
        deals = "WHERE o.created_at > %s AND o.created_at <= %s"
    else:
        deals = """JOIN pipeline_pipelinestage s ON s.id = o.stage_id AND s.outcome = 'won'
                   WHERE o.closed_at > %s AND o.closed_at <= %s"""
    tables.temp(
        "bt_outcome_account",
        f"SELECT DISTINCT o.account_id FROM pipeline_opportunity o {deals}",
        window,
    )
    tables.temp(
        "bt_outcome_contact",
        """SELECT c.id AS contact_id FROM accounts_contact c
           WHERE c.account_id IN (SELECT account_id FROM bt_outcome_account)""",
    )


# -- metrics ----------------------------------------------------------------------------------


def roc(scores: Sequence[float], labels: Sequence[bool]) -> tuple[float | None, list]:
    """The ROC AUC and the curve's points (false-positive rate, true-positive rate), from the
    highest score down. Buyers with equal scores move the curve together, diagonally, so a tie
    between a buyer with the outcome and one without counts half (as in the Mann–Whitney U).
    No AUC when every buyer, or none, had the outcome."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None, []
    pairs = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    points = [(0.0, 0.0)]
    area = tp = fp = 0
    i = 0
    while i < len(pairs):
        score, group_tp, group_fp = pairs[i][0], 0, 0
        while i < len(pairs) and pairs[i][0] == score:
            group_tp += pairs[i][1]
            group_fp += not pairs[i][1]
            i += 1
        area += group_fp * (tp + group_tp / 2)
        tp, fp = tp + group_tp, fp + group_fp
        points.append((fp / negatives, tp / positives))
    return area / (positives * negatives), _thin(points)


def _thin(points: list) -> list:
    if len(points) <= ROC_POINTS:
        return [[round(x, 4), round(y, 4)] for x, y in points]
    step = (len(points) - 1) / (ROC_POINTS - 1)
    picked = [points[round(n * step)] for n in range(ROC_POINTS)]
    return [[round(x, 4), round(y, 4)] for x, y in picked]


def deciles(scores: Sequence[float], labels: Sequence[bool]) -> list[dict]:
    """Buyers by score in ten bands, decile 1 the highest: per band how many buyers, how many
    had the outcome, the observed rate, its lift over the base rate and the mean score.

    Buyers with equal scores share one band (the band of their average rank), so a scorer that
    cannot tell buyers apart leaves bands empty rather than split them by chance."""
    n = len(scores)
    order = sorted(range(n), key=lambda k: -scores[k])
    band = [0] * n
    i = 0
    while i < n:
        j = i
        while j < n and scores[order[j]] == scores[order[i]]:
            j += 1
        middle = (i + j - 1) / 2  # the group's average rank, from 0
        for k in order[i:j]:
            band[k] = min(DECILES - 1, int(middle * DECILES / n))
        i = j
    base_rate = sum(labels) / n if n else 0
    rows = []
    for d in range(DECILES):
        members = [k for k in range(n) if band[k] == d]
        hits = sum(labels[k] for k in members)
        rate = hits / len(members) if members else None
        rows.append(
            {
                "decile": d + 1,
                "buyers": len(members),
                "positives": hits,
                "observed_rate": rate,
                "lift": rate / base_rate if rate is not None and base_rate else None,
                "mean_score": sum(scores[k] for k in members) / len(members) if members else None,
            }
        )
    return rows


# -- the run ----------------------------------------------------------------------------------

KEYS = {"contact": "contact_id", "account": "account_id"}


def _scored(tables: _Tables, scorer: Scorer, buyer: str) -> tuple[list[float], list[bool]]:
    key = KEYS[buyer]
    rows = tables.rows(
        f"""SELECT s.score, o.{key} IS NOT NULL
            FROM bt_{scorer.name}_{buyer} s LEFT JOIN bt_outcome_{buyer} o ON o.{key} = s.{key}
            ORDER BY s.{key}"""
    )
    return [float(score or 0) for score, _ in rows], [bool(hit) for _, hit in rows]


def _stage_agreement(tables: _Tables, scorer: Scorer) -> list[dict]:
    """For the deals open at the as-of time whose pipeline stage maps to a journey stage: how
    often the inferred stage of their account (and of each of its contacts) was that stage, or
    at least in its phase."""
    agreement = []
    for buyer in BUYERS:
        compared, same_stage, same_phase = tables.rows(
            f"""SELECT COUNT(*),
                       SUM(CASE WHEN b.stage_id = ps.journey_stage_id THEN 1 ELSE 0 END),
                       SUM(CASE WHEN bs.phase = js.phase THEN 1 ELSE 0 END)
                FROM pipeline_opportunity o
                JOIN pipeline_stagechange sc ON sc.opportunity_id = o.id
                     AND sc.entered_at <= %s AND (sc.exited_at IS NULL OR sc.exited_at > %s)
                JOIN pipeline_pipelinestage ps ON ps.id = sc.stage_id
                JOIN journeys_journeystage js ON js.id = ps.journey_stage_id
                JOIN bt_{scorer.name}_{buyer} b ON b.account_id = o.account_id
                LEFT JOIN journeys_journeystage bs ON bs.id = b.stage_id
                WHERE o.created_at <= %s AND (o.closed_at IS NULL OR o.closed_at > %s)""",
            [tables.as_of] * 4,
        )[0]
        agreement.append(
            {
                "scorer": scorer.label,
                "buyers": buyer,
                "compared": compared,
                "same_stage": same_stage or 0,
                "same_phase": same_phase or 0,
            }
        )
    return agreement


def backtest(*, replay: Replay, scorers: Sequence[Scorer]) -> dict:
    """Each scorer's AUC, ROC curve and deciles for contacts and for accounts (and the stage
    agreement of the scorers with stages), as a JSON-ready dict. Runs in the caller's
    transaction and writes nothing but temporary tables."""
    results: dict = {"buyers": {}, "stage_agreement": []}
    with connection.cursor() as cursor:
        tables = _Tables(cursor=cursor, replay=replay)
        _Dialect().prepare(cursor)
        _outcomes(tables)
        for scorer in scorers:
            scorer.fill(tables)
            if scorer.stages:
                results["stage_agreement"] += _stage_agreement(tables, scorer)
        for buyer in BUYERS:
            entry: dict = {"scorers": []}
            for scorer in scorers:
                scores, labels = _scored(tables, scorer, buyer)
                auc, curve = roc(scores, labels)
                entry["scorers"].append(
                    {
                        "name": scorer.name,
                        "label": scorer.label,
                        "auc": auc,
                        "roc": curve,
                        "deciles": deciles(scores, labels),
                    }
                )
            entry["count"] = len(labels)
            entry["positives"] = sum(labels)
            results["buyers"][buyer] = entry
        tables.drop()
    return results
