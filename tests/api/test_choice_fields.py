from apps.accounts.api.serializers import AccountSerializer, ContactSerializer


def test_long_choice_lists_are_read_once_not_for_every_answer():
    """Every answer builds its serializer's fields anew; the tables of 250 countries and 600
    time zones behind two of them were half a bare list's time."""
    for serializer, name in (
        (ContactSerializer, "time_zone"),
        (ContactSerializer, "country"),
        (AccountSerializer, "country"),
    ):
        first, second = serializer().fields[name], serializer().fields[name]
        assert first.choice_strings_to_values is second.choice_strings_to_values
        assert first.to_internal_value("DE" if name == "country" else "Europe/Berlin")


def test_short_choice_lists_still_are_the_fields_own():
    assert ContactSerializer().fields["consent"].choices == {
        "opted_in": "Opted in",
        "unknown": "Unknown",
        "opted_out": "Opted out",
    }
