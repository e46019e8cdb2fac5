"""The one cadence grammar: how often a text says something is done (「年2回」「四半期ごと」「新規要員着任時」).

Used by the assessment parser (a commitment's cadences), by assurance obligations (how often evidence is due) and
by training requirements (when a course must be taken) alike; no other cadence table exists.

A cadence has a machine value and a Japanese label:

========================  ========================  =====================================================
value                     label                     phrasings
========================  ========================  =====================================================
``annual``                毎年（年度ごと）          毎年・毎年度・各年度・年度ごと・年次・年1回・1年ごと
``semiannual``            年2回                     年2回・半年ごと・半期ごと・6か月ごと・年次(年2回)
``quarterly``             四半期ごと                四半期ごと・年4回・3か月ごと
``monthly``               毎月                      毎月・月次・月1回・年12回
``per_year_N``            年N回                     年3回・年6回…（N = 3, 5, 6…）
``per_month_N``           月N回                     月2回…
``weekly`` / ``per_week_N`` 毎週 / 週N回            毎週・週次・週1回 / 週2回…
``every_N_months``        Nか月ごと                 隔月（N=2）・Nか月ごと（12 の約数・倍数以外）
``biennial``              2年ごと                   隔年・2年ごと・2年に1回
``every_N_years``         N年ごと                   N年ごと・N年に1回（N ≥ 3）
``every_N_fiscal_years``  N年度に1回以上            N年度に1回（以上）（N ≥ 2）
``initial``               初任時                    初任時・採用時・新規採用時・入庁時
``on_assignment``         新規着任時                着任時・新規要員着任時・異動時・異動の都度・配属時・転入時
``as_needed``             随時                      随時・必要に応じ・都度
``periodic``              定期的に                  定期的に・一定期間ごと（頻度の記載なし）
========================  ========================  =====================================================

N may be written in 半角, 全角 or 漢数字 (年二回, 年２回). The traps, each a vector of ``tests/lib/test_cadence.py``:

- 「四半期ごと」 contains 「半期ごと」: of overlapping phrasings the one that starts first, then the longest, wins.
- 「年次(年2回)」 is twice a year: the bracket says how often; 「年次」 alone is yearly.
- 「随時(新規要員着任時)」 is on assignment: the bracket names the occasion, which is the cadence.
- 「3年度に1回以上」 is every third 年度, not yearly; 「令和5年度に1回」 is a year, not a cadence.
- 「4月に1回」「2026年2回目」: a number before 月/年 is a date, not a cadence.
- 「定期的に」 only says "regularly": it is kept only when the text states no period of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(?:[0-9]{1,3}|[一二三四五六七八九十]{1,3})"
# Length-preserving folding, so match positions stay those of the original text.
_FOLD = str.maketrans("０１２３４５６７８９（）　ヵヶケカ箇個", "0123456789() かかかかかか")


def _number(text: str) -> int:
    """``"12"``, ``"十二"``, ``"二十"`` → int (1–99)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _KANJI_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)


@dataclass(frozen=True)
class Cadence:
    """One cadence. ``per_year``: occurrences in a 年度 for a period cadence; ``every_months``: months from one
    occurrence to the next (both None for an occasion — initial, on assignment — or an unstated frequency)."""

    value: str
    label: str
    every_months: int | None = None
    per_year: int | None = None
    fiscal: bool = False  # every N 年度 (「3年度に1回以上」): once within each block of N 年度

    @property
    def is_periodic(self) -> bool:
        """True when the cadence has a period (due dates can be computed from it)."""
        return self.every_months is not None

    @property
    def divides_fiscal_year(self) -> bool:
        """True when the 年度 splits into ``per_year`` equal windows of whole months (年2回 = 上期・下期)."""
        return self.per_year is not None and 12 % self.per_year == 0 and self.every_months == 12 // self.per_year


INITIAL = Cadence("initial", "初任時")
ON_ASSIGNMENT = Cadence("on_assignment", "新規着任時")
AS_NEEDED = Cadence("as_needed", "随時")
PERIODIC = Cadence("periodic", "定期的に")
OCCASIONS = (INITIAL, ON_ASSIGNMENT, AS_NEEDED, PERIODIC)

_NAMED_PER_YEAR = {1: ("annual", "毎年（年度ごと）"), 2: ("semiannual", "年2回"), 4: ("quarterly", "四半期ごと")}


def per_year(n: int) -> Cadence:
    """n times a 年度 (年n回): 1 → annual, 2 → semiannual, 4 → quarterly, 12 → monthly."""
    if n < 1:
        raise ValueError("times per year must be positive")
    if n == 12:
        return every_months(1)
    value, label = _NAMED_PER_YEAR.get(n, (f"per_year_{n}", f"年{n}回"))
    return Cadence(value, label, every_months=max(1, 12 // n), per_year=n)


def every_months(n: int) -> Cadence:
    """Every n months: a divisor of 12 is n-times-a-year, a multiple of 12 is every n/12 years."""
    if n < 1:
        raise ValueError("months must be positive")
    if n == 1:
        return Cadence("monthly", "毎月", every_months=1, per_year=12)
    if 12 % n == 0:
        return per_year(12 // n)
    if n % 12 == 0:
        return every_years(n // 12)
    return Cadence(f"every_{n}_months", f"{n}か月ごと", every_months=n)


def every_years(n: int) -> Cadence:
    if n < 1:
        raise ValueError("years must be positive")
    if n == 1:
        return per_year(1)
    if n == 2:
        return Cadence("biennial", "2年ごと", every_months=24)
    return Cadence(f"every_{n}_years", f"{n}年ごと", every_months=12 * n)


def every_fiscal_years(n: int) -> Cadence:
    """Once (at least) in every n 年度 (「3年度に1回以上」)."""
    if n < 1:
        raise ValueError("years must be positive")
    if n == 1:
        return per_year(1)
    return Cadence(f"every_{n}_fiscal_years", f"{n}年度に1回以上", every_months=12 * n, fiscal=True)


def per_month(n: int) -> Cadence:
    if n < 1:
        raise ValueError("times per month must be positive")
    if n == 1:
        return every_months(1)
    # Evidence and training are tracked per month at the finest: a 月n回 duty is checked monthly.
    return Cadence(f"per_month_{n}", f"月{n}回", every_months=1, per_year=12 * n)


def per_week(n: int) -> Cadence:
    if n < 1:
        raise ValueError("times per week must be positive")
    if n == 1:
        return Cadence("weekly", "毎週", every_months=1, per_year=52)
    return Cadence(f"per_week_{n}", f"週{n}回", every_months=1, per_year=52 * n)


# Parametrised values: ``per_year_3``, ``per_month_2``, ``per_week_2``, ``every_5_months``, ``every_3_years``,
# ``every_3_fiscal_years``. Each is made again from its number and must spell the same value (``per_year_2`` is
# spelled ``semiannual``, so it is not a value).
_VALUE = re.compile(
    r"^(?:(?P<per>per_year|per_month|per_week)_(?P<n>\d{1,2})|every_(?P<m>\d{1,2})_(?P<unit>months|years|fiscal_years))$"
)
_MAKERS: dict[str, Callable[[int], Cadence]] = {
    "per_year": per_year,
    "per_month": per_month,
    "per_week": per_week,
    "months": every_months,
    "years": every_years,
    "fiscal_years": every_fiscal_years,
}


@lru_cache(maxsize=256)
def from_value(value: str) -> Cadence:
    """The cadence of a machine value; ``ValueError`` for a value this grammar does not produce."""
    for occasion in OCCASIONS:
        if value == occasion.value:
            return occasion
    fixed = {"annual": per_year(1), "semiannual": per_year(2), "quarterly": per_year(4), "monthly": every_months(1)}
    fixed |= {"weekly": per_week(1), "biennial": every_years(2)}
    if value in fixed:
        return fixed[value]
    m = _VALUE.match(value)
    if m:
        maker = _MAKERS[m["per"] or m["unit"]]
        made = maker(int(m["n"] or m["m"]))
        if made.value == value:
            return made
    raise ValueError(f"unknown cadence value: {value!r}")


def is_value(value: str) -> bool:
    try:
        from_value(value)
    except ValueError:
        return False
    return True


def validate(value: str) -> None:
    """Model-field validator: "" (no cadence stated) or a value of this grammar."""
    from django.core.exceptions import ValidationError

    if value and not is_value(value):
        raise ValidationError(f"頻度「{value}」は認識できません。")


def label(value: str) -> str:
    """Japanese label of a machine value; "" for "" (no cadence stated), the value itself if unknown."""
    if not value:
        return ""
    try:
        return from_value(value).label
    except ValueError:
        return value


# Choices for forms and model fields: the common values. A field accepts any value of the grammar (validated by
# ``is_value``); these are the ones offered in a select.
COMMON_PERIODIC = [
    every_months(1),
    per_year(4),
    per_year(3),
    per_year(2),
    per_year(1),
    every_years(2),
    every_years(3),
    every_fiscal_years(3),
]
PERIODIC_CHOICES: list[tuple[str, str]] = [(c.value, c.label) for c in COMMON_PERIODIC]
CHOICES: list[tuple[str, str]] = [
    ("", "記載なし"),
    *PERIODIC_CHOICES,
    *((c.value, c.label) for c in (per_month(2), per_week(1), INITIAL, ON_ASSIGNMENT, PERIODIC, AS_NEEDED)),
]


# --- the grammar -------------------------------------------------------------------------------------------------

_EVERY = r"(?:ごと|毎|each)"
_ONCE = r"(?:に[1一]回(?:以上)?)"
_OCCASION = r"(?:着任|異動|配属|採用|初任|転入|入庁)"

# (pattern, maker from the match). Tried all at once; overlapping matches are resolved in ``parse``.
_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Cadence]]] = [
    # 年次(年2回): the bracket says how often.
    (re.compile(rf"年次\s*\(\s*年\s*(?P<n>{_NUMBER})\s*回(?:以上)?\s*\)"), lambda m: per_year(_number(m["n"]))),
    (re.compile(r"毎年度?|各年度|年度ごと|年度毎|年次|(?<![0-9])1年(?:ごと|毎|に1回(?:以上)?)"), lambda m: per_year(1)),
    (
        re.compile(rf"(?<![0-9一二三四五六七八九十])年\s*に?\s*(?P<n>{_NUMBER})\s*回"),
        lambda m: per_year(_number(m["n"])),
    ),
    (re.compile(rf"四半期(?:{_EVERY}|{_ONCE})"), lambda m: per_year(4)),
    (re.compile(rf"(?:半年|半期)(?:{_EVERY}|{_ONCE})"), lambda m: per_year(2)),
    (re.compile(r"毎月|月次|月ごと|月毎"), lambda m: every_months(1)),
    (re.compile(r"隔月"), lambda m: every_months(2)),
    (
        re.compile(rf"毎?(?<![0-9一二三四五六七八九十])月\s*に?\s*(?P<n>{_NUMBER})\s*回"),
        lambda m: per_month(_number(m["n"])),
    ),
    (re.compile(rf"(?P<n>{_NUMBER})\s*か月(?:{_EVERY}|{_ONCE})"), lambda m: every_months(_number(m["n"]))),
    (re.compile(r"毎週|週次|週ごと|週毎"), lambda m: per_week(1)),
    (re.compile(rf"週\s*に?\s*(?P<n>{_NUMBER})\s*回"), lambda m: per_week(_number(m["n"]))),
    (re.compile(r"隔年"), lambda m: every_years(2)),
    (
        re.compile(rf"(?<![0-9一二三四五六七八九十元])(?<!令和)(?<!平成)(?P<n>{_NUMBER})\s*年(?:{_EVERY}|{_ONCE})"),
        lambda m: every_years(_number(m["n"])),
    ),
    (
        re.compile(rf"(?<![0-9一二三四五六七八九十元])(?<!令和)(?<!平成)(?P<n>{_NUMBER})\s*(?:年度|か年度){_ONCE}"),
        lambda m: every_fiscal_years(_number(m["n"])),
    ),
    (re.compile(r"(?:新規)?採用時|初任時|入庁時"), lambda m: INITIAL),
    (
        re.compile(r"(?:新規要員|新規)?着任時|(?:人事)?異動(?:時|の都度|の際)|配属時|転入時|(?:着任|配属)の都度"),
        lambda m: ON_ASSIGNMENT,
    ),
    # 随時(新規要員着任時): the occasion in the bracket is the cadence, found by the rule above.
    (re.compile(rf"随時(?!\s*\([^()]*{_OCCASION})|必要に応じ|都度"), lambda m: AS_NEEDED),
    (re.compile(r"定期的|定期に|一定期間ごと|一定期間毎"), lambda m: PERIODIC),
]


def parse(text: str) -> list[Cadence]:
    """Every cadence ``text`` states, in order of appearance, without repeats.

    Of overlapping phrasings the one that starts first wins, then the longest (「四半期ごと」 over 「半期ごと」,
    「毎年度」 over 「毎年」); 「定期的に」 is dropped when the text states a period of its own.
    """
    folded = text.translate(_FOLD)
    found: list[tuple[int, int, Cadence]] = []
    for pattern, make in _RULES:
        for m in pattern.finditer(folded):
            try:
                found.append((m.start(), m.end(), make(m)))
            except (ValueError, KeyError):
                continue  # 年0回 and the like: not a cadence
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[Cadence] = []
    taken_until = -1
    for start, end, cadence in found:
        if start < taken_until:
            continue
        taken_until = end
        if cadence not in out:
            out.append(cadence)
    if any(c.is_periodic for c in out):
        out = [c for c in out if c != PERIODIC]
    return out


def parse_values(text: str) -> list[str]:
    return [c.value for c in parse(text)]


def primary(cadences: list[Cadence]) -> Cadence | None:
    """The cadence that schedules: the first with a period, else the first stated."""
    for c in cadences:
        if c.is_periodic:
            return c
    return cadences[0] if cadences else None
