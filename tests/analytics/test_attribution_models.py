"""Each attribution model against credit computed by hand on a small path set."""

import numpy as np
import pytest

from apps.analytics import attribution as a

DAY = a.DAY_SECONDS
NONE, A, B, C = 0, 1, 2, 3
STATES = 4

# Path 0 (deal worth 1000, opened on day 10, MQL on day 4): A day 0, B day 3, C day 5, A day 9.
# Path 1 (deal worth 500, opened on day 20, no MQL): B day 18.
# Path 2 (no deal): C day 1, A day 2.
PATH = [0, 0, 0, 0, 1, 2, 2]
AT = [0, 3, 5, 9, 18, 1, 2]
TOUCH_STATES = np.array([A, B, C, A, B, C, A])


def small_paths():
    return a.Paths.build(
        path=np.array(PATH),
        at=np.array(AT) * DAY,
        value=np.array([1000.0, 500.0, 0.0]),
        converted=np.array([True, True, False]),
        converted_at=np.array([10, 20, 30]) * DAY,
        lead_at=np.array([4 * DAY, np.nan, np.nan]),
        opened_at=np.array([10, 20, 30]) * DAY,
    )


def credits(model, **kw):
    result = a.attribute(small_paths(), TOUCH_STATES, state_count=STATES, models=(model,), **kw)
    return result[model]


def assert_credits(got, expected):
    np.testing.assert_allclose(got, expected, atol=1e-9)
    # Credits add up to the converting deals' value: 1000 + 500.
    assert got.sum() == pytest.approx(1500)


def test_first_touch():
    assert_credits(credits(a.FIRST_TOUCH), [0, 1000, 500, 0])


def test_last_touch():
    assert_credits(credits(a.LAST_TOUCH), [0, 1000, 500, 0])


def test_linear():
    # Path 0: 250 each; A twice.
    assert_credits(credits(a.LINEAR), [0, 500, 250 + 500, 250])


def test_u_shaped():
    # Path 0: first A 400, last A 400, B and C 100 each.
    assert_credits(credits(a.U_SHAPED), [0, 800, 100 + 500, 100])


def test_u_shaped_two_touches_split_half():
    paths = a.Paths.build(
        path=np.array([0, 0]),
        at=np.array([0.0, 1.0]),
        value=np.array([10.0]),
        converted=np.array([True]),
        converted_at=np.array([2.0]),
    )
    got = a.attribute(paths, np.array([1, 2]), state_count=3, models=(a.U_SHAPED,))
    np.testing.assert_allclose(got[a.U_SHAPED], [0, 5, 5])


def test_w_shaped():
    # Path 0: first A (day 0) 30 %, lead-creation touch B (day 3, last before the MQL on day 4)
    # 30 %, opportunity-creation touch A (day 9) 30 %, C the 10 % left.
    # Path 1: one touch, all of it.
    assert_credits(credits(a.W_SHAPED), [0, 600, 300 + 500, 100])


def test_w_shaped_without_mql_scales_what_is_there():
    # No MQL: first 0.3, creation 0.3, the two between 0.05 each → scaled by 1/0.7.
    paths = a.Paths.build(
        path=np.array([0, 0, 0, 0]),
        at=np.array([0.0, 1.0, 2.0, 3.0]),
        value=np.array([70.0]),
        converted=np.array([True]),
        converted_at=np.array([4.0]),
    )
    got = a.attribute(paths, np.array([1, 2, 3, 1]), state_count=4, models=(a.W_SHAPED,))
    np.testing.assert_allclose(got[a.W_SHAPED], [0, 60, 5, 5])


def test_time_decay_halves_per_half_life():
    # Path 0 seen from day 10 with a 1-day half-life: ages 10, 7, 5, 1 → weights
    # 2^-10, 2^-7, 2^-5, 2^-1.
    weights = np.array([2**-10, 2**-7, 2**-5, 2**-1])
    shares = weights / weights.sum() * 1000
    expected = [0, shares[0] + shares[3], shares[1] + 500, shares[2]]
    assert_credits(credits(a.TIME_DECAY, half_life_days=1), expected)


def test_time_decay_default_half_life_is_seven_days():
    weights = np.exp2(-np.array([10, 7, 5, 1]) / 7)
    shares = weights / weights.sum() * 1000
    expected = [0, shares[0] + shares[3], shares[1] + 500, shares[2]]
    assert_credits(credits(a.TIME_DECAY), expected)


def known_chain():
    """Paths A→B→conversion, A→null, B→conversion.

    Transitions: start→A 2/3, start→B 1/3; A→B 1/2, A→null 1/2; B→conversion 1.
    P(conversion) = 2/3 · 1/2 + 1/3 = 2/3.
    Without A: start→B 1/3 converts → 1/3, effect 1 − (1/3)/(2/3) = 1/2.
    Without B: nothing converts → effect 1.
    """
    paths = a.Paths.build(
        path=np.array([0, 0, 1, 2]),
        at=np.array([0.0, 1.0, 0.0, 0.0]),
        value=np.array([90.0, 0.0, 30.0]),
        converted=np.array([True, False, True]),
        converted_at=np.array([2.0, 2.0, 2.0]),
    )
    return paths, np.array([1, 2, 1, 2])


def test_markov_removal_effects_on_a_known_chain():
    paths, states = known_chain()
    effects = a.removal_effects(paths, states, state_count=3)
    np.testing.assert_allclose(effects, [0, 0.5, 1.0])


def test_markov_removal_effects_with_a_loop():
    # Paths A→A→conversion, A→null, B→null: A→A 1/3, A→conversion 1/3, A→null 1/3, so
    # P(conversion) from A is 1/2; only A leads to a conversion: effect 1. B never does: 0.
    paths = a.Paths.build(
        path=np.array([0, 0, 1, 2]),
        at=np.zeros(4),
        value=np.array([1.0, 0.0, 0.0]),
        converted=np.array([True, False, False]),
        converted_at=np.ones(3),
    )
    effects = a.removal_effects(paths, np.array([1, 1, 1, 2]), state_count=3)
    np.testing.assert_allclose(effects, [0, 1.0, 0.0])


def test_data_driven_splits_each_deal_by_removal_effect():
    paths, states = known_chain()
    got = a.attribute(paths, states, state_count=3, models=(a.DATA_DRIVEN,))[a.DATA_DRIVEN]
    # Path 0 (90): A 1/2, B 1 → A 30, B 60. Path 2 (30): all B.
    np.testing.assert_allclose(got, [0, 30, 90])
    assert got.sum() == pytest.approx(120)


def test_every_model_credits_each_deal_its_value():
    rng = np.random.default_rng(7)
    touches = 400
    path = np.sort(rng.integers(0, 60, touches))
    at = path * 1000.0 + rng.random(touches) * 900
    order = np.lexsort((at, path))
    path, at = path[order], at[order]
    path = np.unique(path, return_inverse=True)[1]
    count = path.max() + 1
    value = rng.integers(1, 100, count).astype(float)
    converted = rng.random(count) < 0.6
    states = rng.integers(0, 5, touches)
    paths = a.Paths.build(
        path=path,
        at=at,
        value=value,
        converted=converted,
        converted_at=np.arange(count) * 1000.0 + 950,
        lead_at=np.arange(count) * 1000.0 + 400,
        opened_at=np.arange(count) * 1000.0 + 950,
    )
    for model in a.MODELS:
        shares = a.touch_shares(paths, states, model=model, state_count=5)
        per_path = np.bincount(path, weights=shares, minlength=count)
        np.testing.assert_allclose(per_path, 1.0, err_msg=model)
    result = a.attribute(paths, states, state_count=5)
    for model, credit in result.items():
        assert credit.sum() == pytest.approx(value[converted].sum()), model
