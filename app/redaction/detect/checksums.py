"""Check digits that tell a real card or routing number from a run of digits."""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check that every payment card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return bool(digits) and total % 10 == 0


def aba_valid(digits: str) -> bool:
    """An ABA routing number: nine digits weighted 3, 7, 1 repeating sum to a multiple of 10,
    and the first two name a Federal Reserve district (00-12), a thrift (21-32), an electronic
    transaction (61-72) or traveller's cheques (80)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    prefix = int(digits[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    total = sum(int(d) * w for d, w in zip(digits, (3, 7, 1) * 3, strict=True))
    return total % 10 == 0
