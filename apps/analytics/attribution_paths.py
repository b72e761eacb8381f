"""Attribution paths read from the database: one set-based statement per run, then numpy.

How a touch is found and linked (the README repeats these rules):

- A *touch* is a marketing contact with an account: an event that carries a `utm_campaign`
  (in its properties, or in its URL's query string) or names an asset, an open or click of a
  sequence email (an `email_open` / `email_click` event naming its sequence), or a nurture
  touch (an email sent or a rep task from a sequence). Events of the account's contacts and
  the account's anonymous visits both count; a nurture touch counts for the account its
  contact was at when it was sent.
- *Campaign* of a touch, first rule that applies: the campaign whose UTM code equals the
  event's `utm_campaign` (exactly, case included); the campaign the touch's sequence (a
  nurture touch's, an open's or click's) is linked to; the campaign whose content mix holds
  the touch's asset and which ran that day (start to end date, UTC; the one that started last
  when several did). None of these: "no campaign".
- *Channel*: the event's `utm_medium` when it is one of Waymark's campaign channels (`email`,
  `webinar`, `event`, `paid_social`, `direct_mail`, `sales_outreach`,
  `content_syndication`), else the event's source (website, email, intent feed, CRM,
  Waymark); a nurture email is `email`, a nurture rep task `sales_outreach`.
- *Asset*: the event's asset, or the asset the nurture step sent; none: "no asset".
- *Paths* for a period (its first to last day):
  - goal `created` (opportunities created, 1 each) and `pipeline` (the same, valued at their
    amount): every opportunity created in the period is a converting path of the account's
    touches in the lookback window before its creation; accounts with touches in the period
    and no opportunity created in it are the non-converting paths (for the Markov model);
  - goal `won` (revenue won): every opportunity closed won in the period is a converting path
    of the touches in the lookback window before its close, worth its amount; those closed
    lost in the period are the non-converting ones.
  - The lead-creation moment (W-shaped) is the account's first MQL or MQA handoff in the
    window and at or before the deal was opened; the opportunity-creation moment is its
    `created_at`.

The touches are read from `analytics_touch` (`apps.analytics.models.Touch`), which database
triggers keep in step with the events and nurture touches (migration 0003 holds how a UTM value
is read out of an event's properties and URL, 0004 an open's or click's sequence); campaigns and
channels are resolved when read.

On PostgreSQL the touches come back packed in one `bytea` through `COPY … TO STDOUT (FORMAT
binary)`, read by numpy in one go; elsewhere (SQLite under `make run`) through a cursor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from django.db import connection, transaction

from apps.analytics.attribution import Paths
from apps.campaigns.models import Campaign, Channel
from apps.content.models import Asset
from apps.engagement.models import EventSource

CREATED, PIPELINE, WON = "created", "pipeline", "won"
GOALS = {
    CREATED: "Opportunities created",
    PIPELINE: "Pipeline created (amount)",
    WON: "Revenue won",
}
CAMPAIGN, CHANNEL, ASSET = "campaign", "channel", "asset"
DIMENSIONS = {CAMPAIGN: "Campaigns", CHANNEL: "Channels", ASSET: "Assets"}

# Channel codes: 1.. in this order; 0 is "no channel" (never produced: a source always exists).
CHANNELS: list[str] = list(Channel.values) + [
    s for s in EventSource.values if s not in Channel.values
]
CHANNEL_LABELS = {**dict(EventSource.choices), **dict(Channel.choices)}

# Per touch: its path, its time (microseconds since 2000-01-01 UTC, PostgreSQL's own binary
# timestamp, so the database converts nothing), campaign id × 16 + channel code (one column
# fewer to send), asset id; on PostgreSQL each as the 8 big-endian bytes its type's send
# function writes.
_COLUMNS = (
    ("path_key", "int8send"),
    ("at", "timestamptz_send"),
    ("campaign_channel", "int8send"),
    ("asset", "int8send"),
)
_ROW = np.dtype([(name, ">i8") for name, _ in _COLUMNS])
_CHANNEL_BITS = 4
assert len(CHANNELS) < 1 << _CHANNEL_BITS
_Y2K = 946_684_800.0  # 2000-01-01 in seconds since the epoch
_HEADER = 19  # "PGCOPY\n\377\r\n\0", flags, header extension length


@dataclass(frozen=True)
class Window:
    start: datetime  # included
    end: datetime  # excluded

    @classmethod
    def for_dates(cls, first: date, last: date) -> Window:
        return cls(
            datetime.combine(first, time.min, tzinfo=UTC),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC),
        )


@dataclass
class Extracted:
    """Paths plus, per touch, its campaign id, channel code and asset id (0: none)."""

    paths: Paths
    campaign: np.ndarray
    channel: np.ndarray
    asset: np.ndarray
    untouched_value: float = 0.0
    untouched_count: int = 0
    converting_value: float = 0.0
    converting_count: int = 0
    # What the models share across dimensions (`attribution.attribute(shared=)`).
    shared: dict = field(default_factory=dict)


class _Sql:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def epoch(self, expr: str) -> str:
        if self.pg:
            return f"date_part('epoch', {expr})"
        return f"((julianday({expr}) - 2440587.5) * 86400.0)"

    def touch_time(self, expr: str) -> str:
        """Microseconds since 2000-01-01: on PostgreSQL the binary timestamp as it is."""
        if self.pg:
            return expr
        return f"CAST((julianday({expr}) - 2451544.5) * 86400000000.0 AS integer)"

    def after_lookback(self, later: str, earlier: str) -> str:
        """`later` happened within the lookback window before (or at) `earlier`."""
        if self.pg:
            return (
                f"{later} > {earlier} - make_interval(days => %(lookback)s) "
                f"AND {later} <= {earlier}"
            )
        return (
            f"julianday({later}) > julianday({earlier}) - %(lookback)s "
            f"AND julianday({later}) <= julianday({earlier})"
        )

    def nan(self) -> str:
        return "'NaN'::float8" if self.pg else "NULL"

    def not_materialized(self) -> str:
        return "NOT MATERIALIZED" if self.pg else ""


def _channel_case(medium: str, source: str) -> str:
    codes = {name: n for n, name in enumerate(CHANNELS, start=1)}
    by_medium = " ".join(f"WHEN '{c}' THEN {codes[c]}" for c in Channel.values)
    by_source = " ".join(f"WHEN '{s}' THEN {codes[s]}" for s in EventSource.values)
    return f"COALESCE(CASE {medium} {by_medium} END, CASE {source} {by_source} ELSE 0 END)"


def _conversions(goal: str) -> str:
    if goal == WON:
        return """
        SELECT o.id AS path_key, o.account_id, o.closed_at AS converted_at,
            o.created_at AS opened_at, CAST(o.amount AS float) AS value,
            CASE WHEN s.outcome = 'won' THEN 1 ELSE 0 END AS converted
        FROM pipeline_opportunity o JOIN pipeline_pipelinestage s ON s.id = o.stage_id
        WHERE s.outcome IN ('won', 'lost') AND o.closed_at >= %(start)s AND o.closed_at < %(end)s
        """
    value = "CAST(o.amount AS float)" if goal == PIPELINE else "1.0"
    return f"""
        SELECT o.id AS path_key, o.account_id, o.created_at AS converted_at,
            o.created_at AS opened_at, {value} AS value, 1 AS converted
        FROM pipeline_opportunity o
        WHERE o.created_at >= %(start)s AND o.created_at < %(end)s
        """


def _with_conversions(sql: _Sql, goal: str) -> str:
    return f"""
    WITH conversion AS {sql.not_materialized()} ({_conversions(goal)})"""


def _path_statement(sql: _Sql, goal: str) -> str:
    """Each conversion with its moments: converted, opened, the lead (first MQL/MQA) before."""
    return f"""{_with_conversions(sql, goal)},
    lead AS (
        SELECT p.path_key, MIN(h.raised_at) AS raised_at
        FROM conversion p JOIN engagement_handoff h ON h.account_id = p.account_id
            AND {sql.after_lookback("h.raised_at", "p.converted_at")}
            AND h.raised_at <= p.opened_at
        GROUP BY p.path_key
    )
    SELECT p.path_key, p.value, p.converted, {sql.epoch("p.converted_at")},
        {sql.epoch("p.opened_at")}, {sql.epoch("l.raised_at")}
    FROM conversion p LEFT JOIN lead l ON l.path_key = p.path_key
    """


def _touch_statement(sql: _Sql, goal: str) -> str:
    """One pass over the touch table (`analytics.Touch`, its UTM values read out when the event
    was stored): each touch joins the conversions of its account whose window holds it; for the
    created goals, a touch in the period of an account with no conversion in the period joins
    its account's non-converting path (path key −account id). Campaign (by UTM code, then by
    sequence) and channel are worked out here, from the campaigns as they stand; the rows are
    small integers."""
    in_window = sql.after_lookback("t.occurred_at", "p.converted_at")
    if goal == WON:
        join, where = "JOIN", in_window
    else:
        join = "LEFT JOIN"
        where = f"(p.path_key IS NULL AND t.occurred_at >= %(start)s) OR ({in_window})"
    return f"""{_with_conversions(sql, goal)}
    SELECT CAST(COALESCE(p.path_key, -t.account_id) AS bigint) AS path_key,
        {sql.touch_time("t.occurred_at")} AS at,
        CAST(COALESCE(c.id, sq.campaign_id, 0) AS bigint) * {1 << _CHANNEL_BITS}
            + {_channel_case("t.medium", "t.source")} AS campaign_channel,
        CAST(COALESCE(t.asset_id, 0) AS bigint) AS asset
    FROM analytics_touch t
    LEFT JOIN campaigns_campaign c ON c.utm_code = t.utm_campaign AND c.utm_code <> ''
    LEFT JOIN nurture_sequence sq ON sq.id = t.sequence_id
    {join} conversion p ON p.account_id = t.account_id
    WHERE t.occurred_at >= %(touch_start)s AND t.occurred_at < %(end)s AND ({where})
    """


def _read(statement: str, params: dict) -> dict[str, np.ndarray]:
    """The touch columns. On PostgreSQL the rows come back packed, 32 bytes each, in one
    `bytea` (`string_agg`) in one row of a binary `COPY`, read by numpy: psycopg hands a COPY on
    one row at a time (a Python step each cost ten seconds a million touches), and building
    one `array_agg` a column cost twice as much as packing the rows in the parallel workers
    and appending bytes (PostgreSQL 15 builds neither in its workers)."""
    names = [name for name, _ in _COLUMNS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            import psycopg

            row = " || ".join(f"{send}({name})" for name, send in _COLUMNS)
            query = f"SELECT string_agg({row}, '') FROM ({statement}) touch"
            # COPY takes no server-side parameters: bind them client-side.
            bound = psycopg.ClientCursor(connection.connection).mogrify(query, params)
            buffer = bytearray()
            with transaction.atomic():
                # Compiling this one statement costs seconds and saves none.
                cursor.execute("SET LOCAL jit = off")
                with cursor.copy(f"COPY ({bound}) TO STDOUT (FORMAT binary)") as copy:
                    for block in copy:
                        buffer += block
            return _binary_rows(memoryview(buffer))
        cursor.execute(statement, params)
        fetched = cursor.fetchall()
    columns = list(zip(*fetched, strict=True)) if fetched else [[] for _ in names]
    return {
        name: np.array(values, dtype=np.int64) for name, values in zip(names, columns, strict=True)
    }


def _binary_rows(buffer: memoryview) -> dict[str, np.ndarray]:
    """The one row of a binary COPY whose one field is the packed touches (NULL: none). Row:
    int16 field count, int32 length (−1: NULL), then the bytes."""
    (length,) = np.frombuffer(buffer, ">i4", 1, _HEADER + 2)
    count = max(int(length), 0) // _ROW.itemsize
    rows = np.frombuffer(buffer, _ROW, count, _HEADER + 6)
    return {name: rows[name].astype(np.int64) for name in _ROW.names}


def _per_path(keys: np.ndarray, conversions: np.ndarray, *, end: float) -> np.ndarray:
    """Each path's row of `conversions` (key, value, converted, converted, opened and lead
    moments; sorted by key); an account's non-converting path (key −account id) is worth
    nothing and ends with the period."""
    out = np.tile([0.0, 0.0, 0.0, end, end, np.nan], (len(keys), 1))
    if len(conversions):
        found = np.minimum(np.searchsorted(conversions[:, 0], keys), len(conversions) - 1)
        known = conversions[found, 0] == keys
        out[known] = conversions[found[known]]
    return out


def paths_extract(*, goal: str, window: Window, lookback_days: int = 90) -> Extracted:
    """Every path of the goal in the window, with each touch's campaign, channel and asset."""
    if goal not in GOALS:
        raise ValueError(f"Unknown goal {goal!r}; use one of {sorted(GOALS)}.")
    sql = _Sql(connection.vendor)
    params = {
        "start": window.start,
        "end": window.end,
        "touch_start": window.start - timedelta(days=lookback_days),
        "lookback": lookback_days,
    }
    rows = _read(_touch_statement(sql, goal), params)
    with connection.cursor() as cursor:
        cursor.execute(_path_statement(sql, goal), params)
        conversions = np.array(cursor.fetchall(), dtype=np.float64).reshape(-1, 6)
    conversions = conversions[np.argsort(conversions[:, 0], kind="stable")]
    order = np.lexsort((rows["at"], rows["path_key"]))
    rows = {name: column[order] for name, column in rows.items()}
    # Sorted by path: each new key starts a path (`np.unique` would sort them again).
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = rows["path_key"][1:] != rows["path_key"][:-1]
    keys, path = rows["path_key"][starts], np.cumsum(starts) - 1
    per_path = _per_path(keys, conversions, end=window.end.timestamp())
    converting = conversions[conversions[:, 2] > 0]
    untouched = ~np.isin(converting[:, 0].astype(np.int64), keys)
    paths = Paths.build(
        path=path,
        at=rows["at"] / 1e6 + _Y2K,
        value=per_path[:, 1],
        converted=per_path[:, 2] > 0,
        converted_at=per_path[:, 3],
        opened_at=per_path[:, 4],
        lead_at=per_path[:, 5],
    )
    campaign = rows["campaign_channel"] >> _CHANNEL_BITS
    asset = rows["asset"]
    _campaigns_by_content_mix(campaign=campaign, asset=asset, at=paths.at)
    return Extracted(
        paths=paths,
        campaign=campaign,
        channel=rows["campaign_channel"] & ((1 << _CHANNEL_BITS) - 1),
        asset=asset,
        untouched_value=float(converting[untouched, 1].sum()),
        untouched_count=int(untouched.sum()),
        converting_value=float(converting[:, 1].sum()),
        converting_count=len(converting),
    )


def _campaigns_by_content_mix(*, campaign: np.ndarray, asset: np.ndarray, at: np.ndarray) -> None:
    """Give asset touches without a campaign the campaign whose content mix holds the asset and
    which ran that day (the one that started last, then the newest, when several did)."""
    open_touches = np.flatnonzero((campaign == 0) & (asset > 0))
    if not len(open_touches):
        return
    mix = list(
        Campaign.assets.through.objects.filter(asset_id__in=np.unique(asset[open_touches]).tolist())
        .order_by("campaign__start_date", "campaign_id")
        .values_list("asset_id", "campaign_id", "campaign__start_date", "campaign__end_date")
    )
    if not mix:
        return
    order = open_touches[np.argsort(asset[open_touches], kind="stable")]
    sorted_assets = asset[order]
    for asset_id, campaign_id, first_day, last_day in mix:
        lo, hi = np.searchsorted(sorted_assets, [asset_id, asset_id + 1])
        if lo == hi:
            continue
        window = Window.for_dates(first_day, last_day)
        chosen = order[lo:hi]
        running = (at[chosen] >= window.start.timestamp()) & (at[chosen] < window.end.timestamp())
        # Later campaigns (by start) come later in `mix` and overwrite earlier ones.
        campaign[chosen[running]] = campaign_id


def state_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes for ids (0 stays "none" at code 0): (codes per touch, id per code). Ids
    are database keys, small numbers: a lookup table is ten times as fast as sorting them."""
    present = np.zeros(int(values.max(initial=0)) + 1, dtype=bool)
    present[0] = True
    present[values] = True
    code = np.cumsum(present) - 1
    return code[values], np.flatnonzero(present)


def asset_labels(ids) -> dict[int, str]:
    return dict(Asset.objects.filter(pk__in=[int(i) for i in ids if i]).values_list("pk", "title"))


def campaign_labels(ids) -> dict[int, str]:
    return dict(
        Campaign.objects.filter(pk__in=[int(i) for i in ids if i]).values_list("pk", "name")
    )
