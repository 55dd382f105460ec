"""One splitter for 分值配平 and roll-forward: whole points where possible, otherwise halves,
always exactly the group total; entered scores can move with their weights."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfdesk.domain.weights import EVEN, PROPORTIONAL, balance, distribute, group_rows, rescaled_score

D = Decimal


def test_even_split_uses_whole_points_and_gives_the_leftover_to_the_first_rows():
    assert distribute([None, None, None], D(50)) == [D(17), D(17), D(16)]
    assert distribute([D(1)] * 4, D(30)) == [D(8), D(8), D(7), D(7)]
    assert distribute([D(3), D(9)], D(10)) == [D(5), D(5)]
    assert distribute([None] * 4, D(3)) == [D(1), D(1), D("0.5"), D("0.5")]  # halves when points run out


def test_proportional_keeps_the_ratio_in_whole_points():
    assert distribute([D(10), D(20), D(20)], D(30), PROPORTIONAL) == [D(6), D(12), D(12)]
    assert distribute([D(2), D(2), D(2)], D(10), PROPORTIONAL) == [D(4), D(3), D(3)]


def test_the_reported_split_no_longer_gives_cents():
    """分值配平 按比例 of 4 / 7 / 0.38 to 11 gave 3.92 / 6.86 / 0.37 (issue "Scores and totals")."""
    parts = distribute([D(4), D(7), D("0.38")], D(11), PROPORTIONAL)
    assert parts == [D(4), D(6), D(1)] and sum(parts) == 11  # every row keeps at least a point


def test_a_total_in_halves_or_cents():
    assert distribute([D(1), D(1)], D("7.5")) == [D(4), D("3.5")]
    assert distribute([D(1), D(1)], D("7.25")) == [D("3.63"), D("3.62")]


def test_proportional_without_any_weight_falls_back_to_even():
    assert distribute([None, None], D(10), PROPORTIONAL) == [D(5), D(5)]


def test_rows_without_weight_get_nothing_in_proportional_mode():
    assert distribute([D(5), None], D(10), PROPORTIONAL) == [D(10), D(0)]


def test_bad_arguments():
    assert distribute([], D(10)) == []
    with pytest.raises(ValueError):
        distribute([D(1)], D(-1))
    with pytest.raises(ValueError):
        distribute([D(1)], D(1), "random")


def test_group_rows_in_first_seen_order():
    assert group_rows(["产出指标", "产出指标", "效益指标", "产出指标"]) == {
        "产出指标": [0, 1, 3], "效益指标": [2]}


def test_entered_scores_move_with_their_weights():
    result = balance([D(10), D(10), D(5)], [D(8), None, D(5)], D(20), PROPORTIONAL)
    assert result.weights == [D(8), D(8), D(4)]
    assert result.scores == [D("6.4"), None, D(4)]  # 8 × 8/10, untouched, 5 × 4/5
    assert result.changed_scores([D(8), None, D(5)]) == [0, 2]
    kept = balance([D(10), D(10), D(5)], [D(8), None, D(5)], D(20), PROPORTIONAL, rescale_scores=False)
    assert kept.scores == [D(8), None, D(5)] and kept.weights == result.weights


def test_rescaled_score_never_exceeds_the_new_weight():
    assert rescaled_score(D(7), D(6), D(3)) == D("3")  # an entered 7 over 6 → capped at 3
    assert rescaled_score(D(5), None, D(4)) == D(4)
    assert rescaled_score(D(1), D(3), D(2)) == D("0.67")
    assert rescaled_score(D(-1), D(3), D(2)) == D(0)


weights = st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)), min_size=1, max_size=40)
totals = st.decimals(min_value=0, max_value=100, places=2)


@given(weights, totals, st.sampled_from([EVEN, PROPORTIONAL]))
def test_parts_always_sum_to_the_total_and_are_never_negative(current, total, mode):
    parts = distribute(current, total, mode)
    assert len(parts) == len(current)
    assert sum(parts) == total
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)


@given(weights, st.integers(min_value=0, max_value=100), st.sampled_from([EVEN, PROPORTIONAL]))
def test_whole_totals_give_whole_points_or_halves_when_they_can(current, total, mode):
    parts = distribute(current, D(total), mode)
    wanted = len(current) if mode == EVEN or not any(w for w in current) else sum(1 for w in current if w)
    if wanted <= 2 * total:
        assert all(p == (p * 2).to_integral_value() / 2 for p in parts), parts
    if wanted <= total:
        assert all(p == p.to_integral_value() for p in parts), parts


@given(weights, st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=120, places=2)),
                         min_size=40, max_size=40), totals, st.sampled_from([EVEN, PROPORTIONAL]))
def test_balanced_scores_never_exceed_their_weight(current, scores, total, mode):
    scores = scores[:len(current)]
    result = balance(current, scores, total, mode)
    for weight, score, before in zip(result.weights, result.scores, scores):
        assert (score is None) == (before is None)
        assert score is None or D(0) <= score <= weight
