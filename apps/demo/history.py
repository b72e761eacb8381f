"""The demo world's history: a year of what its buyers did, drawn from hidden buying states.

The demo's deals are its plan (`apps.demo.world`: how many end in each stage, which stall).
Behind each account lies a hidden buying state per week, the one the generated worlds use
(`apps.demo.synthetic`): dormant, researching, evaluating, in a deal (by pipeline stage).
Before each deal opened, the account researched and then evaluated for a while, the lengths
drawn with the generated worlds' weekly rates; after a deal closes it goes dormant again. Now
and then an account starts researching, or evaluating, and gives up without a deal (a false
start, at the generated worlds' rates too, likelier for a better-fitting account).

What people do each week follows from the state through the generated worlds' `Signals`:
pricing views, demo requests and product pages from the buying committee of an evaluating
account, plenty of blog visits, newsletter opens and webinars from everyone whatever the state,
sellers chasing what they saw the week before. So a buyer's journey, not their volume of
activity, tells who goes on to open a deal, and nothing in Waymark reads the hidden states:
they live only in this module's local variables. The demo adds its own touches on top: events
about its content library's assets, visits matched to the account only, no emails to people
who opted out, and the accounts of its stalled deals gone quiet.
"""

import random
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import numpy as np

from apps.accounts.models import Account, Contact
from apps.content.models import Asset
from apps.demo import world
from apps.demo.synthetic import (
    DORMANT,
    EVALUATE_STALLS,
    EVALUATE_TO_DEAL,
    EVALUATING,
    IN_DEAL,
    INTENT_RATES,
    RESEARCH_GIVES_UP,
    RESEARCH_TO_EVALUATE,
    RESEARCHING,
    SELLER_RATES,
    START_RESEARCH,
    WEEK,
    Signals,
    direction_of,
)
from apps.engagement.models import Event, EventKind, EventSource
from apps.journeys.models import Phase
from apps.pipeline.models import PipelineStage

# The demo's own kinds, per person and week by hidden state (dormant, researching, evaluating,
# in a deal): the contact form from evaluating buyers; assets and CRM notes reps log in deals.
DEMO_INTENT_RATES = INTENT_RATES | {EventKind.FORM_SUBMIT: (0.01, 0.04, 0.15, 0.05)}
DEMO_SELLER_RATES = SELLER_RATES | {
    EventKind.ASSET_SHARED: (0.0, 0.01, 0.08, 0.25),
    EventKind.CRM_ACTIVITY: (0.0, 0.0, 0.05, 0.25),
}


def buying_states(
    *,
    rng: np.random.Generator,
    start: datetime,
    weeks: int,
    deals: list[list[tuple[PipelineStage, datetime]]],
    open_stages: list[PipelineStage],
    propensity: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per week of the history: the account's hidden state, its state the week before, and the
    pipeline stage (index among `open_stages`) of its furthest open deal. `deals`: each deal's
    stays, (stage, when it entered), oldest first."""
    state = np.full(weeks, DORMANT, dtype=np.int64)
    stage_no = np.zeros(weeks, dtype=np.int64)

    def week_of(moment: datetime) -> int:
        return int((moment - start) // WEEK)

    for stays in deals:
        for k, (stage, entered) in enumerate(stays):
            if stage.is_closed:
                break
            first = max(0, week_of(entered))
            # Through the week it moved on (or closed), or to today while it is open.
            last = week_of(stays[k + 1][1]) + 1 if k + 1 < len(stays) else weeks
            span = slice(first, max(first, min(weeks, last)))
            state[span] = IN_DEAL
            stage_no[span] = np.maximum(stage_no[span], open_stages.index(stage))
    for stays in deals:
        # Before it opened: evaluating, and researching before that (where not in a deal).
        opened = week_of(stays[0][1])
        evaluating = int(rng.geometric(EVALUATE_TO_DEAL))
        researching = int(rng.geometric(RESEARCH_TO_EVALUATE))
        for phase, first, last in (
            (EVALUATING, opened - evaluating, opened),
            (RESEARCHING, opened - evaluating - researching, opened - evaluating),
        ):
            span = slice(max(0, first), max(0, last))
            state[span] = np.where(state[span] == DORMANT, phase, state[span])
    # False starts, in the weeks still dormant: a search that ends in nothing.
    week = 0
    while week < weeks:
        if (
            state[week] != DORMANT
            or rng.random() >= START_RESEARCH[0] + START_RESEARCH[1] * propensity
        ):
            week += 1
            continue
        lengths = [int(rng.geometric(RESEARCH_TO_EVALUATE + RESEARCH_GIVES_UP))]
        if rng.random() < RESEARCH_TO_EVALUATE / (RESEARCH_TO_EVALUATE + RESEARCH_GIVES_UP):
            lengths.append(int(rng.geometric(EVALUATE_TO_DEAL + EVALUATE_STALLS)))
        for phase, length in zip((RESEARCHING, EVALUATING), lengths, strict=False):
            while length and week < weeks and state[week] == DORMANT:
                state[week] = -phase  # marked, so the loop does not start another here
                week, length = week + 1, length - 1
        week += 1
    state = np.abs(state)
    previous = np.concatenate([state[:1], state[:-1]])
    return state, previous, stage_no


@dataclass(frozen=True)
class CampaignLinks:
    """A demo campaign's links: its UTM code and channel, while it runs, on its content."""

    utm_code: str
    medium: str
    start: datetime
    end: datetime
    asset_types: frozenset[str]

    def tag(self, *, asset: Asset, at: datetime) -> dict:
        """The UTM values of a content event that came through the campaign's links (a share of
        those on its asset types while it ran, picked by the second: no random draw)."""
        if not (self.start <= at < self.end and asset.asset_type in self.asset_types):
            return {}
        if int(at.timestamp()) % 5 >= world.CAMPAIGN_LINK_FIFTHS:
            return {}
        return {"utm_campaign": self.utm_code, "utm_medium": self.medium}


class DemoSignals(Signals):
    """The generated worlds' signals, dressed as the demo's: its site, content, consent and
    campaigns' links."""

    intent_rates = DEMO_INTENT_RATES
    seller_rates = DEMO_SELLER_RATES

    def __init__(
        self, *, pools: dict[str, list[Asset]], campaigns: list[CampaignLinks] = (), **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.pools = pools
        self.campaigns = campaigns
        self.phases: np.ndarray | None = None  # per week: the phase of the account's journey

    def phases_of(self, state: np.ndarray, stage_no: np.ndarray) -> np.ndarray:
        deal_phase = np.array([s.journey_stage.phase for s in self.pipeline], dtype=object)
        return np.where(
            state == IN_DEAL,
            deal_phase[stage_no],
            np.where(state == EVALUATING, Phase.CONSIDERATION, Phase.AWARENESS),
        )

    def account_history(
        self, account: Account, people: list[Contact], state, previous, stage_no
    ) -> None:
        self.phases = self.phases_of(state, stage_no)
        self.signals(account, people, state, previous, stage_no)

    def event(self, account: Account, person: Contact | None, kind: str, at: datetime):
        pick: random.Random = self.pick
        source = world.EVENT_SOURCES[kind]
        if kind in world.ANONYMOUS_KINDS and pick.random() < world.ANONYMOUS_SHARE:
            person = None
        elif source == EventSource.EMAIL and person and person.consent == "opted_out":
            return None  # we email only those who have not opted out
        phase = self.phases[min(len(self.phases) - 1, int((at - self.start) // WEEK))]
        asset, url = None, ""
        if kind in world.EVENT_ASSET_TYPES:
            asset = pick.choice(self.pools[world.EVENT_ASSET_TYPES[kind]])
        elif kind in world.EVENT_PHASE_ASSET_KINDS:
            asset = pick.choice(self.pools[phase])
        if asset:
            url = asset.url
        elif kind in world.EVENT_PATHS:
            url = world.SITE + pick.choice(world.EVENT_PATHS[kind])
        properties = _event_properties(rng=pick, kind=kind)
        tags = asset and next(filter(None, (c.tag(asset=asset, at=at) for c in self.campaigns)), {})
        if tags:
            properties |= tags
            url += ("&" if "?" in url else "?") + urlencode(tags)
        return Event(
            account=account,
            contact=person,
            kind=kind,
            source=source,
            direction=direction_of(kind),
            url=url,
            asset=asset,
            occurred_at=at,
            properties=properties,
        )


def _event_properties(*, rng: random.Random, kind: str) -> dict:
    if kind == EventKind.INTENT_SURGE:
        return {"topic": rng.choice(world.INTENT_TOPICS), "score": rng.randint(60, 99)}
    if kind == EventKind.MEETING:
        return {"topic": rng.choice(world.MEETING_TOPICS)}
    if kind == EventKind.CALL:
        return {"outcome": rng.choice(world.CALL_OUTCOMES)}
    return {}
