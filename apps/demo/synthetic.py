"""A generated world with a hidden ground truth, to check that calibration learns what buys.

The truth is not Waymark's rules. Each account has a hidden propensity to buy and a hidden
buying state that moves week by week (a Markov chain with its own rates):

    dormant → researching → evaluating → in a deal → (won or lost) → dormant
                  ↘ dormant      ↘ dormant (stalled)

- What buyers do depends on the state: pricing page views and demo requests come far more
  from evaluating accounts, product pages from researching and evaluating ones, meetings the
  buyer books and the deal's own signals from accounts in a deal (by pipeline stage). Blog
  visits, newsletter opens and webinars are plentiful noise, the same in every state; each
  person has a noise appetite of their own. Only some people of an account (its buying
  committee) act on its intent.
- Sellers chase hot accounts: their emails and calls follow the state a week late.
- A deal opens from the evaluating state, moves through the pipeline and is won (likelier
  for high-propensity accounts) or lost; closing starts a new buying cycle for its people.
  MQL handoffs are raised for committee members of evaluating accounts (accepted) and now and
  then for anyone (rejected, and the person recycled).
- An account's fit score only half reflects its propensity.

The starter kit's weights are wrong-ish here (webinars weigh 4 and count for nothing; pricing
views weigh 6 and say most), so calibration has something to learn. Nothing in Waymark reads
the hidden state: it lives only in this module's local variables.

Everything is written set-based (bulk_create), next to whatever the database already holds.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import transaction

from apps.accounts.models import Account, Contact
from apps.core.exceptions import ApplicationError
from apps.engagement.models import (
    Direction,
    Event,
    EventKind,
    EventSource,
    Handoff,
    default_direction,
)
from apps.personas.models import BuyingRole
from apps.pipeline.models import Opportunity, PipelineStage, StageChange
from apps.users.models import Role, User
from apps.users.services import user_create

DORMANT, RESEARCHING, EVALUATING, IN_DEAL = range(4)
WEEK = timedelta(days=7)
# Weeks simulated before the history starts, so the states are mixed when it does.
BURN_IN_WEEKS = 26
BATCH_SIZE = 2_000
OWNER = "synthetic-sales"

# Per week: dormant → researching (a base rate plus the propensity's share), researching →
# evaluating or back, evaluating → a deal or back (stalled).
START_RESEARCH = (0.004, 0.03)
RESEARCH_TO_EVALUATE, RESEARCH_GIVES_UP = 0.12, 0.05
EVALUATE_TO_DEAL, EVALUATE_STALLS = 0.18, 0.05
DEAL_ADVANCES, DEAL_LOST_WEEKLY = 0.35, 0.03
# The share of an account's people who act on its intent (its buying committee).
COMMITTEE_SHARE = 0.7
# Won at the end of the pipeline: a base chance plus the propensity's share.
WIN_CHANCE = (0.3, 0.5)

# Per person and week, by hidden state (dormant, researching, evaluating, in a deal).
# Committee members act on the account's intent; everyone makes the noise.
INTENT_RATES = {
    EventKind.PRODUCT_PAGE_VIEW: (0.04, 1.0, 1.2, 0.5),
    EventKind.PRICING_PAGE_VIEW: (0.01, 0.08, 0.8, 0.4),
    EventKind.DEMO_REQUEST: (0.001, 0.01, 0.12, 0.03),
    EventKind.CONTENT_DOWNLOAD: (0.06, 0.2, 0.12, 0.05),
    EventKind.MEETING: (0.0, 0.0, 0.04, 0.4),
}
NOISE_RATES = {
    EventKind.PAGE_VIEW: 0.5,
    EventKind.EMAIL_OPEN: 0.7,
    EventKind.EMAIL_CLICK: 0.1,
    EventKind.WEBINAR_ATTENDED: 0.1,
}
# Per account and week: intent-topic surges (about the account, no person).
SURGE_RATES = (0.05, 0.3, 0.35, 0.15)
# Per person and week, by the account's state the week before: sellers chase what they see.
SELLER_RATES = {
    EventKind.EMAIL_SENT: (0.15, 0.25, 0.6, 1.2),
    EventKind.CALL: (0.02, 0.05, 0.2, 0.4),
}
# Per committee member and week of an evaluating account, and per anyone and week at random.
MQL_RAISED, MQL_RANDOM = 0.06, 0.002
PATHS = {
    EventKind.PAGE_VIEW: ("/blog/close-faster", "/blog/ap-benchmarks", "/blog/month-end"),
    EventKind.PRODUCT_PAGE_VIEW: ("/product/invoice-capture", "/product/approvals"),
    EventKind.PRICING_PAGE_VIEW: ("/pricing",),
    EventKind.DEMO_REQUEST: ("/demo",),
    EventKind.CONTENT_DOWNLOAD: ("/resources/benchmark",),
    EventKind.EMAIL_CLICK: ("/lp/newsletter",),
}
SOURCES = {
    EventKind.EMAIL_OPEN: EventSource.EMAIL,
    EventKind.EMAIL_CLICK: EventSource.EMAIL,
    EventKind.EMAIL_SENT: EventSource.EMAIL,
    EventKind.MEETING: EventSource.CRM,
    EventKind.CALL: EventSource.CRM,
    EventKind.INTENT_SURGE: EventSource.INTENT,
}
ROLES = [role for role, _ in BuyingRole.choices] + [""]
INDUSTRIES = ("Manufacturing", "Logistics", "Retail", "Healthcare", "Software")


def direction_of(kind: str) -> str:
    """The buyer books some meetings themselves (a scheduling link): those are theirs."""
    return Direction.BUYER if kind == EventKind.MEETING else default_direction(kind)


@dataclass(frozen=True)
class WorldReport:
    accounts: int
    contacts: int
    events: int
    opportunities: int
    won: int
    handoffs: int
    start: datetime
    end: datetime


@dataclass
class _Deal:
    account_id: int
    created_at: datetime
    stays: list  # (stage, entered_at)
    closed_at: datetime | None = None


def world_generate(*, accounts: int, seed: int, weeks: int = 56, today=None) -> WorldReport:
    """Accounts with their people, a `weeks`-long history of events, deals and handoffs up to
    `today` (now), drawn from the hidden truth above with `seed`. Needs the starter kit."""
    stages = list(PipelineStage.objects.order_by("position"))
    pipeline = [s for s in stages if s.outcome == PipelineStage.Outcome.OPEN]
    won = next((s for s in stages if s.outcome == PipelineStage.Outcome.WON), None)
    lost = next((s for s in stages if s.outcome == PipelineStage.Outcome.LOST), None)
    if not pipeline or won is None or lost is None:
        raise ApplicationError("Install the starter kit first (manage.py install_starter_kit).")
    prefix = f"w{seed}-"
    if Account.objects.filter(domain__startswith=prefix, domain__endswith=".synthetic.example"):
        raise ApplicationError(f"The world of seed {seed} is already in this database.")
    end = (today or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = end - weeks * WEEK
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    with transaction.atomic():
        owner = User.objects.filter(username=OWNER).first() or user_create(
            username=OWNER, email=f"{OWNER}@waymark.test", password=None, role=Role.SALES
        )
        propensity = rng.beta(2, 5, size=accounts)
        firms = Account.objects.bulk_create(
            (
                Account(
                    name=f"Synthetic {seed}-{n}",
                    domain=f"{prefix}{n}.synthetic.example",
                    industry=pick.choice(INDUSTRIES),
                    tier=pick.choice((1, 2, 3)),
                    employee_count=int(rng.integers(20, 5000)),
                    fit_score=int(np.clip(100 * (propensity[n] + rng.uniform(0, 0.5)), 0, 100)),
                    owner=owner,
                )
                for n in range(accounts)
            ),
            batch_size=BATCH_SIZE,
        )
        people = Contact.objects.bulk_create(
            (
                Contact(
                    account=firm,
                    first_name="Sam",
                    last_name=f"Synthetic {n}-{k}",
                    email=f"p{k}@{firm.domain}",
                    buying_role=pick.choice(ROLES),
                )
                for n, firm in enumerate(firms)
                for k in range(int(rng.integers(2, 9)))
            ),
            batch_size=BATCH_SIZE,
        )
        Account.objects.filter(pk__in=[f.pk for f in firms]).update(created_at=start)
        Contact.objects.filter(pk__in=[p.pk for p in people]).update(created_at=start)
        members: dict[int, list[Contact]] = {}
        for person in people:
            members.setdefault(person.account_id, []).append(person)
        world = _History(rng=rng, pick=pick, start=start, weeks=weeks, pipeline=pipeline)
        for n, firm in enumerate(firms):
            world.account(firm, members[firm.pk], propensity[n])
        Event.objects.bulk_create(world.events, batch_size=BATCH_SIZE)
        deals = world.write_deals(owner=owner, won=won, lost=lost)
        Handoff.objects.bulk_create(world.handoffs_raised, batch_size=BATCH_SIZE)
        _start_cycles(world.cycles)
    return WorldReport(
        accounts=len(firms),
        contacts=len(people),
        events=len(world.events),
        opportunities=deals,
        won=world.won,
        handoffs=len(world.handoffs_raised),
        start=start,
        end=end,
    )


class Signals:
    """What an account's people (and its sellers) do week by week, given its hidden buying
    states: shared by the generated worlds and the demo world (`apps.demo.history`), which
    draw the states their own way. `event` dresses one event (a world may override it, or
    return None to leave the event out); `handoffs` may raise MQLs for a person."""

    # Per person and week by state (intent, seller) or per person and week (noise), per account
    # and week by state (surges): a world may add kinds of its own.
    intent_rates = INTENT_RATES
    noise_rates = NOISE_RATES
    seller_rates = SELLER_RATES
    surge_rates = SURGE_RATES

    def __init__(self, *, rng, pick, start: datetime, weeks: int, pipeline: list) -> None:
        self.rng, self.pick = rng, pick
        self.start, self.weeks, self.pipeline = start, weeks, pipeline
        self.events: list[Event] = []

    def moment(self, week: int) -> datetime:
        """A random moment in the week (week 0 is the first of the history)."""
        return self.start + week * WEEK + timedelta(seconds=float(self.rng.uniform(0, 604_800)))

    def emit(self, account: Account, person: Contact | None, kind: str, counts) -> None:
        """`counts[w]` events of the kind in week `w`, each at a random moment of it."""
        weeks = np.repeat(np.arange(len(counts)), counts)
        if not len(weeks):
            return
        seconds = weeks * 604_800 + self.rng.uniform(0, 604_800, len(weeks))
        for at in seconds:
            event = self.event(account, person, kind, self.start + timedelta(seconds=float(at)))
            if event is not None:
                self.events.append(event)

    def event(self, account: Account, person: Contact | None, kind: str, at: datetime):
        path = PATHS.get(kind)
        return Event(
            account_id=account.pk,
            contact=person,
            kind=kind,
            source=SOURCES.get(kind, EventSource.WEB),
            direction=direction_of(kind),
            occurred_at=at,
            url=f"https://waymark.example{self.pick.choice(path)}" if path else "",
        )

    def signals(self, account, people, state, previous, stage_no) -> None:
        """Each person's events of each kind, week by week (arrays over the weeks)."""
        rng = self.rng
        committee = [p for p in people if rng.random() < COMMITTEE_SHARE] or people[:1]
        in_deal = state == IN_DEAL
        for person in people:
            appetite = rng.gamma(2.0, 0.5)
            for kind, rate in self.noise_rates.items():
                self.emit(account, person, kind, rng.poisson(rate * appetite, self.weeks))
            for kind, rates in self.seller_rates.items():
                self.emit(account, person, kind, rng.poisson(np.take(rates, previous)))
            acting = person in committee
            for kind, rates in self.intent_rates.items():
                if not acting:
                    self.emit(account, person, kind, rng.poisson(rates[DORMANT], self.weeks))
                    continue
                rate = np.take(rates, state) * np.where(
                    in_deal, self.deal_emphasis(kind, stage_no), 1.0
                )
                self.emit(account, person, kind, rng.poisson(rate))
            self.handoffs(account, person, (state == EVALUATING) & acting)
        self.emit(
            account, None, EventKind.INTENT_SURGE, rng.poisson(np.take(self.surge_rates, state))
        )

    def deal_emphasis(self, kind: str, stage_no: np.ndarray) -> np.ndarray:
        """What a deal's stage brings out: demos while evaluating, meetings over the business
        case, pricing in negotiation (the starter pipeline's order)."""
        late = stage_no / max(1, len(self.pipeline) - 1)
        if kind == EventKind.PRICING_PAGE_VIEW:
            return 0.3 + 2 * late
        if kind == EventKind.DEMO_REQUEST:
            return np.where((stage_no == 1) | (stage_no == 2), 3.0, 0.5)
        if kind == EventKind.MEETING:
            return 0.5 + late
        return np.ones(len(stage_no))

    def handoffs(self, account: Account, person: Contact, hot: np.ndarray) -> None:
        """MQLs raised for the person (`hot`: the weeks they act on an evaluating account)."""


class _History(Signals):
    """The hidden states, week by week, and what they leave behind."""

    def __init__(self, *, rng, pick, start: datetime, weeks: int, pipeline: list) -> None:
        super().__init__(rng=rng, pick=pick, start=start, weeks=weeks, pipeline=pipeline)
        self.deals: list[_Deal] = []
        self.handoffs_raised: list[Handoff] = []
        # contact id → when their current buying cycle began (a deal closed, a recycle).
        self.cycles: dict[int, datetime] = {}
        self.won = 0

    def account(self, account: Account, people: list[Contact], propensity: float) -> None:
        """The account's hidden states week by week (burn-in first), then what they leave."""
        rng = self.rng
        state, deal, stage_no = DORMANT, None, 0
        # Per week of the history: the state, the state the week before, the deal's stage.
        weeks = np.zeros((3, self.weeks), dtype=np.int64)
        for week in range(-BURN_IN_WEEKS, self.weeks):
            previous = state
            if state == DORMANT:
                if rng.random() < START_RESEARCH[0] + START_RESEARCH[1] * propensity:
                    state = RESEARCHING
            elif state == RESEARCHING:
                draw = rng.random()
                if draw < RESEARCH_TO_EVALUATE:
                    state = EVALUATING
                elif draw < RESEARCH_TO_EVALUATE + RESEARCH_GIVES_UP:
                    state = DORMANT
            elif state == EVALUATING:
                draw = rng.random()
                if draw < EVALUATE_TO_DEAL:
                    state, stage_no = IN_DEAL, 0
                    if week >= 0:
                        at = self.moment(week)
                        deal = _Deal(account_id=account.pk, created_at=at, stays=[(0, at)])
                        self.deals.append(deal)
                elif draw < EVALUATE_TO_DEAL + EVALUATE_STALLS:
                    state = DORMANT
            elif state == IN_DEAL:
                state, stage_no = self.progress(deal, week, stage_no, propensity, people)
                if state == DORMANT:
                    deal = None
            if week >= 0:
                weeks[:, week] = (state, previous, stage_no)
        self.signals(account, people, *weeks)

    def progress(self, deal, week: int, stage_no: int, propensity: float, people) -> tuple:
        """A week of a deal: it may advance, be lost, or (past the last stage) close."""
        rng = self.rng
        closing = None
        if rng.random() < DEAL_LOST_WEEKLY:
            closing = "lost"
        elif rng.random() < DEAL_ADVANCES:
            if stage_no + 1 < len(self.pipeline):
                stage_no += 1
                if deal is not None:
                    deal.stays.append((stage_no, self.moment(week)))
            else:
                won = rng.random() < WIN_CHANCE[0] + WIN_CHANCE[1] * propensity
                closing = "won" if won else "lost"
        if closing is None:
            return IN_DEAL, stage_no
        if deal is not None:
            deal.closed_at = max(self.moment(week), deal.stays[-1][1] + timedelta(hours=1))
            deal.stays.append((closing, deal.closed_at))
            self.won += closing == "won"
            for person in people:
                self.cycles[person.pk] = max(
                    self.cycles.get(person.pk, deal.closed_at), deal.closed_at
                )
        return DORMANT, 0

    def handoffs(self, account: Account, person: Contact, hot: np.ndarray) -> None:
        raised = self.rng.random(self.weeks) < np.where(hot, MQL_RAISED, MQL_RANDOM)
        for week in np.flatnonzero(raised):
            self.mql(account, person, bool(hot[week]), int(week))

    def mql(self, account, person, hot: bool, week: int) -> None:
        if self.rng.random() >= (MQL_RAISED if hot else MQL_RANDOM):
            return
        raised = self.moment(week)
        decided = raised + timedelta(days=float(self.rng.uniform(1, 5)))
        accepted = hot
        self.handoffs_raised.append(
            Handoff(
                kind=Handoff.Kind.MQL,
                account_id=account.pk,
                contact=person,
                score=0,
                threshold=0,
                raised_at=raised,
                status=Handoff.Status.ACCEPTED if accepted else Handoff.Status.REJECTED,
                decided_at=decided,
                reason="" if accepted else "Not looking this year.",
            )
        )
        if not accepted:
            self.cycles[person.pk] = max(self.cycles.get(person.pk, decided), decided)

    def write_deals(self, *, owner: User, won: PipelineStage, lost: PipelineStage) -> int:
        def stage_of(step) -> PipelineStage:
            if step == "won":
                return won
            if step == "lost":
                return lost
            return self.pipeline[step]

        opportunities = Opportunity.objects.bulk_create(
            (
                Opportunity(
                    account_id=deal.account_id,
                    name=f"Synthetic deal {n}",
                    owner=owner,
                    stage=stage_of(deal.stays[-1][0]),
                    amount=int(self.rng.integers(10, 200)) * 1_000,
                    stage_entered_at=deal.stays[-1][1],
                    closed_at=deal.closed_at,
                )
                for n, deal in enumerate(self.deals)
            ),
            batch_size=BATCH_SIZE,
        )
        for opportunity, deal in zip(opportunities, self.deals, strict=True):
            opportunity.created_at = deal.created_at
        Opportunity.objects.bulk_update(opportunities, ["created_at"], batch_size=BATCH_SIZE)
        StageChange.objects.bulk_create(
            (
                StageChange(
                    opportunity=opportunity,
                    stage=stage_of(step),
                    from_stage=stage_of(deal.stays[k - 1][0]) if k else None,
                    entered_at=entered,
                    exited_at=deal.stays[k + 1][1] if k + 1 < len(deal.stays) else None,
                )
                for opportunity, deal in zip(opportunities, self.deals, strict=True)
                for k, (step, entered) in enumerate(deal.stays)
            ),
            batch_size=BATCH_SIZE,
        )
        return len(opportunities)


def _start_cycles(cycles: dict[int, datetime]) -> None:
    """Each person's current buying cycle: from their last deal's close or recycle."""
    people = list(Contact.objects.filter(pk__in=cycles).only("pk"))
    for person in people:
        person.buying_cycle_started_at = cycles[person.pk]
    Contact.objects.bulk_update(people, ["buying_cycle_started_at"], batch_size=BATCH_SIZE)
