from django.db import transaction
from django.utils import timezone

from apps.content.models import Asset
from apps.content.services import opportunity_visible_to
from apps.core.exceptions import ApplicationError
from apps.core.mentions import Mentions
from apps.core.services import model_create
from apps.enablement.models import AssetRecommendation, DealObjection
from apps.personas.models import Persona
from apps.pipeline.models import Opportunity
from apps.pipeline.services import opportunity_work_check
from apps.users.models import User


@transaction.atomic
def deal_objection_record(
    *, opportunity: Opportunity, text: str, recorded_by: User, persona: Persona | None = None
) -> DealObjection:
    """An objection the deal's owner (or a sales manager) heard on it."""
    opportunity_work_check(
        opportunity=opportunity, user=recorded_by, doing="record objections on it"
    )
    if opportunity.stage.is_closed or not opportunity_visible_to(
        opportunity=opportunity, user=recorded_by
    ):
        raise ApplicationError(
            "The objection cannot be recorded.",
            fields={"opportunity": ["Choose an open opportunity you can see."]},
        )
    return model_create(
        model=DealObjection,
        data={
            "opportunity": opportunity,
            "persona": persona,
            "text": text.strip(),
            "recorded_by": recorded_by,
            "recorded_at": timezone.now(),
        },
    )


def asset_recommendations_record_later(*, opportunity: Opportunity, assets: list[Asset]) -> None:
    """Count the assets a workspace shows as recommended on the deal, in a worker once the
    reading request is over: reading a workspace writes nothing."""
    from apps.enablement.tasks import record_recommendations

    if assets:
        asset_ids = [asset.pk for asset in assets]
        transaction.on_commit(lambda: record_recommendations.delay(opportunity.pk, asset_ids))


def asset_recommendations_record(*, opportunity_id: int, asset_ids: list[int]) -> None:
    """Count the assets as recommended on the deal; a pair already counted stays as it was, and
    a deal or asset deleted meanwhile is left out."""
    if not Opportunity.objects.filter(pk=opportunity_id).exists():
        return
    now = timezone.now()
    AssetRecommendation.objects.bulk_create(
        [
            AssetRecommendation(
                asset_id=asset_id, opportunity_id=opportunity_id, first_recommended_at=now
            )
            for asset_id in Asset.objects.filter(pk__in=asset_ids).values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def objections_erase_mentions(*, mentions: Mentions) -> dict[str, int]:
    """Rewrite the objections reps noted that name a person, for GDPR erasure."""
    return {"deal objections": mentions.scrub_rows(DealObjection.objects.all(), ["text"])}
