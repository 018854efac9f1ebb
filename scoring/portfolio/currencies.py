"""Adding up amounts in several currencies: in the site's currency where an exchange rate
says how, per currency where none does, and unknown (never 0) where no amount is known.

A rate is what one unit of a currency is worth in the site's currency (site EUR,
``{USD: 0.92}``). An amount without a currency is read as the site's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Totals:
    """A sum of amounts: ``main`` in the site's currency (None when no amount was in it or
    convertible to it) and ``others``, per currency, for amounts no rate converts."""

    currency: str
    main: float | None
    others: tuple[tuple[str, float], ...] = ()

    @property
    def known(self) -> bool:
        return self.main is not None or bool(self.others)


@dataclass
class TotalsAdder:
    """Collects amounts with their currencies, then gives their ``Totals``."""

    currency: str
    rates: Mapping[str, float] = field(default_factory=dict)
    _main: float | None = None
    _others: dict[str, float] = field(default_factory=dict)

    def add(self, amount: object, currency: object) -> None:
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            return  # unknown: counts as nothing, and does not make the total 0
        value = float(amount)
        if not math.isfinite(value):
            return
        code = str(currency or "") or self.currency
        if code == self.currency:
            self._main = (self._main or 0.0) + value
        elif code in self.rates:
            self._main = (self._main or 0.0) + value * float(self.rates[code])
        else:
            self._others[code] = self._others.get(code, 0.0) + value

    def totals(self) -> Totals:
        return Totals(self.currency, self._main, tuple(sorted(self._others.items())))


def check_rates(rates: object, currency: str) -> dict[str, float]:
    """The exchange rates of a site setting, or ValueError naming what is wrong."""
    if rates is None:
        return {}
    if not isinstance(rates, Mapping):
        raise ValueError("exchange_rates must be a mapping such as {USD: 0.92}")
    checked: dict[str, float] = {}
    for code, rate in rates.items():
        if not is_currency(code):
            raise ValueError(f"exchange_rates: {code!r} is not a three-letter currency code")
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not math.isfinite(rate)
            or rate <= 0
        ):
            raise ValueError(
                f"exchange_rates: {code} must be a positive number (its worth in {currency}), "
                f"not {rate!r}"
            )
        checked[str(code)] = float(rate)
    return checked


def is_currency(code: object) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 3
        and code.isascii()
        and code.isalpha()
        and code.isupper()
    )
