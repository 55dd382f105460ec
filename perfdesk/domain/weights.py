"""Domain layer: spreading 分值 over indicator rows so that a group adds up exactly.

One splitter for every place that hands out points — the default weights of a roll-forward
and 分值配平 in the window. People write weights in whole points, so that is what they get
whenever every row with a share can have at least one point; otherwise halves; only a total
that is not a multiple of 0.5 (or more rows than half-points) falls back to cents. Never
weights like 3.92 / 6.86 / 0.37. Within a quantum the units left over by rounding go to the
rows that lost most (largest remainder; earlier rows win ties), so the parts always sum to the
total exactly, which is what the 100-point check wants.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Sequence

ZERO, ONE, HALF, CENT = Decimal(0), Decimal(1), Decimal("0.5"), Decimal("0.01")
QUANTA = (ONE, HALF, CENT)
EVEN, PROPORTIONAL = "even", "proportional"


def _tidy(value: Decimal) -> Decimal:
    """7.00 → 7, 3.50 → 3.5: weights are shown as people write them."""
    value = value.quantize(CENT)
    return value.quantize(ONE) if value == value.to_integral_value() else value.normalize()


def _units(exact: list[Decimal], units: int, positive: list[bool]) -> list[int]:
    """Largest remainder over `exact` (summing to `units`), then every positive share gets at
    least one unit, taken from the rows that hold most."""
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    left = units - sum(floors)
    for i in sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))[:left]:
        floors[i] += 1
    for i, wanted in enumerate(positive):
        if wanted and floors[i] == 0:
            donor = max(range(len(floors)), key=lambda j: (floors[j], floors[j] - exact[j], j))
            floors[donor] -= 1
            floors[i] = 1
    return floors


def apportion(total: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` in proportion to `shares`; the parts sum to exactly `total`.

    The quantum is the first of 1, 0.5, 0.01 that `total` is a multiple of and that gives
    every positive share at least one quantum (cents: whatever the remainder gives). Shares
    that are all zero count as equal. Raises ValueError for a negative total or share.
    """
    total = Decimal(total)
    if total < 0 or any(s < 0 for s in shares):
        raise ValueError("total and shares must not be negative")
    if not shares:
        return []
    shares = [Decimal(s) for s in shares]
    whole = sum(shares, ZERO)
    if whole == 0:
        shares, whole = [ONE] * len(shares), Decimal(len(shares))
    positive = [s > 0 for s in shares]
    for quantum in QUANTA:
        exact_units = total / quantum
        units = int(exact_units.to_integral_value(rounding=ROUND_FLOOR))
        if quantum != CENT and (units != exact_units or units < sum(positive)):
            continue
        exact = [Decimal(units) * s / whole for s in shares]
        floors = _units(exact, units, positive) if quantum != CENT else _units(exact, units, [False] * len(shares))
        return [_tidy(Decimal(f) * quantum) for f in floors]
    raise AssertionError("unreachable")  # pragma: no cover - cents always apply


def distribute(current: Sequence[Decimal | None], total: Decimal, mode: str = EVEN) -> list[Decimal]:
    """New weights for the rows of one group, summing to exactly `total` (see `apportion`).

    even: the same share for every row. proportional: shares in proportion to the current
    weights (rows without a weight count as 0); when nothing has a weight yet, even.
    """
    if mode not in (EVEN, PROPORTIONAL):
        raise ValueError(f"unknown mode {mode!r}")
    if Decimal(total) < 0:
        raise ValueError("total must not be negative")
    if not current:
        return []
    if mode == EVEN:
        return apportion(total, [ONE] * len(current))
    return apportion(total, [max(w, ZERO) if w is not None else ZERO for w in current])


@dataclass(frozen=True)
class Balanced:
    """What 分值配平 does to one group: its new weights and its rows' entered scores."""

    weights: list[Decimal]
    scores: list[Decimal | None]  # the entered scores (overrides) afterwards; None: none entered

    def changed_scores(self, before: Sequence[Decimal | None]) -> list[int]:
        return [i for i, (old, new) in enumerate(zip(before, self.scores)) if old != new]


def rescaled_score(score: Decimal, old_weight: Decimal | None, new_weight: Decimal) -> Decimal:
    """An entered score moved with its row's weight: score × new ÷ old, 2 decimals half up,
    never below 0 nor above the new weight (without an old weight: only capped)."""
    if old_weight is None or old_weight <= 0:
        value = score
    else:
        value = (score * new_weight / old_weight).quantize(CENT, rounding=ROUND_HALF_UP)
    value = min(max(value, ZERO), new_weight)
    return _tidy(value)


def balance(current: Sequence[Decimal | None], scores: Sequence[Decimal | None], total: Decimal,
            mode: str = EVEN, rescale_scores: bool = True) -> Balanced:
    """分值配平 of one group: new weights by `distribute`, and, with `rescale_scores`, every
    entered score scaled in proportion to its row's new weight so that none exceeds it.
    Rows without an entered score keep none (the rule's score follows the weight by itself)."""
    weights = distribute(current, total, mode)
    new_scores: list[Decimal | None] = []
    for old_weight, new_weight, score in zip(current, weights, scores):
        if score is None or not rescale_scores:
            new_scores.append(score)
        else:
            new_scores.append(rescaled_score(score, old_weight, new_weight))
    return Balanced(weights, new_scores)


def group_rows(level1_of_rows: list[str]) -> dict[str, list[int]]:
    """Row positions per 一级, in first-seen order."""
    groups: dict[str, list[int]] = {}
    for position, level1 in enumerate(level1_of_rows):
        groups.setdefault(level1, []).append(position)
    return groups
