from celery import shared_task


@shared_task(name="enablement.record_recommendations")
def record_recommendations(opportunity_id: int, asset_ids: list[int]) -> None:
    """Count the assets a deal's workspace recommended (repeats are harmless: once per pair)."""
    from apps.enablement.services import asset_recommendations_record

    asset_recommendations_record(opportunity_id=opportunity_id, asset_ids=asset_ids)
