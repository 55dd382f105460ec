"""Domain layer: spreading 分值 over indicator rows so that a group adds up exactly.

Everything is done in whole cents (two decimals), and the cents that rounding leaves over go
to the rows that lost most to rounding (largest remainder; earlier rows win ties). So the
parts always sum to the group's total to the cent, which is what the 100-point check wants.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")
EVEN, PROPORTIONAL = "even", "proportional"


def _tidy(value: Decimal) -> Decimal:
    """7.50 → 7.5, 10.00 → 10: weights are shown as people write them."""
    value = value.quantize(CENT)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def distribute(current: list[Decimal | None], total: Decimal, mode: str = EVEN) -> list[Decimal]:
    """New weights for the rows of one group, summing to exactly `total`.

    even: the same share for every row. proportional: shares in proportion to the current
    weights (rows without a weight count as 0); when nothing has a weight yet, even.
    """
    n = len(current)
    if n == 0:
        return []
    total_cents = int((Decimal(total) / CENT).to_integral_value(rounding=ROUND_FLOOR))
    if total_cents < 0:
        raise ValueError("total must not be negative")
    basis = [max(w, Decimal(0)) if w is not None else Decimal(0) for w in current]
    if mode == PROPORTIONAL and sum(basis) > 0:
        whole = sum(basis)
        exact = [Decimal(total_cents) * b / whole for b in basis]
    elif mode in (EVEN, PROPORTIONAL):
        exact = [Decimal(total_cents) / n] * n
    else:
        raise ValueError(f"unknown mode {mode!r}")
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    left = total_cents - sum(floors)
    order = sorted(range(n), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [_tidy(Decimal(c) * CENT) for c in floors]


def group_rows(level1_of_rows: list[str]) -> dict[str, list[int]]:
    """Row positions per 一级, in first-seen order."""
    groups: dict[str, list[int]] = {}
    for position, level1 in enumerate(level1_of_rows):
        groups.setdefault(level1, []).append(position)
    return groups
