from django.db import transaction

from apps.content.models import Asset
from apps.core.services import model_create, model_update

ASSET_FIELDS = [
    "title",
    "asset_type",
    "journey_stage",
    "personas",
    "summary",
    "url",
    "file",
    "status",
    "owner",
]


@transaction.atomic
def asset_create(*, data: dict) -> Asset:
    return model_create(model=Asset, data=data)


@transaction.atomic
def asset_update(*, asset: Asset, data: dict) -> Asset:
    return model_update(instance=asset, fields=ASSET_FIELDS, data=data)[0]


@transaction.atomic
def asset_delete(*, asset: Asset) -> None:
    """Remove an asset with its share log; events and steps that used it keep their rows."""
    asset.delete()
