from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from apps.accounts.models import Account, Contact
from apps.fit import features
from apps.fit.models import FitModel
from apps.personas.models import Persona
from apps.pipeline.selectors import account_outcomes


def fit_model_active() -> FitModel | None:
    return FitModel.objects.filter(status=FitModel.Status.ACTIVE).first()


def fit_model_list() -> QuerySet[FitModel]:
    return FitModel.objects.select_related("trained_by")


def fit_model_shown(*, models: list[FitModel], version: str | None) -> FitModel | None:
    """The version a page shows: the one asked for (None if there is no such version), else
    the active one."""
    if version:
        return next((m for m in models if str(m.version) == version), None)
    return next((m for m in models if m.status == FitModel.Status.ACTIVE), None)


def persona_names() -> dict[str, str]:
    """Persona id (as the models key it) → name."""
    return {str(pk): name for pk, name in Persona.objects.values_list("pk", "name")}


@dataclass(frozen=True)
class Examples:
    """What a training learns from: each closed account's firmographics and its people's
    persona, buying role and seniority, labelled won (1) or lost (0)."""

    accounts: list[dict[str, str]]
    account_won: list[int]
    people: list[dict[str, str]]
    person_won: list[int]

    @property
    def won_accounts(self) -> int:
        return sum(self.account_won)

    @property
    def lost_accounts(self) -> int:
        return len(self.account_won) - self.won_accounts


def training_examples() -> Examples:
    outcomes = account_outcomes()
    accounts = Account.objects.filter(pk__in=outcomes).values(*features.ACCOUNT_COLUMNS)
    people = (
        Contact.objects.active()
        .filter(account_id__in=outcomes)
        .values(*features.PERSON_COLUMNS)
        .order_by("pk")
    )
    account_rows = list(accounts.order_by("pk"))
    person_rows = list(people)
    return Examples(
        accounts=[features.values_of(row, "account") for row in account_rows],
        account_won=[int(outcomes[row["id"]]) for row in account_rows],
        people=[features.values_of(row, "person") for row in person_rows],
        person_won=[int(outcomes[row["account_id"]]) for row in person_rows],
    )


def closed_account_counts() -> tuple[int, int]:
    """(won, lost) accounts a training would learn from."""
    outcomes = account_outcomes()
    won = sum(outcomes.values())
    return won, len(outcomes) - won


def account_fit_rows(*, account_ids=None) -> Iterator[dict]:
    rows = Account.objects.values(*features.ACCOUNT_COLUMNS, "fit_learned")
    if account_ids is not None:
        rows = rows.filter(pk__in=account_ids)
    return rows.order_by("pk").iterator(chunk_size=2_000)


def person_fit_rows(*, account_ids=None, contact_ids=None) -> Iterator[dict]:
    rows = Contact.objects.values(*features.PERSON_COLUMNS, "person_fit")
    if account_ids is not None:
        rows = rows.filter(account_id__in=account_ids)
    if contact_ids is not None:
        rows = rows.filter(pk__in=contact_ids)
    return rows.order_by("pk").iterator(chunk_size=2_000)


# -- explanations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitExplanation:
    """A fit as a page or the API shows it."""

    fit: int | None  # what scoring reads; None: no fit (a person before any training)
    source: str  # "learned", "manual", or "" (nothing learned yet)
    source_label: str
    learned: int | None
    base: float | None  # the typical example's fit, where the contributions start
    contributions: list[features.Contribution]
    model_version: int | None


@dataclass(frozen=True)
class FitContext:
    """What explaining fits needs besides the record, read once per page or API answer."""

    model: FitModel | None
    persona_names: Mapping[str, str]


def fit_context() -> FitContext:
    model = fit_model_active()
    return FitContext(model=model, persona_names=persona_names() if model else {})


def _explained(part: dict, values: dict[str, str], kind: str, context: FitContext):
    if not part:
        return None
    return features.explain(part, values, kind, context.persona_names)


def account_fit_explain(*, account: Account, context: FitContext) -> FitExplanation:
    model = context.model
    explained = model and _explained(
        model.account_model, features.values_of(account.__dict__, "account"), "account", context
    )
    return FitExplanation(
        fit=account.fit_score,
        source=account.fit_source,
        source_label=account.get_fit_source_display(),
        learned=account.fit_learned,
        base=explained.base if explained else None,
        contributions=explained.contributions if explained else [],
        model_version=model.version if explained else None,
    )


def contact_fit_explain(*, contact: Contact, context: FitContext) -> FitExplanation:
    model = context.model
    explained = model and _explained(
        model.person_model, features.values_of(contact.__dict__, "person"), "person", context
    )
    learned = contact.person_fit if explained else None
    return FitExplanation(
        fit=learned,
        source="learned" if learned is not None else "",
        source_label="Learned" if learned is not None else "Not learned yet",
        learned=learned,
        base=explained.base if explained else None,
        contributions=explained.contributions if explained else [],
        model_version=model.version if explained else None,
    )


@dataclass(frozen=True)
class LevelPoints:
    label: str
    points: float
    examples: int


@dataclass(frozen=True)
class AttributePoints:
    label: str
    levels: list[LevelPoints]


def fit_model_points(*, model: FitModel, names: Mapping[str, str]) -> list[AttributePoints]:
    """Each attribute's learned values with their points for a typical example, best first."""
    table = []
    for kind, part in (("account", model.account_model), ("person", model.person_model)):
        if not part:
            continue
        points = features.level_points(part)
        for attribute in features.attributes_of(kind):
            levels = [
                LevelPoints(
                    label=features.level_label(attribute.name, level, names),
                    points=value,
                    examples=part["counts"].get(attribute.name, {}).get(level, 0),
                )
                for level, value in points.get(attribute.name, {}).items()
            ]
            levels.sort(key=lambda level: -level.points)
            table.append(AttributePoints(label=attribute.label, levels=levels))
    return table


def accounts_set_by_hand() -> dict[str, int]:
    """How many active accounts keep a hand-set fit, and how many of those have a learned fit
    the override hides."""
    manual = Account.objects.active().filter(fit_source=Account.FitSource.MANUAL)
    return manual.aggregate(
        total=Count("pk"), with_learned=Count("pk", filter=Q(fit_learned__isnull=False))
    )
