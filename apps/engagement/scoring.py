"""Scores and stages from buyer signals: one set-based pass over the events, then a few
statements over per-buyer aggregates. No Python loop touches an event.

The model (the numbers live in `ScoringSettings`):

- Only buyer-initiated events are evidence: what a rep does (emails sent, calls, meetings they
  booked) shows the account's coverage on its page, never a stage or a score.
- A person's signals from before their current buying cycle (`Contact.buying_cycle_started_at`:
  their deal closed, or sales rejected and recycled them) count no more.
- A signal rule matches events of its kind (and URL pattern, and property value). Each matching
  event is worth
  weight × 2^(−age / half-life) and a rule's total is capped. A repeat rule counts an event only
  when it is at least the n-th matching event of that buyer within the window.
- A person's evidence for a stage is the sum of that stage's rule totals; their stage is the
  furthest stage whose evidence reaches the threshold, so stages slip back as evidence fades.
  Engagement = Σ rule totals × the multiplier of the rule's phase (later phases count more).
- Contact score = fit + engagement. Fit = the account's fit score (0–100: learned by the fit
  model from won and lost accounts, or set by hand) × firmographic points / 100, plus the
  person's learned fit (0–100, from persona, buying role and seniority; apps/fit) × persona
  points / 100; for a person without a learned fit (no fit model yet), the persona points for
  a target persona and the buying role's points instead. Both are plain columns.
- An account weighs its k most engaged people (`top_members`), not everyone, so one hot buyer
  in a 50-person account counts as in a 3-person one: its evidence per stage adds up theirs
  and its anonymous visits; the account reaches a stage when that evidence is enough and
  enough of its committee (everyone counts here) is placed at that stage or beyond. Account
  score = tier multiplier × (fit + Σ over the top k of min(engagement, person cap) + anonymous
  engagement + breadth points × buying roles with someone placed).

PostgreSQL runs it in production and tests; the same statements run on SQLite for `make run`
(the dialect fragments are in `_Dialect`).
"""

import math
import string
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from apps.engagement.models import Handoff, ScoringSettings, SignalRule
from apps.journeys.models import JourneyStage, Phase
from apps.notifications.models import Notification

PHASES = (Phase.AWARENESS, Phase.CONSIDERATION, Phase.DECISION)
DAY_SECONDS = 86_400.0
TREND_DAYS = 7
# Runs covering the same accounts take turns (a PostgreSQL advisory lock per slice of the
# account ids), so two never write the same buyer at once; the nightly run is cut in slices
# of consecutive account ids that workers score side by side.
RECOMPUTE_LOCK_KEY = 0x5715_4A1C
RECOMPUTE_SLICES = 2
# Sorting and hashing a million events' aggregates wants more than PostgreSQL's default 4 MB.
WORK_MEM = "128MB"
# URL patterns match whatever the case of A–Z (URLs carry other letters percent-encoded).
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass(frozen=True)
class Rule:
    """A signal rule as one run reads it."""

    id: int
    kind: str
    url_pattern: str
    property_name: str
    property_value: str
    stage_id: int
    weight: float
    half_life_days: float
    cap: float | None
    repeat_count: int
    window_days: int | None
    label: str

    @classmethod
    def of(cls, rule: SignalRule) -> "Rule":
        return cls.from_snapshot(rule_snapshot(rule))

    @classmethod
    def from_snapshot(cls, snapshot: dict) -> "Rule":
        """The rule as a rule set stored it (`rule_snapshot`): live rules take the same path."""
        return cls(
            id=snapshot["id"] or 0,
            kind=snapshot["kind"],
            url_pattern=snapshot["url_pattern"].strip().translate(ASCII_LOWER),
            property_name=snapshot["property_name"],
            property_value=snapshot["property_value"],
            stage_id=snapshot["journey_stage"],
            weight=float(snapshot["weight"]),
            half_life_days=float(snapshot["half_life_days"]),
            cap=None if snapshot["cap"] is None else float(snapshot["cap"]),
            repeat_count=snapshot["repeat_count"],
            window_days=snapshot["repeat_window_days"],
            label=snapshot["label"],
        )

    @property
    def rate(self) -> float:
        """Decay per second: an event is worth 2^(−age / half-life) = e^(−age × rate)."""
        return math.log(2) / (self.half_life_days * DAY_SECONDS)

    @property
    def like(self) -> str:
        """The URL pattern as a LIKE operand: "contains", with LIKE's wildcards taken literally."""
        if not self.url_pattern:
            return ""
        escaped = self.url_pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"


@dataclass(frozen=True)
class Stage:
    id: int
    ordinal: int
    phase: str
    name: str


@dataclass(frozen=True)
class ScoringModel:
    """Everything a run needs besides the data: the rules, the stage order and the settings."""

    rules: tuple[Rule, ...]
    stages: dict[int, Stage]
    threshold: float
    phase_multipliers: dict[str, float]
    firmographic_fit_points: float
    persona_fit_points: float
    target_persona_ids: tuple[int, ...]
    buying_role_points: dict[str, float]
    top_members: int
    person_cap: float
    role_breadth_points: float
    committee_minimum: dict[str, int]
    tier_multipliers: dict[int, float]
    mql_threshold: float
    mqa_threshold: float
    rejected_cooldown_days: int
    # The rule set version the rules come from, recorded on every score and stage change.
    rule_set_version: int | None = None

    def with_rules(self, rules: Iterable[Rule]) -> "ScoringModel":
        return replace(self, rules=tuple(rules))


def stage_order(stages: Iterable[JourneyStage]) -> dict[int, Stage]:
    """Number every stage from the start of the journey: by phase, then top-level position,
    each stage before its own sub-stages. Stages of different journeys interleave by phase."""

    def key(stage: JourneyStage) -> tuple:
        top = stage.parent.position if stage.parent_id else stage.position
        sub = stage.position if stage.parent_id else 0
        return (PHASES.index(stage.phase), top, sub, stage.pk)

    ordered = sorted(stages, key=key)
    return {
        stage.pk: Stage(id=stage.pk, ordinal=n, phase=stage.phase, name=str(stage))
        for n, stage in enumerate(ordered, start=1)
    }


def rule_snapshot(rule: SignalRule) -> dict:
    """Everything a recompute reads of a rule, as a rule set stores it (JSON)."""
    return {
        "id": rule.pk,
        "kind": rule.kind,
        "url_pattern": rule.url_pattern,
        "property_name": rule.property_name,
        "property_value": rule.property_value,
        "journey_stage": rule.journey_stage_id,
        "weight": float(rule.weight),
        "half_life_days": rule.half_life_days,
        "cap": None if rule.cap is None else float(rule.cap),
        "repeat_count": rule.repeat_count,
        "repeat_window_days": rule.repeat_window_days,
        "is_active": rule.is_active,
        "label": rule.label,
    }


def load_scoring_model(
    *,
    settings: ScoringSettings,
    rules: Iterable[SignalRule] = (),
    snapshot: dict | None = None,
) -> ScoringModel:
    """The model of the live `rules`, or of a stored rule set: `snapshot` holds its `rules`
    (`rule_snapshot`s), `stage_threshold` and `version`, and replaces the settings' threshold.
    A stored rule whose stage was deleted since is left out: nothing can be placed there."""
    stages = stage_order(JourneyStage.objects.select_related("parent"))
    threshold = settings.stage_threshold
    version = None
    if snapshot is None:
        read = [Rule.of(rule) for rule in rules if rule.is_active]
    else:
        read = [Rule.from_snapshot(rule) for rule in snapshot["rules"] if rule["is_active"]]
        read = [rule for rule in read if rule.stage_id in stages]
        threshold, version = snapshot["stage_threshold"], snapshot["version"]
    return ScoringModel(
        rules=tuple(read),
        stages=stages,
        threshold=float(threshold),
        phase_multipliers={
            Phase.AWARENESS: float(settings.awareness_multiplier),
            Phase.CONSIDERATION: float(settings.consideration_multiplier),
            Phase.DECISION: float(settings.decision_multiplier),
        },
        firmographic_fit_points=float(settings.firmographic_fit_points),
        persona_fit_points=float(settings.persona_fit_points),
        target_persona_ids=tuple(settings.target_personas.values_list("pk", flat=True))
        if settings.pk
        else (),
        buying_role_points={k: float(v) for k, v in settings.buying_role_points.items()},
        top_members=settings.top_members,
        person_cap=float(settings.person_cap),
        role_breadth_points=float(settings.role_breadth_points),
        committee_minimum={
            Phase.AWARENESS: 0,
            Phase.CONSIDERATION: settings.committee_for_consideration,
            Phase.DECISION: settings.committee_for_decision,
        },
        tier_multipliers={
            1: float(settings.tier_1_multiplier),
            2: float(settings.tier_2_multiplier),
            3: float(settings.tier_3_multiplier),
        },
        mql_threshold=float(settings.mql_threshold),
        mqa_threshold=float(settings.mqa_threshold),
        rejected_cooldown_days=settings.rejected_handoff_cooldown_days,
        rule_set_version=version,
    )


@dataclass(frozen=True)
class Scope:
    """The accounts a run covers: all of them, the listed ones, or the `part`-th of `parts`
    slices of a full run: the account ids above `after` and up to `through` (an end left
    open when None), so that workers can share the run.

    A slice is a range, not a remainder of the id, so the planner can tell its size, and the
    events' kind-first index (migration 0010) serves each slice only its own accounts' events.
    """

    account_ids: tuple[int, ...] | None = None
    part: int = 0
    parts: int = 1
    after: int | None = None
    through: int | None = None

    @property
    def slices(self) -> range:
        """The slice locks a run must hold: its own (slices of a finer cut share them), or all
        of them."""
        if self.parts > 1:
            own = self.part % RECOMPUTE_SLICES
            return range(own, own + 1)
        return range(RECOMPUTE_SLICES)


@dataclass(frozen=True)
class RecomputeResult:
    contacts: int
    accounts: int
    stage_changes: int
    handoffs: int


class _Dialect:
    """The few places where PostgreSQL and SQLite spell the same thing differently."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def epoch(self, column: str) -> str:
        """Seconds since 1970 as a float (PostgreSQL's `date_part` stays in floating point)."""
        if self.postgres:
            return f"date_part('epoch', {column})"
        return f"((julianday({column}) - 2440587.5) * 86400.0)"

    def json_list(self, pairs: dict[str, str]) -> str:
        """A JSON list of one object per row of the group."""
        fields = ", ".join(f"'{key}', {value}" for key, value in pairs.items())
        if self.postgres:
            # Built as json (cheaper than jsonb); the column's assignment cast makes it jsonb.
            return f"json_agg(json_build_object({fields}))"
        return f"json_group_array(json_object({fields}))"

    @property
    def empty_list(self) -> str:
        return "'[]'::json" if self.postgres else "'[]'"

    @property
    def fence(self) -> str:
        """Ends a subquery that the planner must run as written, not merge into the query
        around it (which would repeat its expressions, or reorder its joins)."""
        return "OFFSET 0" if self.postgres else "LIMIT -1 OFFSET 0"

    def url_matches(self, pattern: str) -> str:
        """Whether the event's URL, with A–Z in lower case, is `LIKE pattern` (a `Rule.like`).

        SQLite's `lower` touches only A–Z, and so does PostgreSQL's under the "C" collation:
        a fraction of the cost of lowering by the database's locale, run for every URL matched.
        Backslash escaping is PostgreSQL's default (spelling it out costs a call per row) and
        SQLite's only when asked."""
        if self.postgres:
            return f'lower(e.url COLLATE "C") LIKE {pattern}'
        return f"lower(e.url) LIKE {pattern} ESCAPE '\\'"

    def property_is(self, name: str, value: str) -> str:
        """Whether the event's property `name` (an SQL expression) reads as the text `value`."""
        if self.postgres:
            return f"e.properties ->> {name} = {value}"
        return f"CAST(e.properties ->> {name} AS TEXT) = {value}"

    def prepare(self, cursor) -> None:
        """Session settings for a bulk run: memory for the big aggregates, and no JIT (its
        compile time costs more than it saves on these statements)."""
        if self.postgres:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute("SET LOCAL jit = off")
        else:
            # SQLite may be built without its math functions; Python's serve the same.
            connection.connection.create_function("exp", 1, math.exp, deterministic=True)

    @contextmanager
    def grouped_in_index_order(self, cursor):
        """Events grouped per buyer in the order of the kind-first index. Over the events'
        monthly partitions the planner would rather hash the appended scans than merge the
        partitions' indexes in order (a Merge Append), and hashing is the slower of the two
        (README, "Events at 100 million rows")."""
        if self.postgres:
            cursor.execute("SET LOCAL enable_hashagg = off")
        try:
            yield
        finally:
            if self.postgres:
                cursor.execute("SET LOCAL enable_hashagg TO DEFAULT")

    def serial_slices(self, cursor, scope: Scope) -> None:
        """A slice of a full run runs beside the other slices, one per core already: parallel
        workers of its own would only crowd the same cores."""
        if self.postgres and scope.parts > 1:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")

    def take_turn(self, cursor, scope: Scope) -> None:
        """Wait for the runs covering the same accounts to finish (locks go at commit); slices
        are locked in order, so two runs cannot deadlock."""
        if self.postgres:
            for part in scope.slices:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RECOMPUTE_LOCK_KEY, part])


# The sums of no rule at all (typed, so the table they start has the columns' types).
NO_EVENT_SUMS = """
    SELECT e.account_id, e.contact_id, CAST(0 AS BIGINT) AS rule_id,
           CAST(0 AS DOUBLE PRECISION) AS decayed, CAST(0 AS DOUBLE PRECISION) AS decayed_last_week,
           CAST(0 AS BIGINT) AS events, e.id AS last_event_id
    FROM engagement_event e WHERE 1 = 0"""
RULE_COLUMNS = (
    "rule_id, kind, pattern, property_name, property_value, stage_id, multiplier, weight, rate,"
    " cap, repeat_count, window_s"
)
RULE_TYPES = (
    "BIGINT",
    "VARCHAR(32)",
    "VARCHAR(210)",
    "VARCHAR(60)",
    "VARCHAR(200)",
    "BIGINT",
    "DOUBLE PRECISION",
    "DOUBLE PRECISION",
    "DOUBLE PRECISION",
    "DOUBLE PRECISION",
    "INTEGER",
    "DOUBLE PRECISION",
)


def _num(value: float) -> str:
    """A number written into the SQL: computed here, never user input, and typed as float."""
    return f"CAST({float(value)!r} AS DOUBLE PRECISION)"


def _values(rows: Sequence[tuple], types: Sequence[str]) -> tuple[str, list]:
    """A VALUES list with typed placeholders (one row of NULLs matching nothing when empty).

    Inline VALUES rather than a temporary table, so PostgreSQL may scan the events in parallel.
    """
    row = "(" + ", ".join(f"CAST(%s AS {t})" for t in types) + ")"
    if not rows:
        return row, [None] * len(types)
    return ", ".join([row] * len(rows)), [value for r in rows for value in r]


class _Run:
    """One recompute (or preview) inside the caller's transaction, on temporary tables."""

    def __init__(
        self,
        *,
        cursor,
        model: ScoringModel,
        at: datetime,
        prefix: str = "sig",
        known_then: bool = False,
    ) -> None:
        self.cursor = cursor
        self.model = model
        self.at = at
        # Count only the events Waymark had received by `at`, not all that had occurred.
        self.known_then = known_then
        self.sql = _Dialect()
        self.p = prefix
        self.tables: list[str] = []
        self.at_db = connection.ops.adapt_datetimefield_value(at)
        self.at_epoch = at.timestamp()

    # -- plumbing ---------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence = ()) -> int:
        self.cursor.execute(sql, list(params))
        return self.cursor.rowcount

    def temp(self, name: str, select: str, params: Sequence = ()) -> str:
        table = f"{self.p}_{name}"
        self.execute(f"DROP TABLE IF EXISTS {table}")
        self.execute(f"CREATE TEMPORARY TABLE {table} AS {select}", params)
        self.tables.append(table)
        return table

    def analyze(self, table: str, *columns: str) -> None:
        """Autovacuum never sees temporary tables; without statistics the planner takes a
        table of a few rows for a big one and sorts the events' aggregates to join it. Only
        the `columns` it joins and groups on, if named (cheaper than every column)."""
        if self.sql.postgres:
            self.execute(f"ANALYZE {table}" + (f" ({', '.join(columns)})" if columns else ""))

    def drop(self) -> None:
        for table in reversed(self.tables):
            self.execute(f"DROP TABLE IF EXISTS {table}")
        self.tables.clear()

    def load(self, name: str, columns: str, types: Sequence[str], rows: Sequence[tuple]) -> str:
        values, params = _values(rows, types)
        cte = f"WITH v({columns}) AS (VALUES {values}) SELECT * FROM v"
        table = self.temp(name, cte + ("" if rows else " WHERE 1 = 0"), params)
        self.analyze(table)
        return table

    # -- inputs -----------------------------------------------------------------------------

    def load_inputs(self, scope: Scope) -> None:
        m = self.model
        # Where each stage lies on the journey, to tell a move forward from a move back.
        self.load(
            "stage",
            "stage_id, ordinal",
            ("BIGINT", "BIGINT"),
            [(s.id, s.ordinal) for s in m.stages.values()],
        )
        self.load(
            "rule",
            "rule_id, label, stage_name",
            ("BIGINT", "VARCHAR(300)", "VARCHAR(300)"),
            [(r.id, r.label, m.stages[r.stage_id].name) for r in m.rules],
        )
        self.scope = scope
        if scope.account_ids is not None:
            self.load("scope", "account_id", ("BIGINT",), [(pk,) for pk in scope.account_ids])
        # The people whose current buying cycle began by `at`: their earlier signals belong to
        # a cycle that ended (a deal closed, or sales recycled them) and count no more.
        cycles = self.temp(
            "cycle",
            f"""SELECT c.id AS contact_id, c.buying_cycle_started_at AS started_at
                FROM accounts_contact c
                WHERE c.buying_cycle_started_at <= %s AND {self.in_scope("c.account_id")}""",
            [self.at_db],
        )
        self.analyze(cycles)
        self.cycles = self.count("cycle")

    def in_scope(self, column: str) -> str:
        if self.scope.account_ids is not None:
            return f"{column} IN (SELECT account_id FROM {self.p}_scope)"
        bounds = []
        if self.scope.after is not None:
            bounds.append(f"{column} > {self.scope.after:d}")
        if self.scope.through is not None:
            bounds.append(f"{column} <= {self.scope.through:d}")
        return " AND ".join(bounds) or "1 = 1"

    # -- pass over the events ---------------------------------------------------------------

    def received(self) -> str:
        return " AND e.received_at <= %s" if self.known_then else ""

    def received_params(self) -> list:
        return [self.at_db] if self.known_then else []

    def in_cycle(self) -> str:
        """Only the signals of each person's current buying cycle (nothing to check when no
        one in scope has started a new one)."""
        if not self.cycles:
            return ""
        return f"""AND NOT EXISTS (SELECT 1 FROM {self.p}_cycle cy
                                  WHERE cy.contact_id = e.contact_id
                                    AND e.occurred_at < cy.started_at)"""

    def event_points(self) -> None:
        """Per buyer (a contact, or the account for anonymous signals) and rule: capped points
        now and seven days ago, how many events counted and the latest of them. Only
        buyer-initiated events count, read through their own index (migration 0010)."""
        plain = [r for r in self.model.rules if r.repeat_count == 1]
        repeat = [r for r in self.model.rules if r.repeat_count > 1]
        epoch = self.sql.epoch("e.occurred_at")
        week_ago = connection.ops.adapt_datetimefield_value(self.at - timedelta(days=TREND_DAYS))

        def sums(t: str, rate: str, occurred_at: str, event_id: str) -> str:
            # An event's worth e^(−age × rate) is worked out once per event: what the events of
            # the last week add is summed apart and taken off to get the sum a week ago, when
            # each older event was worth e^(week × rate) times more.
            decayed = f"exp(({t} - {_num(self.at_epoch)}) * {rate})"
            return f"""SUM({decayed}) AS decayed,
                       SUM({decayed}) FILTER (WHERE {occurred_at} > %s) AS decayed_last_week,
                       COUNT(*) AS events, MAX({event_id}) AS last_event_id"""

        def one_rule(rule: Rule) -> tuple[str, list]:
            """A plain rule's events, summed per buyer in the order of the events' kind-first
            index (migration 0010): a pass over the index, no sorting or hashing to group."""
            url = f" AND {self.sql.url_matches('%s')}" if rule.like else ""
            matched = [rule.like] if rule.like else []
            if rule.property_name:
                url += f" AND {self.sql.property_is('%s', '%s')}"
                matched += [rule.property_name, rule.property_value]
            rate = _num(rule.rate)
            sql = f"""
                SELECT e.account_id, e.contact_id, {rule.id:d} AS rule_id,
                       {sums(epoch, rate, "e.occurred_at", "e.id")}
                FROM engagement_event e
                WHERE e.kind = %s AND e.direction = 'buyer'{url} AND e.occurred_at <= %s
                  {self.received()} AND {self.in_scope("e.account_id")} {self.in_cycle()}
                GROUP BY e.account_id, e.contact_id"""
            params = [week_ago, rule.kind, *matched, self.at_db]
            return sql, params + self.received_params()

        def capped(points: str) -> str:
            return f"CASE WHEN r.cap < {points} THEN r.cap ELSE {points} END"

        def with_rules(rules: list[Rule], grouped: str, grouped_params: list) -> tuple[str, list]:
            """The sums `grouped` per buyer and rule, with the rule's own numbers joined after
            the grouping (so each event feeds only the sums): capped points now and a week ago."""
            values, params = _values(
                [
                    (
                        r.id,
                        r.kind,
                        r.like,
                        r.property_name,
                        r.property_value,
                        r.stage_id,
                        self.model.phase_multipliers[self.model.stages[r.stage_id].phase],
                        r.weight,
                        r.rate,
                        r.cap,
                        r.repeat_count,
                        (r.window_days or 0) * DAY_SECONDS,
                    )
                    for r in rules
                ],
                RULE_TYPES,
            )
            week_growth = f"exp({_num(TREND_DAYS * DAY_SECONDS)} * r.rate)"
            older = "(g.decayed - COALESCE(g.decayed_last_week, 0))"
            sql = f"""
                WITH r({RULE_COLUMNS}) AS (VALUES {values})
                SELECT g.account_id, g.contact_id, g.rule_id, r.stage_id, r.multiplier,
                       {capped("g.decayed * r.weight")} AS points,
                       {capped(f"{older} * r.weight * {week_growth}")} AS points_week_ago,
                       g.events, g.last_event_id
                FROM ({grouped}) g
                JOIN r ON r.rule_id = g.rule_id"""
            return sql, [*params, *grouped_params]

        branches = [one_rule(rule) for rule in plain] or [(NO_EVENT_SUMS, [])]
        grouped = " UNION ALL ".join(sql for sql, _ in branches)
        params = [value for _, branch_params in branches for value in branch_params]
        with self.sql.grouped_in_index_order(self.cursor):
            table = self.temp("points", *with_rules(plain, grouped, params))
        if repeat:
            # The (n-1)-th earlier matching event of the same buyer: when it lies within the
            # window, this event completes a repeat and counts. The kind-first index serves
            # this pass too, reading only the events of its rules' kinds.
            url_matches = self.sql.url_matches("r.pattern")
            property_is = self.sql.property_is("r.property_name", "r.property_value")
            matched = f"""
                SELECT e.id AS event_id, e.account_id, e.contact_id, e.occurred_at, r.rule_id,
                       r.rate, {epoch} AS t,
                       LAG({epoch}, r.repeat_count - 1) OVER (
                           PARTITION BY e.account_id, e.contact_id, r.rule_id
                           ORDER BY e.occurred_at, e.id
                       ) AS earlier_t, r.window_s
                FROM engagement_event e
                JOIN r ON r.kind = e.kind AND (r.pattern = '' OR {url_matches})
                      AND (r.property_name = '' OR {property_is})
                WHERE e.direction = 'buyer' AND e.occurred_at <= %s{self.received()}
                  AND {self.in_scope("e.account_id")} {self.in_cycle()}"""
            grouped = f"""
                SELECT m.account_id, m.contact_id, m.rule_id,
                       {sums("m.t", "m.rate", "m.occurred_at", "m.event_id")}
                FROM ({matched}) m
                WHERE m.earlier_t IS NOT NULL AND m.t - m.earlier_t <= m.window_s
                GROUP BY m.account_id, m.contact_id, m.rule_id"""
            sql, params = with_rules(
                repeat, grouped, [week_ago, self.at_db, *self.received_params()]
            )
            self.execute(f"INSERT INTO {table} {sql}", params)

    # -- contacts ---------------------------------------------------------------------------

    def fit_sql(self) -> tuple[str, list]:
        """A contact's fit: the account's fit score (learned or set by hand) scaled to the
        firmographic points, plus the person's learned fit scaled to the persona points where
        a fit model has learned one, else the persona and buying-role points."""
        m = self.model
        params: list = []
        persona = _num(m.persona_fit_points)
        hand_set = "0"
        if m.target_persona_ids:
            marks = ", ".join(["%s"] * len(m.target_persona_ids))
            hand_set += f" + CASE WHEN c.persona_id IN ({marks}) THEN {persona} ELSE 0 END"
            params += m.target_persona_ids
        else:
            hand_set += f" + CASE WHEN c.persona_id IS NOT NULL THEN {persona} ELSE 0 END"
        for role, points in m.buying_role_points.items():
            hand_set += f" + CASE WHEN c.buying_role = %s THEN {_num(points)} ELSE 0 END"
            params.append(role)
        sql = (
            f"a.fit_score * {_num(m.firmographic_fit_points / 100)}"
            f" + CASE WHEN c.person_fit IS NOT NULL"
            f" THEN c.person_fit * {_num(m.persona_fit_points / 100)} ELSE {hand_set} END"
        )
        return sql, params

    def evidence_stages(self) -> list[Stage]:
        """The stages some rule gives evidence for, furthest first (no other can be reached)."""
        stages = {self.model.stages[r.stage_id] for r in self.model.rules}
        return sorted(stages, key=lambda stage: stage.ordinal, reverse=True)

    def per_stage(self) -> str:
        """One column of evidence per stage (`e<stage id>`), summed over a buyer's rule rows:
        a row per buyer rather than per buyer and stage, so nothing joins back."""
        sums = [
            f"SUM(x.points) FILTER (WHERE x.stage_id = {s.id:d}) AS e{s.id:d}"
            for s in self.evidence_stages()
        ]
        return "".join(f", {column}" for column in sums)

    def stage_columns(self, source: str, letter: str, *, counts: bool = False) -> str:
        """`, source.e1, source.e4`: the per-stage columns of a subquery, carried outward;
        counts are 0, not NULL, where the subquery has no row."""
        columns = (f"{source}.{letter}{s.id:d}" for s in self.evidence_stages())
        if counts:
            columns = (f"COALESCE({c}, 0) AS {c.split('.')[1]}" for c in columns)
        return "".join(f", {column}" for column in columns)

    def stage_sums(self, counted: str) -> str:
        """`, SUM(e1) AS e1, …`: the per-stage evidence of the buyers of a group that are
        `counted`."""
        return "".join(
            f", SUM(CASE WHEN {counted} THEN e{s.id:d} END) AS e{s.id:d}"
            for s in self.evidence_stages()
        )

    def people_and_anonymous(self, people: str, anonymous: str) -> str:
        """An account's per-stage evidence: its people's plus its anonymous visitors', NULL
        where neither has any."""
        return "".join(
            f", COALESCE({people}.e{s.id:d} + {anonymous}.e{s.id:d}, {people}.e{s.id:d},"
            f" {anonymous}.e{s.id:d}) AS e{s.id:d}"
            for s in self.evidence_stages()
        )

    def furthest(self, reached: Callable[[Stage], str], coverage: bool = False) -> dict[str, str]:
        """The stage, its ordinal and its evidence (and coverage), for the furthest stage that
        `reached` holds for; NULLs (and no coverage) when it holds for none."""
        columns = {
            "stage_id": ("BIGINT", lambda stage: f"{stage.id:d}"),
            "ordinal": ("BIGINT", lambda stage: f"{stage.ordinal:d}"),
            "stage_evidence": ("DOUBLE PRECISION", lambda stage: f"e{stage.id:d}"),
        }
        if coverage:
            columns["coverage"] = ("BIGINT", lambda stage: f"c{stage.id:d}")
        stages = self.evidence_stages()
        return {
            column: "CASE "
            + " ".join(f"WHEN {reached(stage)} THEN {value(stage)}" for stage in stages)
            + " END"
            if stages
            else f"CAST(NULL AS {type_})"
            for column, (type_, value) in columns.items()
        }

    def contacts(self) -> None:
        """Fit, engagement and the furthest stage with enough evidence, for each contact."""
        p = self.p
        fit, fit_params = self.fit_sql()
        threshold = _num(self.model.threshold)
        furthest = self.furthest(lambda stage: f"e{stage.id:d} >= {threshold}")
        # The inner query is fenced off, so each contact's fit is worked out once, not once
        # for every outer column that uses it.
        table = self.temp(
            "contact",
            f"""SELECT contact_id, account_id, buying_role, fit, engagement,
                       fit + engagement AS score, fit + engagement_week_ago AS score_week_ago,
                       {furthest["stage_id"]} AS stage_id, {furthest["ordinal"]} AS ordinal,
                       COALESCE({furthest["stage_evidence"]}, 0) AS stage_evidence
                       {self.stage_columns("c", "e")}
                FROM (
                    SELECT c.id AS contact_id, c.account_id, c.buying_role, {fit} AS fit,
                           COALESCE(g.engagement, 0) AS engagement,
                           COALESCE(g.engagement_week_ago, 0) AS engagement_week_ago
                           {self.stage_columns("g", "e")}
                    FROM accounts_contact c
                    JOIN accounts_account a ON a.id = c.account_id
                    LEFT JOIN (
                        SELECT x.contact_id AS buyer, SUM(x.points * x.multiplier) AS engagement,
                               SUM(x.points_week_ago * x.multiplier) AS engagement_week_ago
                               {self.per_stage()}
                        FROM {p}_points x WHERE x.contact_id IS NOT NULL GROUP BY x.contact_id
                    ) g ON g.buyer = c.id
                    WHERE {self.in_scope("c.account_id")}
                    {self.sql.fence}
                ) c""",
            fit_params,
        )
        self.analyze(table, "contact_id", "account_id")

    # -- accounts ---------------------------------------------------------------------------

    def accounts(self) -> None:
        """An account's evidence per stage adds up its most engaged people's (summed per
        contact already; `top_members` of them, ranked by engagement) and its anonymous
        visitors'; it reaches the furthest stage with enough evidence and
        enough of its committee placed at that stage or beyond (the stage's coverage,
        `c<stage id>`)."""
        p, m = self.p, self.model
        threshold = _num(m.threshold)
        furthest = self.furthest(
            lambda stage: (
                f"e{stage.id:d} >= {threshold}"
                f" AND c{stage.id:d} >= {m.committee_minimum[stage.phase]:d}"
            ),
            coverage=True,
        )
        coverage = [
            f"COUNT(CASE WHEN ordinal >= {s.ordinal:d} THEN 1 END) AS c{s.id:d}"
            for s in self.evidence_stages()
        ]
        tier = " ".join(f"WHEN {t:d} THEN {_num(v)}" for t, v in m.tier_multipliers.items())
        person_cap = _num(m.person_cap)
        top = f"member_rank <= {m.top_members:d}"
        self.temp(
            "account",
            f"""SELECT account_id, fit, engagement,
                       (CASE tier {tier} ELSE 1.0 END) * (fit + engagement) AS score,
                       engaged_contacts, engaged_roles,
                       {furthest["stage_id"]} AS stage_id, {furthest["ordinal"]} AS ordinal,
                       COALESCE({furthest["stage_evidence"]}, 0) AS stage_evidence,
                       COALESCE({furthest["coverage"]}, 0) AS coverage
                FROM (
                    SELECT a.id AS account_id, a.tier,
                           a.fit_score * {_num(m.firmographic_fit_points / 100)} AS fit,
                           COALESCE(pp.people, 0) + COALESCE(ev.anonymous, 0)
                               + {_num(m.role_breadth_points)} * COALESCE(pp.engaged_roles, 0)
                                   AS engagement,
                           COALESCE(pp.engaged_contacts, 0) AS engaged_contacts,
                           COALESCE(pp.engaged_roles, 0) AS engaged_roles
                           {self.stage_columns("pp", "c", counts=True)}
                           {self.people_and_anonymous("pp", "ev")}
                    FROM accounts_account a
                    LEFT JOIN (
                        SELECT account_id AS people_of,
                               SUM(CASE WHEN NOT {top} THEN 0
                                   WHEN engagement > {person_cap} THEN {person_cap}
                                   ELSE engagement END)
                                   AS people,
                               COUNT(stage_id) AS engaged_contacts,
                               COUNT(DISTINCT CASE WHEN stage_id IS NOT NULL
                                     AND buying_role <> '' THEN buying_role END) AS engaged_roles
                               {"".join(f", {column}" for column in coverage)}
                               {self.stage_sums(top)}
                        FROM (
                            SELECT n.*, ROW_NUMBER() OVER (
                                PARTITION BY account_id ORDER BY engagement DESC, contact_id
                            ) AS member_rank
                            FROM {p}_contact n
                        ) n
                        GROUP BY account_id
                    ) pp ON pp.people_of = a.id
                    LEFT JOIN (
                        SELECT x.account_id AS evidence_of,
                               SUM(x.points * x.multiplier) AS anonymous
                               {self.per_stage()}
                        FROM {p}_points x WHERE x.contact_id IS NULL GROUP BY x.account_id
                    ) ev ON ev.evidence_of = a.id
                    WHERE {self.in_scope("a.id")}
                ) a""",
        )

    # -- writes -----------------------------------------------------------------------------

    def evidence_json(self) -> str:
        """The JSON list of a change's per-rule evidence rows `x` (rule descriptions `rl`)."""
        return self.sql.json_list(
            {
                "rule": "x.rule_id",
                "label": "rl.label",
                "stage": "x.stage_id",
                "stage_name": "rl.stage_name",
                "events": "x.events",
                "points": "x.points",
                "last_event": "x.last_event_id",
            }
        )

    def record_changes(self, *, buyer: str) -> int:
        """Store a stage change, with its evidence, for each buyer whose stage moved.

        The buyers that moved are picked out first, so only their evidence is gathered.
        """
        p = self.p
        key = f"{buyer}_id"
        # Only the rows of the stages left and reached, picked before any grouping (a rule
        # gives evidence for one stage).
        only_moved = f"""JOIN {p}_moved_{buyer} m ON m.{key} = x.{key}
                         AND (x.stage_id = m.stage_id OR x.stage_id = m.old_stage_id)"""
        if buyer == "contact":
            current = "engagement_contactscore"
            subject, coverage = "n.account_id, n.contact_id", "NULL"
            # Per-rule rows of this person (kept apart: picked before the rules join them).
            evidence = f"""SELECT x.contact_id, x.rule_id, x.stage_id, x.events, x.points,
                                  x.last_event_id
                           FROM {p}_points x {only_moved} {self.sql.fence}"""
        else:
            current = "engagement_accountscore"
            subject, coverage = "n.account_id, NULL", "n.coverage"
            # Per-rule rows of the whole account: its people and its anonymous visitors.
            evidence = f"""SELECT x.account_id, x.rule_id, MIN(x.stage_id) AS stage_id,
                                  SUM(x.events) AS events, SUM(x.points) AS points,
                                  MAX(x.last_event_id) AS last_event_id
                           FROM {p}_points x {only_moved}
                           GROUP BY x.account_id, x.rule_id"""
        moved = self.temp(
            f"moved_{buyer}",
            f"""SELECT n.*, o.stage_id AS old_stage_id, os.ordinal AS old_ordinal
                FROM {p}_{buyer} n
                LEFT JOIN {current} o ON o.{key} = n.{key}
                LEFT JOIN {p}_stage os ON os.stage_id = o.stage_id
                WHERE COALESCE(n.stage_id, 0) <> COALESCE(o.stage_id, 0)""",
        )
        self.analyze(moved, key)
        return self.execute(
            f"""INSERT INTO engagement_inferredstagechange
                    (account_id, contact_id, from_stage_id, to_stage_id, is_forward, changed_at,
                     score, stage_evidence, threshold, committee_coverage, evidence,
                     rule_set_version)
                SELECT {subject}, n.old_stage_id, n.stage_id,
                       (COALESCE(n.ordinal, 0) > COALESCE(n.old_ordinal, 0)), %s,
                       n.score, n.stage_evidence, %s, {coverage},
                       COALESCE(x.evidence, {self.sql.empty_list}), {self.version()}
                FROM {moved} n
                LEFT JOIN (
                    SELECT x.{key}, {self.evidence_json()} AS evidence
                    FROM ({evidence}) x
                    JOIN {p}_rule rl ON rl.rule_id = x.rule_id
                    GROUP BY x.{key}
                ) x ON x.{key} = n.{key}""",
            [self.at_db, self.model.threshold],
        )

    def save_states(self, *, buyer: str) -> None:
        """Update the stored state of each buyer, then add the buyers seen for the first time.

        Two statements rather than an upsert: an UPDATE of unindexed columns stays on its page
        (a HOT update), which is most of the nightly run.
        """
        p = self.p
        if buyer == "contact":
            table, key, week_join, week_params = "engagement_contactscore", "contact_id", "", []
            values = {"account_id": "n.account_id", "score_week_ago": "n.score_week_ago"}
        else:
            table, key = "engagement_accountscore", "account_id"
            week_join = (
                "LEFT JOIN engagement_accountscoresnapshot w "
                "ON w.account_id = n.account_id AND w.day = %s"
            )
            week_ago = (self.at - timedelta(days=TREND_DAYS)).date()
            week_params = [connection.ops.adapt_datefield_value(week_ago)]
            values = {
                "score_week_ago": "w.score",
                "engaged_contacts": "n.engaged_contacts",
                "engaged_roles": "n.engaged_roles",
                "committee_coverage": "n.coverage",
            }
        values |= {
            column: f"n.{column}"
            for column in ("fit", "engagement", "score", "stage_id", "stage_evidence")
        }
        values["computed_at"] = "%s"
        values["rule_set_version"] = self.version()
        kept_since = "CASE WHEN n.stage_id = o.stage_id THEN o.stage_since ELSE %s END"
        since = "CASE WHEN n.stage_id IS NULL THEN NULL ELSE {} END"
        assignments = ", ".join(f"{column} = {value}" for column, value in values.items())
        self.execute(
            f"""UPDATE {table} AS o SET {assignments}, stage_since = {since.format(kept_since)}
                FROM {p}_{buyer} n {week_join}
                WHERE o.{key} = n.{key}""",
            [self.at_db, self.at_db, *week_params],
        )
        self.execute(
            f"""INSERT INTO {table} ({key}, {", ".join(values)}, stage_since)
                SELECT n.{key}, {", ".join(values.values())}, {since.format("%s")}
                FROM {p}_{buyer} n {week_join}
                WHERE NOT EXISTS (SELECT 1 FROM {table} o WHERE o.{key} = n.{key})
                ORDER BY n.{key}""",
            [self.at_db, self.at_db, *week_params],
        )

    def version(self) -> str:
        """The rule set version written on each row: a constant of the statement."""
        version = self.model.rule_set_version
        return "CAST(NULL AS INTEGER)" if version is None else f"{version:d}"

    def snapshot_accounts(self) -> None:
        day = connection.ops.adapt_datefield_value(self.at.date())
        self.execute(
            f"""INSERT INTO engagement_accountscoresnapshot (account_id, day, score, stage_id)
                SELECT account_id, %s, score, stage_id FROM {self.p}_account WHERE 1 = 1
                ON CONFLICT (account_id, day) DO UPDATE SET
                    score = excluded.score, stage_id = excluded.stage_id""",
            [day],
        )

    def raise_handoffs(self) -> int:
        """An MQL for each contact, an MQA for each account, over its threshold with nothing
        pending, nothing accepted, and no rejection within the cool-down (all as of the run's
        time: a handoff raised later does not count, one decided later was pending then).
        Each goes to its account's owner, read in the same statement; an account without one
        sends it to the marketing-ops queue (no owner)."""
        p, m = self.p, self.model
        cooldown = connection.ops.adapt_datetimefield_value(
            self.at - timedelta(days=m.rejected_cooldown_days)
        )
        raised = 0
        for kind, buyer, subject, threshold in (
            ("mql", "contact", "n.contact_id", m.mql_threshold),
            ("mqa", "account", "NULL", m.mqa_threshold),
        ):
            same = "h.contact_id = n.contact_id" if kind == "mql" else "h.contact_id IS NULL"
            raised += self.execute(
                f"""INSERT INTO engagement_handoff
                        (kind, account_id, contact_id, score, threshold, stage_id, raised_at,
                         owner_id, status, reason)
                    SELECT %s, n.account_id, {subject}, n.score, %s, n.stage_id, %s,
                           a.owner_id, 'pending', ''
                    FROM {p}_{buyer} n JOIN accounts_account a ON a.id = n.account_id
                    WHERE n.score >= %s AND NOT EXISTS (
                        SELECT 1 FROM engagement_handoff h
                        WHERE h.account_id = n.account_id AND h.kind = %s AND {same}
                          AND h.raised_at <= %s
                          AND (h.status IN ('pending', 'accepted') OR h.decided_at > %s))
                    ON CONFLICT DO NOTHING""",
                [kind, threshold, self.at_db, threshold, kind, self.at_db, cooldown],
            )
        if raised:
            self.notify_handoff_owners()
        return raised

    def notify_handoff_owners(self) -> None:
        """A notification in the owner's inbox for each handoff just raised and routed to
        them (the rows `apps.notifications.services.notify` writes, in one statement)."""
        self.execute(
            f"""INSERT INTO {Notification._meta.db_table}
                    (recipient_id, kind, text, link, subject_type_id, subject_id, created_at)
                SELECT h.owner_id, %s, SUBSTR(CASE WHEN c.id IS NULL
                        THEN 'New MQA: ' || a.name
                        ELSE 'New MQL: ' || c.first_name || ' ' || c.last_name || ', ' || a.name
                    END || ', is yours to accept or reject.', 1, 300),
                    %s, %s, h.id, %s
                FROM engagement_handoff h
                JOIN accounts_account a ON a.id = h.account_id
                LEFT JOIN accounts_contact c ON c.id = h.contact_id
                WHERE h.status = 'pending' AND h.raised_at = %s AND h.owner_id IS NOT NULL
                ON CONFLICT DO NOTHING""",
            [
                Notification.Kind.HANDOFF,
                reverse("signals:handoff_list"),
                ContentType.objects.get_for_model(Handoff).pk,
                self.at_db,
                self.at_db,
            ],
        )

    def count(self, table: str) -> int:
        self.execute(f"SELECT COUNT(*) FROM {self.p}_{table}")
        return self.cursor.fetchone()[0]


def recompute(
    *, model: ScoringModel, at: datetime, scope: Scope = Scope(), known_then: bool = False
) -> RecomputeResult:
    """Scores, stages, changes and handoffs for the accounts in `scope`, as of `at` (from the
    events received by then too, if `known_then`).

    Runs in the caller's transaction; runs over the same accounts take turns.
    """
    with connection.cursor() as cursor:
        run = _Run(cursor=cursor, model=model, at=at, known_then=known_then)
        run.sql.prepare(cursor)
        run.sql.serial_slices(cursor, scope)
        run.sql.take_turn(cursor, scope)
        run.load_inputs(scope)
        run.event_points()
        run.contacts()
        run.accounts()
        changes = run.record_changes(buyer="contact") + run.record_changes(buyer="account")
        run.save_states(buyer="contact")
        run.save_states(buyer="account")
        run.snapshot_accounts()
        handoffs = run.raise_handoffs()
        result = RecomputeResult(
            contacts=run.count("contact"),
            accounts=run.count("account"),
            stage_changes=changes,
            handoffs=handoffs,
        )
        # On an error the rollback takes the temporary tables with it.
        run.drop()
        return result


@dataclass(frozen=True)
class StageShift:
    contacts: int
    forward: int
    back: int

    @property
    def changed(self) -> int:
        return self.forward + self.back


def contact_stage_shift(*, before: ScoringModel, after: ScoringModel, at: datetime) -> StageShift:
    """How many contacts would sit in another stage under `after` than under `before`, both
    worked out for the same moment. Writes nothing but temporary tables."""
    with connection.cursor() as cursor:
        runs = [
            _Run(cursor=cursor, model=model, at=at, prefix=prefix)
            for prefix, model in (("sig_was", before), ("sig_new", after))
        ]
        runs[0].sql.prepare(cursor)
        for run in runs:
            run.load_inputs(Scope())
            run.event_points()
            run.contacts()
        cursor.execute(
            """SELECT COUNT(*),
                      SUM(CASE WHEN COALESCE(n.ordinal, 0) > COALESCE(w.ordinal, 0)
                          THEN 1 ELSE 0 END),
                      SUM(CASE WHEN COALESCE(n.ordinal, 0) < COALESCE(w.ordinal, 0)
                          THEN 1 ELSE 0 END)
               FROM sig_was_contact w JOIN sig_new_contact n ON n.contact_id = w.contact_id"""
        )
        contacts, forward, back = cursor.fetchone()
        for run in runs:
            run.drop()
    return StageShift(contacts=contacts, forward=forward or 0, back=back or 0)
