"""Calibration: signal weights, half-lives and the stage threshold learned from what buyers
went on to do, proposed as a new rule set for a marketer to review.

The method (`calibrate`), and why:

- Examples are (contact, cutoff) pairs: every contact at `History.cutoffs` moments spread
  evenly from start to end, labelled by the backtest's own outcome logic (`backtest._outcomes`)
  over the horizon after. A lost deal or a rejected handoff is a negative like silence is; for
  "opportunity created", accounts with a deal already open at the cutoff are left out (they
  cannot open the deal the label asks about). Big worlds are sampled by account, so a fit
  never sees more than `MAX_EXAMPLES`: enough for a dozen coefficients.
- Features are what the recompute sums, in evidence units: per rule, each buyer-initiated
  event of the current buying cycle (repeat rules: only events completing a repeat) decayed
  by 2^(−age / half-life), capped at the rule's cap in events-worth (cap / weight). One SQL
  pass computes them for every cutoff and every candidate half-life at once; no event is
  touched in Python.
- Time split: the earlier cutoffs train, the later third validate; nothing is shuffled
  across time, so validation asks what the score would have told about the future.
- Each rule's half-life is picked from `HALF_LIVES` (and its current one) by the validation
  log-loss of a one-rule logistic regression: cheap, and decay is a property of the signal.
- Weights: an L2-regularised logistic regression on the capped features, its strength C
  chosen by validation AUC. A linear logit in capped evidence is exactly how the score adds
  rules, so a coefficient is a weight. Weights cannot be negative: a rule whose coefficient
  is negative gets weight 0 and the rest are refitted without it.
- The fit points (the rest of the score) are fitted beside the evidence, so their
  coefficient says what a unit of log-odds is worth in points; coefficients become weights
  at that rate, kept within `SCALE_BOUND` of the rate that leaves the average engagement of
  the training examples where it is today (the current scale: MQL and stage thresholds keep
  their meaning), divided by the rule's phase multiplier (the recompute applies it on top).
  Caps stay the same in events-worth.
- A rule with fewer than `MIN_EVENTS` events is kept as is: too little to tell.
- Lift is the odds ratio of one typical event of the rule (an event worth the rule's mean
  decayed worth at the cutoffs), with a 90 % Wald interval from the fit's Hessian.
- The stage threshold is picked from a grid around the current one, on the proposed weights
  at the validation cutoffs: the one whose inferred stages agree best with the journey stage
  of open deals, among those that leave at most `FURTHEST_SHARE` of the people in the
  furthest stage (a funnel narrows).
- Figures: validation AUC of the calibrated rules (scored by the recompute's own statements
  with the proposed model), the current rules, the unconstrained logistic regression on the
  same features, fit points included (the target to match), and the activity count; stage
  agreement with open deals and the stage distribution, before and after.

Everything runs on temporary tables in a transaction of its own and writes nothing else.
"""

import math
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from apps.core.exceptions import ApplicationError
from apps.engagement import backtest
from apps.engagement.scoring import (
    DAY_SECONDS,
    Rule,
    Scope,
    ScoringModel,
    _Dialect,
    _Run,
    _values,
)


@dataclass(frozen=True)
class History:
    """What a calibration learns from: buyers scored at `cutoffs` moments spread evenly from
    `start` to `end`, each labelled by whether the `outcome` (a `Backtest.Outcome` value)
    followed within `horizon_days`. The later cutoffs are held out to validate."""

    start: datetime
    end: datetime
    horizon_days: int
    outcome: str
    cutoffs: int = 6


@dataclass(frozen=True)
class RuleProposal:
    """One signal rule, as it is and as the calibration proposes it, with the why."""

    rule_id: int
    label: str
    old_weight: float
    new_weight: float
    old_half_life_days: float
    new_half_life_days: float
    old_cap: float | None
    new_cap: float | None
    # How much more likely the outcome is per typical event of this rule (an odds ratio)
    # with its 90 % interval; None when too few events to tell.
    lift: float | None
    lift_low: float | None
    lift_high: float | None
    events: int
    reason: str


@dataclass(frozen=True)
class CalibrationResult:
    """The proposal: every active rule's new numbers, the stage threshold, and the figures
    that back them (examples, positives, validation AUCs per scorer, stage agreement)."""

    rules: tuple[RuleProposal, ...]
    old_threshold: float
    new_threshold: float
    threshold_reason: str
    metrics: dict = field(default_factory=dict)


# Candidate half-lives in days (each rule's current one is a candidate too).
HALF_LIVES = (7, 14, 30, 60, 120)
# Regularisation strengths tried (sklearn's C: larger fits closer).
C_GRID = (0.01, 0.1, 1.0, 10.0)
# Fewer events than this in the training examples: the rule is kept as it is.
MIN_EVENTS = 30
# At most this many (contact, cutoff) examples are fitted; bigger worlds are sampled by account.
MAX_EXAMPLES = 120_000
# The points a unit of log-odds is worth stay within this factor of the one that keeps the
# average engagement as it is.
SCALE_BOUND = 2
# The stage threshold is picked among the current one times these.
THRESHOLD_FACTORS = (0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16)
# … and among these quantiles of the people's strongest stage evidence.
THRESHOLD_QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
# A plausible funnel: at most this share of the people sit in the furthest stage.
FURTHEST_SHARE = 1 / 4
Z_90 = 1.6449
MAX_WEIGHT = 9999.99
OUTCOME_WORDS = {
    "opportunity_created": "a deal",
    "opportunity_won": "a won deal",
    "handoff_accepted": "an accepted handoff",
}


def cutoff_moments(history: History) -> list[datetime]:
    n = max(2, history.cutoffs)
    step = (history.end - history.start) / (n - 1)
    return [history.start + step * k for k in range(n)]


def validation_count(cutoffs: int) -> int:
    """The later third of the cutoffs (at least one) validate."""
    return max(1, cutoffs // 3)


class _Calibration:
    """One calibration's session: its cursor, temporary tables and the arrays it fits on."""

    def __init__(self, *, cursor, model: ScoringModel, history: History, seed: int) -> None:
        self.cursor = cursor
        self.model = model
        self.history = history
        self.seed = seed
        self.sql = _Dialect()
        self.moments = cutoff_moments(history)
        self.validating = validation_count(len(self.moments))
        self.training = len(self.moments) - self.validating
        self.rules = model.rules
        self.tables: list[str] = []

    # -- plumbing ---------------------------------------------------------------------------

    def execute(self, sql: str, params=()) -> None:
        self.cursor.execute(sql, list(params))

    def rows(self, sql: str, params=()) -> list[tuple]:
        self.cursor.execute(sql, list(params))
        return self.cursor.fetchall()

    def temp(self, table: str, select: str, params=()) -> None:
        self.execute(f"DROP TABLE IF EXISTS {table}")
        self.execute(f"CREATE TEMPORARY TABLE {table} AS {select}", params)
        self.tables.append(table)
        if self.sql.postgres:
            self.execute(f"ANALYZE {table}")

    def drop(self) -> None:
        for table in reversed(self.tables):
            self.execute(f"DROP TABLE IF EXISTS {table}")

    def db_time(self, moment: datetime):
        return connection.ops.adapt_datetimefield_value(moment)

    # -- examples ---------------------------------------------------------------------------

    def sample_filter(self) -> str:
        """Accounts kept when the world holds more examples than a fit needs: a fixed share of
        account ids, picked by a multiplicative hash of the id (and the seed)."""
        contacts = self.rows("SELECT COUNT(*) FROM accounts_contact")[0][0]
        share = min(1.0, MAX_EXAMPLES / max(1, contacts * len(self.moments)))
        self.sampled_share = share
        if share >= 1:
            return "1 = 1"
        kept = max(1, round(share * 1000))
        # `%%`: the statement it goes into has parameters.
        return f"(c.account_id * 761 + {self.seed % 1000:d}) %% 1000 < {kept:d}"

    def examples(self) -> None:
        """`cal_example(row_no, contact_id, account_id, cutoff_no, positive)`."""
        sampled = self.sample_filter()
        self.temp(
            "cal_labelled",
            """SELECT CAST(0 AS BIGINT) AS contact_id, CAST(0 AS BIGINT) AS account_id,
                      CAST(0 AS INTEGER) AS cutoff_no, 1 = 0 AS positive
               FROM accounts_contact WHERE 1 = 0""",
        )
        for number, moment in enumerate(self.moments):
            tables = backtest._Tables(
                cursor=self.cursor,
                replay=backtest.Replay(
                    as_of=moment,
                    horizon_days=self.history.horizon_days,
                    outcome=self.history.outcome,
                ),
            )
            backtest._outcomes(tables)
            no_open_deal, params = "", []
            if self.history.outcome == "opportunity_created":
                no_open_deal = """AND NOT EXISTS (
                    SELECT 1 FROM pipeline_opportunity o WHERE o.account_id = c.account_id
                      AND o.created_at <= %s AND (o.closed_at IS NULL OR o.closed_at > %s))"""
                params = [tables.as_of, tables.as_of]
            self.execute(
                f"""INSERT INTO cal_labelled (contact_id, account_id, cutoff_no, positive)
                    SELECT c.id, c.account_id, {number:d}, o.contact_id IS NOT NULL
                    FROM accounts_contact c
                    LEFT JOIN bt_outcome_contact o ON o.contact_id = c.id
                    WHERE {sampled} {no_open_deal}""",
                params,
            )
            tables.drop()
        self.temp(
            "cal_example",
            """SELECT ROW_NUMBER() OVER (ORDER BY cutoff_no, contact_id) - 1 AS row_no, l.*
               FROM cal_labelled l""",
        )
        rows = self.rows("SELECT cutoff_no, positive, account_id FROM cal_example ORDER BY row_no")
        self.n = len(rows)
        array = np.array(rows, dtype=np.int64).reshape(-1, 3)
        self.cutoff, self.label, self.account = array[:, 0], array[:, 1] == 1, array[:, 2]

    # -- features ---------------------------------------------------------------------------

    def candidates(self, rule: Rule) -> list[float]:
        """The half-lives a rule may get: its own first (so it wins a tie), then the grid."""
        return [rule.half_life_days, *HALF_LIVES]

    def features(self) -> None:
        """Per example and rule: events counted and the decayed evidence for each candidate
        half-life, in one pass over the buyer events of the sampled contacts.

        As in the recompute: only buyer-initiated events, of the contact's current buying cycle
        when that cycle had begun by the cutoff, and for a repeat rule only the events with
        the (n−1)-th earlier match within the window (counted within the same cycle)."""
        epoch = self.sql.epoch("e.occurred_at")
        cycle = self.sql.epoch("c.buying_cycle_started_at")
        width = len(HALF_LIVES)
        rates = [[math.log(2) / (h * DAY_SECONDS) for h in self.candidates(r)] for r in self.rules]
        rule_values, rule_params = _values(
            [
                (
                    r.id,
                    r.kind,
                    r.like,
                    r.property_name,
                    r.property_value,
                    r.repeat_count,
                    (r.window_days or 0) * DAY_SECONDS,
                    *rates[n],
                )
                for n, r in enumerate(self.rules)
            ],
            (
                "BIGINT",
                "VARCHAR(32)",
                "VARCHAR(210)",
                "VARCHAR(60)",
                "VARCHAR(200)",
                "INTEGER",
                "DOUBLE PRECISION",
                *["DOUBLE PRECISION"] * (width + 1),
            ),
        )
        rate_columns = ", ".join(f"rate{h}" for h in range(width + 1))
        cut_values, cut_params = _values(
            [(n, m.timestamp()) for n, m in enumerate(self.moments)],
            ("INTEGER", "DOUBLE PRECISION"),
        )
        url_matches = self.sql.url_matches("r.pattern")
        property_is = self.sql.property_is("r.property_name", "r.property_value")
        sums = ", ".join(f"SUM(exp((m.t - k.t) * m.rate{h})) AS d{h}" for h in range(width + 1))
        last = self.db_time(self.moments[-1])
        rows = self.rows(
            f"""WITH r(rule_id, kind, pattern, property_name, property_value, repeat_count,
                       window_s, {rate_columns}) AS (VALUES {rule_values}),
                     k(cutoff_no, t) AS (VALUES {cut_values})
                SELECT x.row_no, m.rule_no, COUNT(*) AS events, {sums}
                FROM (
                    SELECT e.contact_id, r.rule_id AS rule_no, {rate_columns}, {epoch} AS t,
                           {cycle} AS cycle_t,
                           LAG({epoch}, r.repeat_count - 1) OVER (
                               PARTITION BY e.contact_id, r.rule_id,
                                   (c.buying_cycle_started_at IS NOT NULL
                                    AND e.occurred_at >= c.buying_cycle_started_at)
                               ORDER BY e.occurred_at, e.id
                           ) AS earlier_t, r.window_s
                    FROM engagement_event e
                    JOIN r ON r.kind = e.kind AND (r.pattern = '' OR {url_matches})
                          AND (r.property_name = '' OR {property_is})
                    JOIN accounts_contact c ON c.id = e.contact_id
                    WHERE e.direction = 'buyer' AND e.occurred_at <= %s
                      AND c.id IN (SELECT contact_id FROM cal_example)
                ) m
                JOIN k ON m.t <= k.t
                JOIN cal_example x ON x.contact_id = m.contact_id AND x.cutoff_no = k.cutoff_no
                WHERE m.earlier_t IS NOT NULL AND m.t - m.earlier_t <= m.window_s
                  AND (m.cycle_t IS NULL OR m.cycle_t > k.t OR m.t >= m.cycle_t)
                GROUP BY x.row_no, m.rule_no""",
            [*rule_params, *cut_params, last],
        )
        # Rules are numbered by their position here, whatever their ids.
        position = {r.id: n for n, r in enumerate(self.rules)}
        self.decayed = np.zeros((self.n, len(self.rules), width + 1))
        self.events = np.zeros((self.n, len(self.rules)))
        if rows:
            data = np.array(rows, dtype=float)
            row = data[:, 0].astype(np.int64)
            rule = np.array([position[int(v)] for v in data[:, 1]], dtype=np.int64)
            self.events[row, rule] = data[:, 2]
            self.decayed[row, rule, :] = data[:, 3:]

    def load_fit_points(self) -> None:
        """Each example's fit points under the current settings (the part of the score that
        is not evidence; it does not change with the cutoff)."""
        fit, params = _Run(cursor=self.cursor, model=self.model, at=self.moments[-1]).fit_sql()
        rows = self.rows(
            f"""SELECT {fit} FROM cal_example x
                JOIN accounts_contact c ON c.id = x.contact_id
                JOIN accounts_account a ON a.id = c.account_id
                ORDER BY x.row_no""",
            params,
        )
        self.fit_points = np.array([float(points) for (points,) in rows])

    # -- fitting ----------------------------------------------------------------------------

    def capped(self, rule_no: int, candidate: int) -> np.ndarray:
        rule = self.rules[rule_no]
        values = self.decayed[:, rule_no, candidate]
        if rule.cap is None or rule.weight <= 0:
            return values
        return np.minimum(values, rule.cap / rule.weight)

    def fit(self, columns: list[np.ndarray], c: float) -> tuple[LogisticRegression, np.ndarray]:
        """A logistic regression on the training rows of the columns, each scaled to unit
        spread first (so one C regularises all alike); returns the model and the scales."""
        x = np.column_stack(columns)
        scale = x[self.train].std(axis=0)
        scale[scale == 0] = 1
        model = LogisticRegression(C=c, max_iter=500)
        model.fit(x[self.train] / scale, self.label[self.train])
        return model, scale

    def predict(self, model, scale, columns: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
        return model.decision_function(np.column_stack(columns)[rows] / scale)

    def auc(self, scores: np.ndarray, rows: np.ndarray) -> float | None:
        labels = self.label[rows]
        if labels.all() or not labels.any():
            return None
        return float(roc_auc_score(labels, scores))

    def pick_half_lives(self, fitted: list[int]) -> dict[int, int]:
        """Per rule, the candidate half-life whose one-rule fit predicts the validation
        cutoffs best (lowest log-loss); the current one unless another does better."""
        chosen = {}
        for n in fitted:
            losses = []
            for candidate in range(self.decayed.shape[2]):
                column = [self.capped(n, candidate)]
                model, scale = self.fit(column, 1.0)
                p = model.predict_proba(np.column_stack(column)[self.valid] / scale)[:, 1]
                losses.append(log_loss(self.label[self.valid], p, labels=[False, True]))
            chosen[n] = int(np.argmin(losses))
        return chosen

    def wald(self, model, scale, columns: list[np.ndarray], c: float) -> np.ndarray:
        """Standard errors of the coefficients (on the columns' own scale): the inverse of
        the penalised log-likelihood's Hessian (the intercept unpenalised)."""
        x = np.column_stack(
            [
                np.ones(int(self.train.sum())),
                *(col[self.train] / s for col, s in zip(columns, scale, strict=True)),
            ]
        )
        p = 1 / (1 + np.exp(-(x @ np.concatenate([model.intercept_, model.coef_[0]]))))
        hessian = (x * (p * (1 - p))[:, None]).T @ x
        hessian[1:, 1:] += np.eye(len(columns)) / c
        covariance = np.linalg.pinv(hessian)
        return np.sqrt(np.clip(np.diag(covariance)[1:], 0, None)) / scale

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> CalibrationResult:
        self.examples()
        self.train = self.cutoff < self.training
        self.valid = ~self.train
        for rows, name in ((self.train, "training"), (self.valid, "validation")):
            if not self.label[rows].any() or self.label[rows].all():
                raise ApplicationError(
                    f"Not enough history to calibrate: the {name} cutoffs need buyers with the"
                    " outcome and buyers without."
                )
        self.features()
        self.load_fit_points()
        last_training = self.cutoff == self.training - 1
        events = self.events[last_training].sum(axis=0).astype(int)
        fitted = [n for n in range(len(self.rules)) if events[n] >= MIN_EVENTS]
        half_life = dict.fromkeys(range(len(self.rules)), 0) | self.pick_half_lives(fitted)

        def column(n: int) -> np.ndarray:
            return self.capped(n, half_life[n])

        # The target: an unconstrained fit on what the score adds up (the fit points and every
        # rule's evidence), C by validation AUC.
        best_auc, best_c = -1.0, C_GRID[0]
        columns = [self.fit_points, *(column(n) for n in range(len(self.rules)))]
        for c in C_GRID:
            model, scale = self.fit(columns, c)
            auc = self.auc(self.predict(model, scale, columns, self.valid), self.valid)
            if auc is not None and auc > best_auc + 1e-9:
                best_auc, best_c = auc, c
        unconstrained = {}
        if fitted:
            columns = [self.fit_points, *(column(n) for n in fitted)]
            model, scale = self.fit(columns, best_c)
            errors = self.wald(model, scale, columns, best_c)
            beta = model.coef_[0] / scale
            unconstrained = {n: (beta[i], errors[i]) for i, n in enumerate(fitted, start=1)}
        # The weights, fitted beside the contact's fit points (which the score adds to the
        # engagement): their coefficient says how many points a unit of log-odds is worth.
        # Weights are never negative: drop the rule that hurts most given the others, refit.
        kept = list(fitted)
        coefficients: dict[int, tuple[float, float]] = {}
        fit_coefficient = 0.0
        while kept:
            columns = [self.fit_points, *(column(n) for n in kept)]
            model, scale = self.fit(columns, best_c)
            beta = model.coef_[0] / scale
            if (beta[1:] >= 0).all():
                errors = self.wald(model, scale, columns, best_c)
                coefficients = {n: (beta[i], errors[i]) for i, n in enumerate(kept, start=1)}
                fit_coefficient = float(beta[0])
                break
            # One at a time, the most negative first: its partners may recover without it.
            kept.remove(kept[int(np.argmin(beta[1:]))])
        proposals = self.proposals(
            fitted=fitted,
            coefficients=coefficients,
            unconstrained=unconstrained,
            half_life=half_life,
            events=events,
            fit_coefficient=fit_coefficient,
        )
        return self.validate(proposals, best_auc, best_c)

    def points_per_log_odds(self, *, fitted, coefficients, half_life, fit_coefficient) -> float:
        """What a unit of the fitted log-odds is worth in points: as the fit points trade off
        against the evidence (1 / their coefficient), kept within `SCALE_BOUND` of the factor
        that leaves the average engagement of the training examples where it is today."""
        m, train = self.model, self.train
        multiplier = [m.phase_multipliers[m.stages[r.stage_id].phase] for r in self.rules]
        today = sum(
            r.weight * multiplier[n] * self.capped(n, 0)[train].mean()
            for n, r in enumerate(self.rules)
            if n in fitted
        )
        learned = sum(
            beta * self.capped(n, half_life[n])[train].mean()
            for n, (beta, _) in coefficients.items()
        )
        same_average = float(today / learned) if learned > 0 and today > 0 else 1.0
        self.scale_metrics = {"same_average_engagement": same_average}
        if not self.fit_points[train].std():
            return same_average
        traded = 1 / fit_coefficient if fit_coefficient > 0 else math.inf
        return min(max(traded, same_average / SCALE_BOUND), same_average * SCALE_BOUND)

    def proposals(
        self, *, fitted, coefficients, unconstrained, half_life, events, fit_coefficient
    ) -> list:
        m = self.model
        multiplier = [m.phase_multipliers[m.stages[r.stage_id].phase] for r in self.rules]
        train = self.train
        points = self.points_per_log_odds(
            fitted=fitted,
            coefficients=coefficients,
            half_life=half_life,
            fit_coefficient=fit_coefficient,
        )
        self.scale_metrics["points_per_log_odds"] = float(points)
        outcome = OUTCOME_WORDS.get(self.history.outcome, "the outcome")
        horizon = self.history.horizon_days
        proposals = []
        for n, rule in enumerate(self.rules):
            # A rule that weighs nothing keeps its half-life: there is nothing to fade.
            new_half_life = self.candidates(rule)[half_life[n] if n in coefficients else 0]
            as_is = RuleProposal(
                rule_id=rule.id,
                label=rule.label,
                old_weight=rule.weight,
                new_weight=rule.weight,
                old_half_life_days=rule.half_life_days,
                new_half_life_days=rule.half_life_days,
                old_cap=rule.cap,
                new_cap=rule.cap,
                lift=None,
                lift_low=None,
                lift_high=None,
                events=int(events[n]),
                reason=f"too few events ({int(events[n])}) to tell: kept as is",
            )
            if n not in fitted:
                proposals.append(as_is)
                continue
            beta, error = coefficients.get(n) or unconstrained[n]
            new_weight = 0.0
            if n in coefficients:
                new_weight = min(MAX_WEIGHT, round(float(points * beta / multiplier[n]), 2))
            # A typical event: worth the rule's mean decayed worth at the training cutoffs.
            counted = self.events[train, n].sum()
            typical = self.decayed[train, n, half_life[n]].sum() / counted if counted else 1.0
            lift = math.exp(float(beta * typical))
            low = math.exp((beta - Z_90 * error) * typical)
            high = math.exp((beta + Z_90 * error) * typical)
            if rule.cap is None or rule.weight <= 0:
                new_cap = rule.cap
            else:
                new_cap = round(rule.cap / rule.weight * new_weight, 2)
            change = f"weight {_figure(rule.weight)} → {_figure(new_weight)}"
            if new_half_life != rule.half_life_days:
                change += f", half-life {_figure(rule.half_life_days)} → {new_half_life} days"
            if n in coefficients:
                reason = f"{_odds(lift, f'of {outcome} within {horizon} days')}"
                reason += f" ({low:.1f}–{high:.1f}): {change}"
            else:
                reason = (
                    f"no lift over the others (odds × {lift:.2f}, {low:.1f}–{high:.1f}):"
                    f" weight 0 (was {_figure(rule.weight)})"
                )
            proposals.append(
                replace(
                    as_is,
                    new_weight=new_weight,
                    new_half_life_days=float(new_half_life),
                    new_cap=new_cap,
                    lift=lift,
                    lift_low=low,
                    lift_high=high,
                    reason=reason,
                )
            )
        return proposals

    # -- validation: scores through the recompute's statements -----------------------------

    def validate(self, proposals: list[RuleProposal], lr_auc: float, c: float):
        m = self.model
        by_id = {p.rule_id: p for p in proposals}
        proposed = m.with_rules(
            replace(
                r,
                weight=by_id[r.id].new_weight,
                half_life_days=by_id[r.id].new_half_life_days,
                cap=by_id[r.id].new_cap,
            )
            for r in m.rules
        )
        rows = np.flatnonzero(self.valid)
        scores = {name: np.zeros(len(rows)) for name in ("calibrated", "current", "activity")}
        position = {row: i for i, row in enumerate(rows)}
        replays, evidence = [], []
        # A sampled world is scored for its sampled accounts only: the rest are no examples.
        scope = Scope(account_ids=tuple(np.unique(self.account).tolist()))
        if self.sampled_share >= 1:
            scope = Scope()
        for number in range(self.training, len(self.moments)):
            tables = backtest._Tables(
                cursor=self.cursor,
                replay=backtest.Replay(
                    as_of=self.moments[number],
                    horizon_days=self.history.horizon_days,
                    outcome=self.history.outcome,
                ),
            )
            replays.append(tables)
            current, new = f"cal_current{number}", f"cal_new{number}"
            for name, scorer in (
                ("current", backtest.rules_scorer(model=m, name=current, scope=scope)),
                ("calibrated", backtest.rules_scorer(model=proposed, name=new, scope=scope)),
                ("activity", backtest.activity_scorer()),
            ):
                scorer.fill(tables)
                for row, score in self.rows(
                    f"""SELECT x.row_no, s.score FROM cal_example x
                        JOIN bt_{scorer.name}_contact s ON s.contact_id = x.contact_id
                        WHERE x.cutoff_no = {number:d}"""
                ):
                    scores[name][position[row]] = float(score or 0)
            evidence.append(self.stage_evidence(tables, f"bt_cal_new{number}_contact", proposed))
        threshold, reason = self.pick_threshold(evidence)
        final = replace(proposed, threshold=threshold)
        agreement: dict[str, list] = {"before": [], "after": []}
        distribution = {}
        for tables, number in zip(replays, range(self.training, len(self.moments)), strict=True):
            current = backtest.rules_scorer(model=m, name=f"cal_current{number}")
            agreement["before"] += backtest._stage_agreement(tables, current)
            # The proposed weights' evidence is in place: only the stages move with the threshold.
            run = tables.runs[-1]
            run.model = final
            run.contacts()
            run.accounts()
            after = backtest.rules_scorer(model=final, name=f"cal_new{number}", label="Calibrated")
            agreement["after"] += backtest._stage_agreement(tables, after)
            if number == len(self.moments) - 1:
                distribution = {
                    "before": self.distribution(f"bt_cal_current{number}_contact"),
                    "after": self.distribution(f"bt_cal_new{number}_contact"),
                }
        for tables in replays:
            tables.drop()
        labels = self.label[rows]
        metrics = {
            "examples": int(self.n),
            "positives": int(self.label.sum()),
            "training_examples": int(self.train.sum()),
            "validation_examples": len(rows),
            "validation_positives": int(labels.sum()),
            "cutoffs": [moment.isoformat() for moment in self.moments],
            "validation_cutoffs": self.validating,
            "sampled_share": self.sampled_share,
            "regularisation_c": c,
            **self.scale_metrics,
            "auc": {
                "calibrated": self.auc(scores["calibrated"], self.valid),
                "current": self.auc(scores["current"], self.valid),
                "logistic_regression": lr_auc if lr_auc >= 0 else None,
                "activity": self.auc(scores["activity"], self.valid),
            },
            "stage_agreement": {key: _summed(rows) for key, rows in agreement.items()},
            "stage_distribution": distribution,
        }
        return CalibrationResult(
            rules=tuple(proposals),
            old_threshold=m.threshold,
            new_threshold=threshold,
            threshold_reason=reason,
            metrics=metrics,
        )

    # -- the stage threshold ----------------------------------------------------------------

    def stage_evidence(self, tables, contacts: str, model: ScoringModel) -> dict:
        """Per contact of the run's table: evidence per stage (the stages in journey order),
        and the journey stage of their account's open deal where there is one."""
        stages = sorted({model.stages[r.stage_id] for r in model.rules}, key=lambda s: s.ordinal)
        columns = ", ".join(f"COALESCE(n.e{s.id:d}, 0)" for s in stages) or "0"
        rows = self.rows(
            f"""SELECT {columns}, d.journey_stage_id
                FROM {contacts} n
                LEFT JOIN (
                    SELECT o.account_id, MAX(ps.journey_stage_id) AS journey_stage_id
                    FROM pipeline_opportunity o
                    JOIN pipeline_stagechange sc ON sc.opportunity_id = o.id
                         AND sc.entered_at <= %s AND (sc.exited_at IS NULL OR sc.exited_at > %s)
                    JOIN pipeline_pipelinestage ps ON ps.id = sc.stage_id
                    WHERE o.created_at <= %s AND (o.closed_at IS NULL OR o.closed_at > %s)
                      AND ps.journey_stage_id IS NOT NULL
                    GROUP BY o.account_id
                ) d ON d.account_id = n.account_id""",
            [tables.as_of] * 4,
        )
        width = max(1, len(stages))
        data = np.array(rows, dtype=object).reshape(-1, width + 1)
        return {
            "stages": stages,
            "evidence": data[:, :width].astype(float),
            "deal_stage": [None if v is None else int(v) for v in data[:, width]],
        }

    def pick_threshold(self, evidence: list[dict]) -> tuple[float, str]:
        """The threshold whose stages agree best with open deals' (a stage matched counts 1,
        the phase only ½), among the plausible ones; the current one breaks ties.

        Candidates: the current threshold scaled, and quantiles of the evidence people have
        under the proposed weights (new weights may move evidence far from the old scale)."""
        old = self.model.threshold
        stages = evidence[0]["stages"] if evidence else []
        if not stages:
            return old, "no rule gives stage evidence: kept as is"
        strongest = np.concatenate([part["evidence"].max(axis=1) for part in evidence])
        strongest = strongest[strongest > 0]
        candidates = [old * f for f in THRESHOLD_FACTORS]
        if len(strongest):
            candidates += list(np.quantile(strongest, THRESHOLD_QUANTILES))
        grid = sorted({max(0.01, min(MAX_WEIGHT, round(float(t), 2))) for t in candidates})
        phase_of = {s.id: s.phase for s in self.model.stages.values()}
        results = []
        for threshold in grid:
            people = furthest = compared = matched = 0.0
            for part in evidence:
                reached = part["evidence"] >= threshold
                last = reached.shape[1] - 1
                index = np.where(reached.any(axis=1), last - np.argmax(reached[:, ::-1], 1), -1)
                people += len(index)
                furthest += (index == last).sum()
                for at, deal in zip(index, part["deal_stage"], strict=True):
                    if deal is None:
                        continue
                    compared += 1
                    if at >= 0 and stages[at].id == deal:
                        matched += 1
                    elif at >= 0 and stages[at].phase == phase_of.get(deal):
                        matched += 0.5
            share = furthest / people if people else 0.0
            results.append((threshold, share, compared, matched / compared if compared else 0))
        plausible = [r for r in results if r[1] <= FURTHEST_SHARE]
        if not plausible:
            threshold, share = results[-1][:2]
            return threshold, (
                f"even at {_figure(threshold)} {share:.0%} of the people sit in the furthest"
                " stage: the highest threshold tried"
            )

        def closeness(r) -> float:
            return -abs(math.log(r[0] / old))

        nearest = max(results, key=closeness)
        funnel = (
            f"{{:.0%}} of the people sit in the furthest stage (at most"
            f" {FURTHEST_SHARE:.0%} is plausible; {nearest[1]:.0%} at {_figure(old)})"
        )
        if not plausible[0][2]:
            best = max(plausible, key=closeness)
            return best[0], (
                "no open deals to compare with: the threshold nearest the current one at which "
                + funnel.format(best[1])
            )
        best = max(plausible, key=lambda r: (round(r[3], 4), closeness(r)))
        return best[0], (
            f"the stages of {best[3]:.0%} of the people with an open deal agree with its"
            f" pipeline stage (a matching phase counts half), against {nearest[3]:.0%} at"
            f" {_figure(old)}; " + funnel.format(best[1])
        )

    def distribution(self, contacts: str) -> dict[str, int]:
        names = {s.id: s.name for s in self.model.stages.values()}
        return {
            names.get(stage, "No stage") if stage else "No stage": count
            for stage, count in self.rows(
                f"SELECT stage_id, COUNT(*) FROM {contacts} GROUP BY stage_id ORDER BY stage_id"
            )
        }


def _summed(rows: list[dict]) -> list[dict]:
    """Stage agreement rows of several cutoffs added up per buyer."""
    totals: dict[str, dict] = {}
    for row in rows:
        total = totals.setdefault(
            row["buyers"],
            {"buyers": row["buyers"], "compared": 0, "same_stage": 0, "same_phase": 0},
        )
        for key in ("compared", "same_stage", "same_phase"):
            total[key] += row[key]
    return list(totals.values())


def _figure(value: float) -> str:
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


def _odds(lift: float, what: str) -> str:
    """Says "doubles the odds of a deal within 90 days", "multiplies the odds … by 1.4"."""
    if 1.9 <= lift < 2.1:
        return f"doubles the odds {what}"
    if 2.9 <= lift < 3.1:
        return f"triples the odds {what}"
    return f"multiplies the odds {what} by {lift:.2f}"


def calibrate(*, model: ScoringModel, history: History, seed: int = 0) -> CalibrationResult:
    """A proposal for `model`'s rules and stage threshold, learned from `history`. Pure
    computation: writes nothing but temporary tables (in a transaction of its own)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _Dialect().prepare(cursor)
        work = _Calibration(cursor=cursor, model=model, history=history, seed=seed)
        try:
            return work.run()
        finally:
            work.drop()
