"""Check digits, with the published vectors of pia-domain.md §5."""

from __future__ import annotations

import pytest

from piaops.lib.checkdigits import (
    corporate_number_check_digit,
    is_valid_corporate_number,
    is_valid_local_government_code,
    is_valid_my_number,
    local_government_code_check_digit,
    my_number_check_digit,
)

pytestmark = pytest.mark.engine_independent

VALID_MY_NUMBERS = ["123456789018", "111111111118", "000111111111", "548836529885", "983205673214", "465281266333"]
VALID_CORPORATE_NUMBERS = ["7123456789012", "1010601008968", "4011001098993", "2120901007402", "9999999999999"]


@pytest.mark.parametrize("number", VALID_MY_NUMBERS)
def test_it_accepts_the_published_my_number_vectors(number: str) -> None:
    assert is_valid_my_number(number)
    assert my_number_check_digit(number[:11]) == int(number[11])


@pytest.mark.parametrize(
    "number",
    [
        "123456789019",  # JPMyNumber: wrong check digit
        "983205673210",  # Qiita: wrong check digit
        "12345678901",  # 11 digits
        "1234567890180",  # 13 digits
        "１２３４５６７８９０１８",  # full-width: not a number as stored (the guard normalises first)
        "12345678901a",
        "",
    ],
)
def test_it_refuses_an_invalid_my_number(number: str) -> None:
    assert not is_valid_my_number(number)


def test_a_remainder_of_0_or_1_gives_check_digit_0() -> None:
    # 000111111111: Σ = 3+2+7+6+5+4+3+2 = 32 ≡ 10 → 1; "00000000000" sums to 0.
    assert my_number_check_digit("00000000000") == 0
    assert my_number_check_digit("00000000006") == 0  # Σ = 12 ≡ 1


@pytest.mark.parametrize("number", VALID_CORPORATE_NUMBERS)
def test_it_accepts_the_published_corporate_number_vectors(number: str) -> None:
    assert is_valid_corporate_number(number)
    assert corporate_number_check_digit(number[1:]) == int(number[0])


@pytest.mark.parametrize(
    "number", ["8123456789012", "1010601008969", "123456789012", "71234567890123", "７123456789012"]
)
def test_it_refuses_an_invalid_corporate_number(number: str) -> None:
    assert not is_valid_corporate_number(number)


@pytest.mark.parametrize(
    "code",
    [
        "011002",  # 札幌市
        "130001",  # 東京都
        "012050",  # 室蘭市: remainder 1 → 10 → check digit 0
        "012131",  # 苫小牧市: remainder 0 → 11 → check digit 1
        "131016",  # 千代田区
        "271004",  # 大阪市
    ],
)
def test_it_accepts_real_local_government_codes(code: str) -> None:
    assert is_valid_local_government_code(code)
    assert local_government_code_check_digit(code[:5]) == int(code[5])


@pytest.mark.parametrize("code", ["011001", "130002", "01100", "0110020", "01100a", "０１１００２"])
def test_it_refuses_an_invalid_local_government_code(code: str) -> None:
    assert not is_valid_local_government_code(code)
