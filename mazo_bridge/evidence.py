"""The draft checks: is every part of the question answered, is every number one a tool returned?

Why numbers: a model's most plausible failure in research is a figure that sounds right and was
never read ("P/E of 24", "revenue up 12 %"). Every number written in a draft must match a number in
some tool output, or in the question itself, at the precision the draft writes it: ``12.3%``
matches a tool's ``12.34`` (percent) or ``0.1234`` (a fraction), ``187`` matches ``187.23``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

__all__ = ["numbers_in", "unanswered_parts", "unsupported_numbers"]

_NUMBER = re.compile(r"(?<![\w.])[-+−]?\d[\d,]*(?:\.\d+)?(?:\s?%)?(?![\w])(?!-[A-Za-z])")


def _parse(token: str) -> tuple[Decimal, int, bool] | None:
    """(absolute value, decimals written, was a percent) of one token; None if not a number."""
    percent = token.rstrip().endswith("%")
    text = token.replace("%", "").replace(",", "").replace("−", "-").strip().lstrip("+-")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return value, decimals, percent


def numbers_in(text: str) -> list[str]:
    """The number tokens of ``text`` (signs and percent kept), in order."""
    return [m.group(0).strip() for m in _NUMBER.finditer(text)]


def _known(texts: Iterable[str]) -> set[Decimal]:
    known: set[Decimal] = set()
    for text in texts:
        for token in numbers_in(text):
            parsed = _parse(token)
            if parsed is not None:
                known.add(parsed[0])
    return known


def _matches(value: Decimal, decimals: int, percent: bool, known: set[Decimal]) -> bool:
    half = Decimal(5) / (Decimal(10) ** (decimals + 1))
    candidates = [value]
    if percent:
        candidates.append(value / 100)  # a fraction written as a percent
    for want in candidates:
        slack = half if want is value else half / 100
        if any(abs(k - want) <= slack for k in known):
            return True
    return False


def unsupported_numbers(draft: Sequence[str], evidence: Sequence[str]) -> list[str]:
    """Numbers in the ``draft`` texts that no ``evidence`` text (tool outputs, question) holds."""
    known = _known(evidence)
    missing: list[str] = []
    for text in draft:
        for token in numbers_in(text):
            parsed = _parse(token)
            if parsed is not None and not _matches(*parsed, known):
                missing.append(token)
    return list(dict.fromkeys(missing))


def unanswered_parts(parts: Sequence[str], answered: dict[int, str]) -> list[str]:
    """The parts of the question (by index) that the draft left without an answer."""
    return [p for i, p in enumerate(parts) if not answered.get(i, "").strip()]
