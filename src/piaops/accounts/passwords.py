"""Password rules beyond Django's own validators (``AUTH_PASSWORD_VALIDATORS``): a password made of one character
repeated, or of a short run repeated (``aaaaaaaaaaaa``, ``abcabcabcabc``, ``1212121212``), or of only a few
different characters, is as weak as a short one whatever its length."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from piaops.tenancy.models import User

MIN_DISTINCT = 5
MAX_UNIT = 4


class RepeatedCharactersValidator:
    def validate(self, password: str, user: User | None = None) -> None:
        repeated = any(
            len(password) >= 2 * unit and (password[:unit] * len(password))[: len(password)] == password
            for unit in range(1, MAX_UNIT + 1)
        )
        if repeated or len(set(password)) < MIN_DISTINCT:
            raise ValidationError(
                "このパスワードは同じ文字や短い並びの繰り返しです。"
                f"{MIN_DISTINCT}種類以上の文字を組み合わせてください。",
                code="password_repeated",
            )

    def get_help_text(self) -> str:
        return f"同じ文字や短い並びの繰り返しは使えません（{MIN_DISTINCT}種類以上の文字を使ってください）。"


class ContainsUserNameValidator:
    """The user name inside the password (``tanaka-2026!``): Django's similarity check lets it through once the
    rest is long enough, but it is the first thing an attacker tries."""

    def validate(self, password: str, user: User | None = None) -> None:
        username = str(getattr(user, "username", "") or "").casefold()
        if len(username) >= 3 and username in password.casefold():
            raise ValidationError("パスワードにユーザー名を含めることはできません。", code="password_has_username")

    def get_help_text(self) -> str:
        return "ユーザー名を含むパスワードは使えません。"
