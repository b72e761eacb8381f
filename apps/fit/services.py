from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.services import accounts_fit_learned_write, contacts_person_fit_write
from apps.core.exceptions import ApplicationError
from apps.engagement.services import accounts_rescore_later
from apps.fit import features, selectors
from apps.fit.models import FitModel
from apps.users.models import User

# Fewer closed accounts of either kind than this teach nothing worth a score.
MIN_CLOSED_ACCOUNTS = 10


def _too_few(won: int, lost: int) -> str:
    if won >= MIN_CLOSED_ACCOUNTS and lost >= MIN_CLOSED_ACCOUNTS:
        return ""
    return (
        f"Too few closed deals to learn from: {won} account{'s' * (won != 1)} won and "
        f"{lost} lost; a fit model needs at least {MIN_CLOSED_ACCOUNTS} of each. "
        "The fit scores stay as they are."
    )


@transaction.atomic
def fit_training_request(*, by: User | None, in_background: bool = True) -> FitModel:
    """A new fit model version, trained on a worker after commit (or now). Refused while there
    are too few won or lost accounts."""
    if problem := _too_few(*selectors.closed_account_counts()):
        raise ApplicationError(problem)
    latest = FitModel.objects.aggregate(latest=Max("version"))["latest"] or 0
    model = FitModel.objects.create(version=latest + 1, requested_at=timezone.now(), trained_by=by)
    if not in_background:
        return fit_model_train(fit_model_id=model.pk)
    from apps.fit.tasks import train_fit_model

    transaction.on_commit(lambda: train_fit_model.delay(model.pk))
    return model


@transaction.atomic
def fit_model_train(*, fit_model_id: int) -> FitModel | None:
    """Train a requested version, make it the active one and apply it; None when it is no
    longer waiting (a second delivery of the task)."""
    from apps.fit.learning import learn  # scikit-learn: workers and commands only

    model = (
        FitModel.objects.select_for_update(skip_locked=True)
        .filter(pk=fit_model_id, status=FitModel.Status.TRAINING)
        .first()
    )
    if model is None:
        return None
    examples = selectors.training_examples()
    model.won_accounts, model.lost_accounts = examples.won_accounts, examples.lost_accounts
    if problem := _too_few(examples.won_accounts, examples.lost_accounts):
        model.status, model.notes = FitModel.Status.FAILED, problem
        model.save()
        return model
    names = [a.name for a in features.ACCOUNT_ATTRIBUTES]
    learned = learn(examples.accounts, examples.account_won, names)
    model.account_model, model.account_auc = learned.model, learned.auc
    model.validation = learned.validation
    model.won_people = sum(examples.person_won)
    model.lost_people = len(examples.person_won) - model.won_people
    notes = []
    if min(model.won_people, model.lost_people) >= MIN_CLOSED_ACCOUNTS:
        names = [a.name for a in features.PERSON_ATTRIBUTES]
        person = learn(examples.people, examples.person_won, names)
        model.person_model, model.person_auc = person.model, person.auc
    else:
        notes.append(
            "Too few people on won and lost accounts to learn a person fit; contacts keep the "
            "persona and buying-role points of the scoring settings."
        )
    model.notes = " ".join(notes)
    FitModel.objects.filter(status=FitModel.Status.ACTIVE).update(status=FitModel.Status.RETIRED)
    model.status, model.trained_at = FitModel.Status.ACTIVE, timezone.now()
    model.save()
    fits_apply()
    return model


@dataclass(frozen=True)
class Applied:
    accounts: int  # learned fits written
    contacts: int
    rescored: int  # accounts queued for rescoring

    @property
    def written(self) -> bool:
        return bool(self.accounts or self.contacts)


def fits_apply(
    *, account_ids: Iterable[int] | None = None, contact_ids: Iterable[int] | None = None
) -> Applied:
    """Write the active model's fits on these accounts (with their people) and contacts, or
    on everyone when none are named; only changed values are written, and the accounts whose
    scores they move are queued for rescoring."""
    model = selectors.fit_model_active()
    if model is None:
        return Applied(0, 0, 0)
    everyone = account_ids is None and contact_ids is None
    accounts: dict[int, int] = {}
    if everyone or account_ids is not None:
        for row in selectors.account_fit_rows(account_ids=account_ids):
            fit = round(features.fit_of(model.account_model, features.values_of(row, "account")))
            if fit != row["fit_learned"]:
                accounts[row["id"]] = fit
    people: dict[int, int | None] = {}
    touched: set[int] = set()
    if everyone:
        person_rows = [selectors.person_fit_rows()]
    else:
        person_rows = [
            selectors.person_fit_rows(**{name: ids})
            for name, ids in (("account_ids", account_ids), ("contact_ids", contact_ids))
            if ids is not None
        ]
    for rows in person_rows:
        for row in rows:
            fit = None
            if model.person_model:
                values = features.values_of(row, "person")
                fit = round(features.fit_of(model.person_model, values))
            if fit != row["person_fit"]:
                people[row["id"]] = fit
                touched.add(row["account_id"])
    moved = accounts_fit_learned_write(fits=accounts) if accounts else set()
    if people:
        contacts_person_fit_write(fits=people)
    rescored = accounts_rescore_later(account_ids=moved | touched) if moved | touched else 0
    return Applied(accounts=len(accounts), contacts=len(people), rescored=rescored)
