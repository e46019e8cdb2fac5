"""Check digits of Japanese public identifiers (pia-domain.md §5 and 総務省 code rules).

Each ``*_check_digit`` takes the base digits and returns the check digit; each ``is_valid_*`` takes the full
number as a string of ASCII digits and answers whether its length and check digit are right.
"""

from __future__ import annotations

_MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def my_number_check_digit(base11: str) -> int:
    """個人番号: 11 − (Σ Pn×Qn mod 11), or 0 when the remainder is 0 or 1 (平成26年総務省令第85号 第5条)."""
    remainder = sum(int(d) * w for d, w in zip(base11, _MY_NUMBER_WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(number: str) -> bool:
    return (
        len(number) == 12
        and number.isascii()
        and number.isdigit()
        and (my_number_check_digit(number[:11]) == int(number[11]))
    )


def corporate_number_check_digit(base12: str) -> int:
    """法人番号: 9 − (Σ Pn×Qn mod 9), Pn counted from the least significant digit, Qn = 1 odd / 2 even."""
    total = sum(int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def is_valid_corporate_number(number: str) -> bool:
    """法人番号 (13 digits, the *first* one is the check digit)."""
    return (
        len(number) == 13
        and number.isascii()
        and number.isdigit()
        and (corporate_number_check_digit(number[1:]) == int(number[0]))
    )


def local_government_code_check_digit(base5: str) -> int:
    """全国地方公共団体コード: weights 6,5,4,3,2; 11 − (Σ mod 11), keeping only the last digit."""
    total = sum(int(d) * w for d, w in zip(base5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def is_valid_local_government_code(code: str) -> bool:
    return (
        len(code) == 6
        and code.isascii()
        and code.isdigit()
        and (local_government_code_check_digit(code[:5]) == int(code[5]))
    )
