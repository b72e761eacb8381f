"""Write the demo world of `apps.demo.world`: through the domain services where they exist,
validated `model_create` for the rest, and one bulk insert for the engagement events."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import Account, Contact
from apps.accounts.services import account_create, contact_create
from apps.campaigns.models import Campaign
from apps.content.models import Asset
from apps.core.exceptions import ApplicationError
from apps.core.services import model_create, model_update
from apps.demo import campaigns, enablement, history, journeys, nurture, signals, world
from apps.demo.selectors import demo_world_counts, demo_world_exists
from apps.demo.synthetic import WEEK
from apps.engagement.models import Event
from apps.journeys.models import JourneyStage
from apps.journeys.services import journey_update
from apps.personas.models import Persona
from apps.personas.selectors import TitleMatch, title_rule_matcher
from apps.pipeline.models import PipelineStage
from apps.pipeline.selectors import pipeline_stage_list
from apps.pipeline.services import opportunity_create, opportunity_move_stage
from apps.starter import selectors as starter_selectors
from apps.starter.services import starter_kit_install
from apps.users.models import Role, User
from apps.users.services import user_create

EVENT_BATCH_SIZE = 500


@dataclass(frozen=True)
class SeedReport:
    created: bool
    counts: dict[str, int]
    password: str = world.DEMO_PASSWORD
    # username, full name, role
    logins: tuple[tuple[str, str, str], ...] = tuple(
        (username, f"{first} {last}", Role(role).label)
        for username, first, last, role, _ in world.USERS
    )


@dataclass
class _Buyer:
    """An account while it is being seeded, with what later steps need to know about it."""

    account: Account
    tier: dict
    deal_count: int
    contacts: list[Contact] = field(default_factory=list)
    # The furthest open deal drives the account's engagement; None when every deal is closed.
    lead_stage: PipelineStage | None = None
    lead_stalled: bool = False
    # Each deal's stays, (stage, when it entered), oldest first: what its history follows.
    deals: list[list[tuple[PipelineStage, datetime]]] = field(default_factory=list)


@transaction.atomic
def demo_world_seed(*, today: date | None = None, seed: int = world.RANDOM_SEED) -> SeedReport:
    """Fill the database with the demo world, once, on the starter kit (installed first where it
    is missing); a second run finds the world and writes nothing.

    Every time is counted back from midnight UTC of `today`, so days-in-stage and event recency
    read the same whenever it runs, and a fixed random seed makes the world the same each time
    (another `seed` draws another world of the same plan, to check that a figure measured on
    the demo is not one world's luck).
    """
    if demo_world_exists():
        return SeedReport(created=False, counts=demo_world_counts())
    _check_no_clash()
    rng = random.Random(seed)
    anchor = datetime.combine(today or timezone.now().date(), time.min, tzinfo=UTC)

    starter_kit_install(at=anchor - timedelta(days=world.JOURNEY_PUBLISHED_DAYS_AGO))
    users = _seed_users()
    marketer = users[world.MARKETER]
    journey_stages, pipeline_stages = _starter_kit(owner=marketer)
    personas = _seed_personas()
    assets = _seed_assets(owner=marketer, journey_stages=journey_stages, personas=personas)
    buyers = _seed_accounts(
        rng=rng, owners=[users[name] for name in world.ACCOUNT_OWNERS], personas=personas
    )
    _seed_opportunities(rng=rng, buyers=buyers, stages=pipeline_stages, anchor=anchor)
    _seed_events(rng=rng, buyers=buyers, assets=assets, stages=pipeline_stages, anchor=anchor)
    _seed_campaigns(owner=marketer, journey_stages=journey_stages, assets=assets, anchor=anchor)
    campaigns.plan_campaigns(journey_stages=journey_stages, personas=personas)
    signals.seed_signals(journey_stages=journey_stages, personas=personas, anchor=anchor)
    nurture.seed_nurture(journey_stages=journey_stages, now=anchor)
    journeys.seed_playbook(stages=journey_stages, personas=personas, owner=marketer, anchor=anchor)
    enablement.seed_enablement(anchor=anchor)
    return SeedReport(created=True, counts=demo_world_counts())


def _check_no_clash() -> None:
    """Refuse, before writing anything, a database whose users the demo would duplicate."""
    usernames = [username for username, *_ in world.USERS]
    taken = list(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise ApplicationError(
            f"This database already has users {', '.join(taken)} that the demo world would "
            "duplicate; seed the demo into a fresh database."
        )


def _starter_kit(*, owner: User) -> tuple[dict[str, JourneyStage], list[PipelineStage]]:
    """The starter kit's journey stages (by slug) and pipeline that the demo builds on, with the
    journey handed to the demo's marketer; refused when the database has its own instead."""
    journey = starter_selectors.template_journey()
    stages = starter_selectors.template_stages(journey=journey)
    pipeline = list(pipeline_stage_list())
    missing = sorted(
        ({slug for _, slug, *_ in world.ASSETS} - stages.keys())
        | (world.OPPORTUNITY_STAGE_MIX.keys() - {stage.name for stage in pipeline})
    )
    if missing:
        raise ApplicationError(
            f"This database has its own journey or pipeline ({', '.join(missing)} missing from "
            "the starter kit's) that the demo world does not fit; seed the demo into a fresh "
            "database."
        )
    journey_update(journey=journey, data={"owner": owner}, changed_by=owner)
    return stages, pipeline


def _seed_users() -> dict[str, User]:
    users = {}
    for username, first_name, last_name, role, time_zone in world.USERS:
        user = user_create(
            username=username,
            email=f"{username}@{world.EMAIL_DOMAIN}",
            password=world.DEMO_PASSWORD,
            role=role,
            first_name=first_name,
            last_name=last_name,
            time_zone=time_zone,
        )
        if username == world.SUPERUSER:
            user, _ = model_update(
                instance=user, fields=["is_superuser"], data={"is_superuser": True}
            )
        users[username] = user
    return users


def _seed_personas() -> dict[str, Persona]:
    return {key: model_create(model=Persona, data=data) for key, data in world.PERSONAS.items()}


def _seed_assets(
    *, owner: User, journey_stages: dict[str, JourneyStage], personas: dict[str, Persona]
) -> list[Asset]:
    assets = []
    for asset_type, stage, persona_keys, title, summary in world.ASSETS:
        if title in world.DRAFT_ASSETS:
            status = Asset.Status.DRAFT
        elif title in world.RETIRED_ASSETS:
            status = Asset.Status.RETIRED
        else:
            status = Asset.Status.PUBLISHED
        url = (
            f"{world.CONTENT_SITE}/{world.ASSET_FOLDERS[asset_type]}/{slugify(title)}"
            if status != Asset.Status.DRAFT
            else ""
        )
        data = {
            "title": title,
            "asset_type": asset_type,
            "journey_stage": journey_stages[stage],
            "personas": [personas[key] for key in persona_keys],
            "summary": summary,
            "url": url,
            "status": status,
            "owner": owner,
        }
        assets.append(model_create(model=Asset, data=data))
    return assets


def _seed_accounts(
    *, rng: random.Random, owners: list[User], personas: dict[str, Persona]
) -> list[_Buyer]:
    names = rng.sample(world.ACCOUNT_NAMES, k=sum(tier["accounts"] for tier in world.TIERS))
    regions = list(world.REGIONS)
    buyers: list[_Buyer] = []
    seniority_of = title_rule_matcher()  # the starter kit's rules give each title its seniority
    for tier in world.TIERS:
        for index in range(tier["accounts"]):
            suffix, industry = rng.choice(world.ACCOUNT_SECTORS)
            name = f"{names[len(buyers)]} {suffix}"
            region = rng.choices(regions, weights=world.REGION_WEIGHTS)[0]
            # Headquartered in one of the region's places (each person is in their own).
            zones = world.REGIONS[region]
            country, subdivision = world.ZONE_PLACES[zones[len(buyers) % len(zones)]]
            employees = rng.randint(*tier["employees"])
            revenue = employees * rng.randint(*world.REVENUE_PER_EMPLOYEE_KUSD) * 1000
            account = account_create(
                data={
                    "name": name,
                    "domain": f"{slugify(name)}{world.DOMAIN_SUFFIX}",
                    "industry": industry,
                    "region": region,
                    "country": country,
                    "subdivision": subdivision,
                    "employee_count": employees,
                    "annual_revenue": Decimal(revenue),
                    "tier": tier["tier"],
                    "is_target": tier["is_target"],
                    "fit_score": rng.randint(*tier["fit"]),
                    "owner": owners[len(buyers) % len(owners)],
                }
            )
            deals = tier["opportunities"]
            buyer = _Buyer(account=account, tier=tier, deal_count=deals[index % len(deals)])
            buyer.contacts = _seed_committee(
                rng=rng,
                account=account,
                size=rng.randint(*tier["committee"]),
                personas=personas,
                time_zones=world.REGIONS[region],
                seniority_of=seniority_of,
            )
            buyers.append(buyer)
    return buyers


def _seed_committee(
    *,
    rng: random.Random,
    account: Account,
    size: int,
    personas: dict[str, Persona],
    time_zones: tuple[str, ...],
    seniority_of: Callable[[str], TitleMatch],
) -> list[Contact]:
    contacts, names_taken = [], set()
    consents, weights = list(world.CONSENT_WEIGHTS), list(world.CONSENT_WEIGHTS.values())
    for seat, (persona_key, buying_role, titles) in enumerate(world.COMMITTEE_SEATS[:size]):
        name = (rng.choice(world.FIRST_NAMES), rng.choice(world.LAST_NAMES))
        while name in names_taken:
            name = (rng.choice(world.FIRST_NAMES), rng.choice(world.LAST_NAMES))
        names_taken.add(name)
        first_name, last_name = name
        # The champion is the one we already talk to: always opted in.
        consent = Contact.Consent.OPTED_IN if seat == 0 else rng.choices(consents, weights)[0]
        title = rng.choice(titles)
        time_zone = rng.choice(time_zones)
        contact = contact_create(
            data={
                "account": account,
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{first_name}.{last_name}@{account.domain}".lower(),
                "title": title,
                "persona": personas[persona_key],
                "buying_role": buying_role,
                "seniority": seniority_of(title).seniority,
                "consent": consent,
                "time_zone": time_zone,
                "country": world.ZONE_PLACES[time_zone][0],
                "subdivision": world.ZONE_PLACES[time_zone][1],
            }
        )
        contacts.append(contact)
    return contacts


def _seed_opportunities(
    *, rng: random.Random, buyers: list[_Buyer], stages: list[PipelineStage], anchor: datetime
) -> None:
    """Deals end in the stages of `OPPORTUNITY_STAGE_MIX`, each with a history built by moving it
    through the pipeline at past times, exactly as a rep's moves would have recorded it."""
    by_name = {stage.name: stage for stage in stages}
    plan = [name for name, count in world.OPPORTUNITY_STAGE_MIX.items() for _ in range(count)]
    rng.shuffle(plan)
    open_stages = [stage for stage in stages if not stage.is_closed]
    dealt = 0
    for buyer in buyers:
        for product in rng.sample(world.PRODUCT_LINES, k=buyer.deal_count):
            final = by_name[plan[dealt % len(plan)]]
            dealt += 1
            stalled = not final.is_closed and rng.random() < world.STALLED_SHARE
            _seed_deal(
                rng=rng,
                buyer=buyer,
                name=f"{buyer.account.name} – {product}",
                stays=_stage_path(rng=rng, final=final, open_stages=open_stages),
                stalled=stalled,
                open_stages=open_stages,
                anchor=anchor,
            )
            lead = buyer.lead_stage
            if not final.is_closed and (lead is None or final.position > lead.position):
                buyer.lead_stage, buyer.lead_stalled = final, stalled


def _seed_deal(
    *,
    rng: random.Random,
    buyer: _Buyer,
    name: str,
    stays: list[tuple[PipelineStage, str]],
    stalled: bool,
    open_stages: list[PipelineStage],
    anchor: datetime,
) -> None:
    final = stays[-1][0]
    starts = _stay_starts(rng=rng, stays=stays, stalled=stalled, anchor=anchor)
    if final.is_closed:
        expected_close = starts[-1].date()
    elif stalled:
        expected_close = anchor.date() - timedelta(days=rng.randint(5, 40))  # it slipped
    else:
        stages_to_go = len(open_stages) - open_stages.index(final)
        expected_close = anchor.date() + timedelta(days=rng.randint(15, 45) * stages_to_go)
    owner = buyer.account.owner
    low, high = buyer.tier["deal_size"]
    opportunity = opportunity_create(
        data={
            "account": buyer.account,
            "name": name,
            "owner": owner,
            "stage": stays[0][0],
            "amount": Decimal(rng.randrange(low, high + 1, 500)),
            "expected_close_date": expected_close,
        },
        created_by=owner,
        at=starts[0],
    )
    for (stage, note), at in zip(stays[1:], starts[1:], strict=True):
        opportunity = opportunity_move_stage(
            opportunity=opportunity, stage=stage, changed_by=owner, at=at, note=note
        )
    buyer.deals.append([(stage, at) for (stage, _), at in zip(stays, starts, strict=True)])


def _stage_path(
    *, rng: random.Random, final: PipelineStage, open_stages: list[PipelineStage]
) -> list[tuple[PipelineStage, str]]:
    """The stays of one deal, oldest first, each with the note of the move into it: one to four
    stays, some skipping a stage, a few sent back a stage when a new stakeholder joins."""
    if final.is_closed:
        last_open = (
            len(open_stages) - 1
            if final.outcome == PipelineStage.Outcome.WON
            else rng.randrange(len(open_stages))
        )
        earlier = rng.randint(0, min(2, last_open))
    else:
        last_open = open_stages.index(final)
        if 0 < last_open < len(open_stages) - 1 and rng.random() < world.MOVE_BACK_SHARE:
            before, after = open_stages[last_open - 1], open_stages[last_open + 1]
            return [(before, ""), (final, ""), (after, ""), (final, world.MOVE_BACK_NOTE)]
        earlier = rng.randint(0, min(3, last_open))
    path = open_stages[last_open - earlier : last_open + 1]
    if len(path) >= 3 and rng.random() < world.SKIP_SHARE:
        del path[rng.randrange(1, len(path) - 1)]
    stays = [(stage, "") for stage in path]
    if final.outcome == PipelineStage.Outcome.WON:
        stays.append((final, world.WON_NOTE))
    elif final.outcome == PipelineStage.Outcome.LOST:
        stays.append((final, rng.choice(world.LOSS_REASONS)))
    return stays


def _stay_starts(
    *,
    rng: random.Random,
    stays: list[tuple[PipelineStage, str]],
    stalled: bool,
    anchor: datetime,
) -> list[datetime]:
    """When each stay began, counted back from the last: earlier stays within their stage's
    limit, the current one within it too unless the deal is stalled (two to three times over)."""
    final = stays[-1][0]
    limit = final.max_days_in_stage
    if final.is_closed:
        days = rng.randint(3, 120)
    elif stalled:
        days = rng.randint(2 * limit, 3 * limit)
    else:
        days = rng.randint(1, limit - 2)  # a day short, since `today` is already under way
    start = anchor - timedelta(days=days, minutes=rng.randint(60, 600))
    starts = [start]
    for stage, _ in reversed(stays[:-1]):
        start -= timedelta(
            days=rng.randint(3, stage.max_days_in_stage - 4), minutes=rng.randint(0, 480)
        )
        starts.append(start)
    return starts[::-1]


def _seed_events(
    *,
    rng: random.Random,
    buyers: list[_Buyer],
    assets: list[Asset],
    stages: list[PipelineStage],
    anchor: datetime,
) -> None:
    """A year of signals (`apps.demo.history`): each account's buyers follow its hidden buying
    states, which led to its deals; the accounts of stalled deals went quiet."""
    pools: dict[str, list[Asset]] = {}  # by asset type and by journey phase
    for asset in assets:
        if asset.status == Asset.Status.PUBLISHED:
            pools.setdefault(asset.asset_type, []).append(asset)
            pools.setdefault(asset.journey_stage.phase, []).append(asset)
    open_stages = [stage for stage in stages if not stage.is_closed]
    start = anchor - world.HISTORY_WEEKS * WEEK
    states = np.random.default_rng(rng.getrandbits(32))
    links = [
        history.CampaignLinks(
            utm_code=spec["utm_code"],
            medium=spec["channel"],
            start=anchor + timedelta(days=spec["starts_in_days"]),
            end=anchor + timedelta(days=spec["ends_in_days"] + 1),
            asset_types=frozenset(spec["asset_types"]),
        )
        for spec in world.CAMPAIGNS
    ]
    signals = history.DemoSignals(
        pools=pools, rng=states, pick=rng, start=start, weeks=world.HISTORY_WEEKS,
        pipeline=open_stages, campaigns=links,
    )  # fmt: skip
    for buyer in buyers:
        state, previous, stage_no = history.buying_states(
            rng=states,
            start=start,
            weeks=world.HISTORY_WEEKS,
            deals=buyer.deals,
            open_stages=open_stages,
            propensity=buyer.account.fit_score / 200,
        )
        signals.account_history(buyer.account, buyer.contacts, state, previous, stage_no)
    quiet_after = {}
    for buyer in buyers:
        if buyer.lead_stage and buyer.lead_stalled:
            quiet = buyer.lead_stage.max_days_without_activity + world.STALLED_QUIET_EXTRA_DAYS
            quiet_after[buyer.account.pk] = anchor - timedelta(days=quiet)
    events = sorted(
        (e for e in signals.events if e.occurred_at <= quiet_after.get(e.account.pk, anchor)),
        key=lambda e: (e.account.pk, e.occurred_at),
    )
    numbers: dict[int, int] = {}
    for event in events:
        numbers[event.account.pk] = number = numbers.get(event.account.pk, 0) + 1
        event.external_id = f"demo-{event.account.domain}-{number:04d}"
    Event.objects.bulk_create(events, batch_size=EVENT_BATCH_SIZE)


def _seed_campaigns(
    *,
    owner: User,
    journey_stages: dict[str, JourneyStage],
    assets: list[Asset],
    anchor: datetime,
) -> None:
    for spec in world.CAMPAIGNS:
        goal = journey_stages[spec["goal_stage"]]
        # Content from the goal's phase, a couple of each requested type in turn.
        fitting = {
            asset_type: [
                a
                for a in assets
                if a.asset_type == asset_type
                and a.status == Asset.Status.PUBLISHED
                and a.journey_stage.phase == goal.phase
            ]
            for asset_type in spec["asset_types"]
        }
        mix = [a for kind in spec["asset_types"] for a in fitting[kind][:2]]
        budget = Decimal(spec["budget"])
        baseline = spec["kpi_baseline"]
        model_create(
            model=Campaign,
            data={
                "name": spec["name"],
                "owner": owner,
                "goal_stage": goal,
                "objective": spec["objective"],
                "kpi": spec["kpi"],
                "kpi_target": Decimal(spec["kpi_target"]),
                "kpi_baseline": Decimal(baseline) if baseline is not None else None,
                "channels": [spec["channel"]],
                "assets": mix[: world.CAMPAIGN_MAX_ASSETS],
                "start_date": anchor.date() + timedelta(days=spec["starts_in_days"]),
                "end_date": anchor.date() + timedelta(days=spec["ends_in_days"]),
                "budget": budget,
                "actual_spend": (budget * Decimal(str(spec["spent_share"]))).quantize(
                    Decimal("0.01")
                ),
                "status": spec["status"],
                "utm_code": spec["utm_code"],
            },
        )
