from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.fit.models import FitModel
from apps.fit.services import fit_training_request
from apps.users.models import User


class Command(BaseCommand):
    help = (
        "Train a new fit model from won and lost accounts, make it the active one and write "
        "its fits on every account and contact."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Email or username of who trains it.")

    def handle(self, *args, user=None, **options):
        by = None
        if user:
            by = (
                User.objects.filter(email__iexact=user).first()
                or User.objects.filter(username=user).first()
            )
            if by is None:
                raise CommandError(f"No user {user!r}.")
        try:
            model = fit_training_request(by=by, in_background=False)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if model.status != FitModel.Status.ACTIVE:
            raise CommandError(model.notes)
        auc = "—" if model.account_auc is None else f"{model.account_auc:.3f}"
        person_auc = "—" if model.person_auc is None else f"{model.person_auc:.3f}"
        self.stdout.write(
            f"Fit model v{model.version} active: learned from {model.won_accounts} won and "
            f"{model.lost_accounts} lost accounts ({model.won_people} and "
            f"{model.lost_people} people); account AUC {auc}, person AUC {person_auc} "
            f"({model.validation or 'not validated'})."
        )
