import smtplib

from celery import shared_task


@shared_task(
    name="journeys.send_review_reminders",
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=60,
    max_retries=5,
)
def send_review_reminders() -> int:
    """Email journey owners whose review fell due (beat runs it daily; repeats are harmless)."""
    from apps.journeys.services import journey_review_reminders_send

    return journey_review_reminders_send()
