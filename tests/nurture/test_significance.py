import pytest

from apps.nurture.significance import Arm, two_proportion_p_value, verdict


@pytest.mark.parametrize(
    ("a", "b", "p_value"),
    [
        ((100, 1000), (130, 1000), 0.0355),  # z = 2.10
        ((100, 1000), (110, 1000), 0.4657),  # z = 0.73
        ((20, 200), (40, 200), 0.0051),  # z = 2.80
        ((0, 150), (0, 150), 1.0),  # nobody clicked either
    ],
)
def test_the_p_value_of_known_pairs(a, b, p_value):
    assert two_proportion_p_value(
        hits_a=a[0], sent_a=a[1], hits_b=b[0], sent_b=b[1]
    ) == pytest.approx(p_value, abs=5e-5)
    assert two_proportion_p_value(
        hits_a=b[0], sent_a=b[1], hits_b=a[0], sent_b=a[1]
    ) == pytest.approx(p_value, abs=5e-5)


def test_a_clear_leader_is_named_with_its_confidence():
    arms = [Arm("A", 1000, 100), Arm("B", 1000, 130)]
    assert verdict(arms, metric="clicks").text == "B beats A on clicks (95% confidence)"
    assert verdict(arms, metric="clicks").leader == "B"


def test_a_small_gap_is_no_clear_difference():
    result = verdict([Arm("A", 1000, 100), Arm("B", 1000, 110)], metric="replies")
    assert (result.text, result.leader) == ("No clear difference on replies yet", None)


def test_fewer_than_a_hundred_sends_in_any_variant_gives_no_verdict():
    result = verdict([Arm("A", 99, 0), Arm("B", 1000, 500)], metric="clicks")
    assert result.text == "Not enough data yet (need ≥ 100 sends each)"


def test_with_three_variants_the_leader_must_beat_both_at_the_stricter_threshold():
    # B against A alone would pass at 95 % (p = 0.036) but not at 0.05 / 2.
    assert verdict(
        [Arm("A", 1000, 100), Arm("B", 1000, 130), Arm("C", 1000, 60)], metric="clicks"
    ).text == ("No clear difference on clicks yet")
    assert (
        verdict([Arm("A", 1000, 60), Arm("B", 1000, 130), Arm("C", 1000, 70)], metric="clicks").text
        == "B beats A and C on clicks (95% confidence)"
    )


def test_a_step_without_a_test_has_no_verdict():
    assert verdict([Arm("A", 500, 50)], metric="clicks").text == ""
