"""Spreading 分值 within a group: always exactly the group total, to the cent."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfdesk.domain.weights import EVEN, PROPORTIONAL, distribute, group_rows

D = Decimal


def test_even_split_gives_the_leftover_cents_to_the_first_rows():
    assert distribute([None, None, None], D(50)) == [D("16.67"), D("16.67"), D("16.66")]
    assert distribute([D(1)] * 4, D(30)) == [D("7.5")] * 4
    assert distribute([D(3), D(9)], D(10)) == [D(5), D(5)]


def test_proportional_keeps_the_ratio():
    assert distribute([D(10), D(20), D(20)], D(30), PROPORTIONAL) == [D(6), D(12), D(12)]
    # 1:1:1 of 10 → the cent goes to the first row, never lost
    assert distribute([D(2), D(2), D(2)], D(10), PROPORTIONAL) == [D("3.34"), D("3.33"), D("3.33")]


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


weights = st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)), min_size=1, max_size=40)
totals = st.decimals(min_value=0, max_value=100, places=2)


@given(weights, totals, st.sampled_from([EVEN, PROPORTIONAL]))
def test_parts_always_sum_to_the_total_and_are_never_negative(current, total, mode):
    parts = distribute(current, total, mode)
    assert len(parts) == len(current)
    assert sum(parts) == total
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)
