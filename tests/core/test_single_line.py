"""Names, titles and subjects stay on one line, whichever way they arrive; a value merged into a
header is folded onto one line anyway."""

import pytest
from django.core.exceptions import ValidationError

from apps.core.validators import fold_to_single_line, single_line
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    CampaignTemplateFactory,
    ContactFactory,
    HolidayFactory,
    JourneyFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
    SequenceFactory,
    StageTransitionFactory,
    StepFactory,
)

# endpoint, a factory for a record it can change, the single-line fields it takes
API_FIELDS = [
    ("accounts", AccountFactory, ["name", "industry", "region"]),
    ("contacts", ContactFactory, ["first_name", "last_name", "title"]),
    ("opportunities", OpportunityFactory, ["name"]),
    ("personas", PersonaFactory, ["name"]),
    ("assets", AssetFactory, ["title"]),
    ("campaigns", CampaignFactory, ["name"]),
    ("journeys", JourneyFactory, ["name"]),
    ("journey-stages", JourneyStageFactory, ["name"]),
    ("stage-transitions", StageTransitionFactory, ["trigger"]),
    ("sequences", SequenceFactory, ["name"]),
    ("sequence-steps", StepFactory, ["subject"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "factory", "field"),
    [
        pytest.param(endpoint, factory, field, id=f"{endpoint}-{field}")
        for endpoint, factory, fields in API_FIELDS
        for field in fields
    ],
)
def test_the_api_refuses_a_line_break_naming_the_field(
    api_client, admin_member, endpoint, factory, field
):
    record = factory()
    before = getattr(record, field)

    response = api_client(admin_member).patch(
        f"/api/v1/{endpoint}/{record.pk}/", {field: "a\nb"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert response.json()["errors"][field] == [single_line.message]
    record.refresh_from_db()
    assert getattr(record, field) == before


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [CampaignTemplateFactory, HolidayFactory, PipelineStageFactory])
def test_records_written_in_admin_only_refuse_it_too(factory):
    record = factory.build(name="Q3\rlaunch")

    with pytest.raises(ValidationError) as refused:
        record.full_clean()

    assert refused.value.message_dict["name"] == [single_line.message]


@pytest.mark.parametrize(
    "value", ["a\nb", "a\r\nb", "tab\there", "nul\x00", "\x85next", "a\u2028b"]
)
def test_line_breaks_and_control_characters_are_refused(value):
    with pytest.raises(ValidationError):
        single_line(value)


def test_ordinary_text_is_welcome():
    single_line("Café Müller — Q3 rollout (EMEA) 50% & more")


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        ("Renewal\nBcc: someone@example.com", "Renewal Bcc: someone@example.com"),
        ("a\r\n\r\nb", "a b"),
        ("tab\there\x00", "tab here "),
        ("line\u2028separator", "line separator"),
        ("Plain subject", "Plain subject"),
    ],
)
def test_the_header_sanitiser_folds_onto_one_line(value, folded):
    assert fold_to_single_line(value) == folded
