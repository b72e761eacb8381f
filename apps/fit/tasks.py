"""Thin Celery tasks: each imports its service when it runs and calls it."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="fit.train_fit_model",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def train_fit_model(fit_model_id: int) -> int | None:
    """Train a requested fit model version (once: a second delivery finds it trained)."""
    from apps.fit.services import fit_model_train

    model = fit_model_train(fit_model_id=fit_model_id)
    return model and model.version


@shared_task(name="fit.apply_fit_model")
def apply_fit_model() -> int:
    """Nightly: the active model's fits for every account and contact, catching records
    changed outside the services (admin, raw imports); returns how many fits changed."""
    from apps.fit.services import fits_apply

    applied = fits_apply()
    return applied.accounts + applied.contacts
