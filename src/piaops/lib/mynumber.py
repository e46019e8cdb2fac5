"""The My Number guard: piaops never stores, logs or echoes a 個人番号.

How a text is read (tested in ``tests/lib/test_mynumber.py`` and ``tests/lib/test_mynumber_properties.py``):

1. **Normalised first.** Every character is read through NFKC, so full-width ``１２３``, circled ``①``, super- and
   subscript digits and any Unicode decimal digit count as digits, and so do the kanji digits 〇一二三四五六七八九
   (and 零). A *separator* is white space of any count (line breaks too), any hyphen, dash, minus or ー, dots
   (``.`` ``・`` ``。``…), slashes, commas (``,`` ``、``), parentheses and brackets, and zero-width or invisible
   characters. Anything else (a letter, ``:``, ``年``, ``～``) ends a *run* of digits and separators.
2. **Windows of whole groups.** Inside a run, a *group* is digits written together. A candidate is any sequence of
   consecutive groups holding exactly 12 digits whose last digit is the 検査用数字 (平成26年総務省令第85号 第5条).
   A group of 13 digits or more is a longer number, never a 個人番号.
3. **Ordinary data is recognised, not guessed.** Dates (``2026-01-07``), phone numbers (``03-1234-5678``,
   ``(03)1234-5678``, ``+81-3-1234-5678``), postal codes (``060-0001``), IPv4 addresses and amounts
   (``123,456,789,012円``, ``¥1,234``) are found first, each only when written with its own separator, different
   from the one around it. A candidate made only of their groups is not a 個人番号: that is how date ranges such
   as ``2026-01-07 - 2027-01-06``, lists of phone numbers and an address line are told apart, while a candidate
   with one group of its own (``1234-5678-2026-01-07``) is still refused. A 法人番号 is 13 digits written
   together, never a candidate. The blind spots, documented in the README: a 個人番号 written as an amount
   (``¥123,456,789,018``) or as four dotted groups of three digits each ≤ 255 (an IPv4 address).

Numbers whose check digit fails are let through: an order number or a phone number must stay writable, and 1/11 of
random 12-digit strings would still be caught, which is the price of never holding a real one.
"""

from __future__ import annotations

import functools
import logging
import logging.config
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from piaops.lib.checkdigits import is_valid_my_number

_KANJI_DIGITS = {"〇": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7"}
_KANJI_DIGITS |= {"八": "8", "九": "9"}
# Separators, by family (a token's own separator is compared by family: "2026-01-07" and "2026－01－07" are alike).
_DASHES = "-‐‑‒–—―−⁃˗﹘﹣－ーｰ─━➖"
_DOTS = ".．・･·•‧∙⋅。｡﹒"
_SLASHES = "/／⁄∕\\＼"
_COMMAS = ",，、､﹐﹑"
_BRACKETS = "()（）[]［］{}｛｝〔〕【】⦅⦆｟｠﹙﹚"
_INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c"
_INVISIBLE += "\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e"
_INVISIBLE += "\u206f\u3164\ufeff\uffa0"
_FAMILY = {**dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_DOTS, "."), **dict.fromkeys(_SLASHES, "/")}
_FAMILY |= {**dict.fromkeys(_COMMAS, ","), **dict.fromkeys(_BRACKETS, "(")}
MASK = "[個人番号の可能性がある数字を伏せました]"


@functools.cache
def _compat_digits() -> dict[str, str]:
    """Characters that are not decimal digits themselves but read as digits after NFKC (①, ², ₃, ⑫…)."""
    found = {}
    for code in range(0x80, 0x20000):
        if 0xD800 <= code < 0xE000:
            continue
        ch = chr(code)
        normal = unicodedata.normalize("NFKC", ch)
        if normal and normal.isascii() and normal.isdigit() and not ch.isdecimal():
            found[ch] = normal
    return found


def _classes(breaks: str) -> tuple[str, str]:
    """The regex classes (a digit, a separator), separators not including ``breaks``."""
    digit = "[" + re.escape("".join(_KANJI_DIGITS) + "".join(_compat_digits())) + r"\d]"
    seps = "".join(ch for ch in _DASHES + _DOTS + _SLASHES + _COMMAS + _BRACKETS + _INVISIBLE if ch not in breaks)
    space = (
        r"\s"
        if not any(ch.isspace() for ch in breaks)
        else "".join(re.escape(ch) for ch in " \t\n\r\f\v\u3000\u00a0\u2028\u2029" if ch not in breaks)
    )
    return digit, "[" + space + re.escape(seps) + "]"


@functools.cache
def _patterns(breaks: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a run of digits and separators, a group of digits), separators not including ``breaks``."""
    digit, sep = _classes(breaks)
    # Runs of at least 12 digit characters (⑩-㊿ count as one: a row of them is not how a number is written):
    # ``digit (sep* digit){11,}``, written so that the regex engine does not retry every digit of a long run.
    # No separator is a digit, so the possessive ``*+`` and ``{11,}+`` give back nothing a match could use, and a
    # digit right after a digit, or after one separator after a digit, cannot start a match that an earlier digit
    # of the same run did not start (the lookbehinds; ``find_my_numbers`` searches whole texts, never from an
    # offset). The same matches as the plain form, measured against it in ``tests/lib/test_mynumber_properties.py``;
    # twice as fast on an import's 3.6 MB CSV (0.37 → 0.15 s).
    fast = rf"{digit}(?<!{digit}{digit})(?<!{digit}{sep}{digit})(?:{sep}*+{digit}){{11,}}+"
    return re.compile(fast), re.compile(rf"{digit}+")


def _digit(ch: str) -> str:
    if ch in _KANJI_DIGITS:
        return _KANJI_DIGITS[ch]
    value = unicodedata.decimal(ch, None)
    return str(value) if value is not None else _compat_digits().get(ch, "")


@dataclass
class _Group:
    digits: str
    start: int
    end: int


def _family(separator: str) -> str:
    """The separator's kind: ``-``, ``.``, ``/``, ``,``, ``(`` or ``" "``; mixed ones (``" - "``) keep each kind."""
    kinds: list[str] = []
    for ch in separator:
        kind = _FAMILY.get(ch, " " if ch.isspace() else "")
        if kind and (not kinds or kinds[-1] != kind):
            kinds.append(kind)
    return "".join(kinds)


def _groups(text: str, run: re.Match[str], group: re.Pattern[str]) -> list[tuple[_Group, str]]:
    """The run as (group, separator before it)."""
    found: list[tuple[_Group, str]] = []
    previous = run.start()
    for match in group.finditer(text, run.start(), run.end()):
        raw = match.group()
        digits = raw if raw.isascii() else "".join(_digit(ch) for ch in raw)
        found.append((_Group(digits, match.start(), match.end()), text[previous : match.start()]))
        previous = match.end()
    return found


def _tokens(text: str, run: list[tuple[_Group, str]]) -> tuple[list[tuple[int, int]], set[tuple[int, int]]]:
    """Ordinary data in a run: (first, last) group indexes of dates, phone numbers, postal codes, IPv4 addresses and
    amounts (a candidate made only of their groups is not a 個人番号), and of amounts, IPv4 addresses and +81 phone
    numbers (a candidate equal to one is not)."""
    groups = [g for g, _ in run]
    seps = [_family(s) for _, s in run] + [""]  # seps[i]: before group i; seps[n]: after the last
    lens = [len(g.digits) for g in groups]
    cut: list[tuple[int, int]] = []
    whole: set[tuple[int, int]] = set()

    def own(first: int, last: int, kinds: tuple[str, ...], *, mixed: bool = False) -> bool:
        inner = {seps[i] for i in range(first + 1, last + 1)}
        if not inner <= set(kinds) or (len(inner) != 1 and not mixed):
            return False
        # Written with its own separator(s): the ones around it (if any) differ.
        return seps[first] not in inner and seps[last + 1] not in inner

    n = len(groups)
    for i in range(n):
        d = [g.digits for g in groups[i : i + 4]]
        if i + 2 < n and lens[i] == 4 and lens[i + 1] <= 2 and lens[i + 2] <= 2 and own(i, i + 2, ("-", "/", ".")):
            if 1900 <= int(d[0]) <= 2099 and 1 <= int(d[1]) <= 12 and 1 <= int(d[2]) <= 31:
                cut.append((i, i + 2))
        if i + 2 < n and d[0].startswith("0") and 2 <= lens[i] <= 5 and lens[i + 1] <= 4 and 3 <= lens[i + 2] <= 4:
            if 10 <= sum(lens[i : i + 3]) <= 11 and own(i, i + 2, ("-", "(", "(-", "-(", " ", "( "), mixed=True):
                cut.append((i, i + 2))
        if i + 3 < n and d[0] == "81" and lens[i + 3] == 4 and 10 <= sum(lens[i : i + 4]) <= 12:
            if own(i, i + 3, ("-", " ")) and text[max(0, groups[i].start - 1) : groups[i].start] in ("+", "＋"):
                cut.append((i, i + 3))
                whole.add((i, i + 3))
        if i + 1 < n and lens[i] == 3 and lens[i + 1] == 4 and own(i, i + 1, ("-",)):
            cut.append((i, i + 1))
        if i + 3 < n and all(lens[i + k] <= 3 and (d[k] == "0" or not d[k].startswith("0")) for k in range(4)):
            if all(int(x) <= 255 for x in d) and own(i, i + 3, (".",)):
                cut.append((i, i + 3))
                whole.add((i, i + 3))
                if i + 4 < n and seps[i + 4] == "/" and lens[i + 4] <= 2 and int(groups[i + 4].digits) <= 32:
                    cut.append((i, i + 4))  # with its prefix length (CIDR)
                    whole.add((i, i + 4))
        if 1 <= lens[i] <= 3 and not d[0].startswith("0"):
            j = i + 1
            while j < n and lens[j] == 3 and seps[j] == ",":
                j += 1
            if _currency(text, groups[i].start, groups[j - 1].end):
                cut.append((i, j - 1))
                whole.add((i, j - 1))
    return cut, whole


def _currency(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 3) : start].rstrip()
    after = text[end : end + 3].lstrip()
    return before.endswith(("¥", "￥", "$", "＄")) or after.startswith(("円", "千", "万", "億", "兆"))


def find_my_numbers(text: str, *, breaks: str = "") -> list[tuple[int, int]]:
    """The (start, end) spans in ``text`` that look like a valid 個人番号 (see the module docstring), in order and
    not overlapping. ``breaks``: characters that end a run instead of separating groups (a CSV file's delimiter,
    when its fields are read one by one as well)."""
    spans: list[tuple[int, int]] = []
    run_pattern, group_pattern = _patterns(breaks)
    for match in run_pattern.finditer(text):
        run = _groups(text, match, group_pattern)
        if sum(len(g.digits) for g, _ in run) < 12:
            continue
        groups = [g for g, _ in run]
        windows = []
        for i in range(len(groups)):
            total = 0
            for j in range(i, len(groups)):
                total += len(groups[j].digits)
                if total >= 12:
                    if total == 12 and is_valid_my_number("".join(g.digits for g in groups[i : j + 1])):
                        windows.append((i, j))
                    break
        if not windows:
            continue
        cut, whole = _tokens(text, run)
        covered = {k for a, b in cut for k in range(a, b + 1)}
        for i, j in windows:
            if (i, j) in whole or all(k in covered for k in range(i, j + 1)):
                continue  # an amount or an address, or ordinary things side by side (a date range, phone list)
            start, end = groups[i].start, groups[j].end
            if spans and start < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
    return spans


def contains_my_number(text: str, *, breaks: str = "") -> bool:
    return bool(find_my_numbers(text, breaks=breaks))


def mask_my_numbers(text: str) -> str:
    """``text`` with every candidate replaced by :data:`MASK`."""
    if len(text) < 12:  # no run of 12 digit characters: nothing to mask (see cell_contains_my_number)
        return text
    spans = find_my_numbers(text)
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return text


def mask_record(record: logging.LogRecord) -> None:
    """Mask candidates in the formatted message, the traceback and the stack of ``record``, in place.

    The traceback is formatted here (``exc_text``), because a formatter would otherwise format it later from
    ``exc_info`` — after every filter has run — and the exception's message often repeats the offending input.
    """
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logging module's concern, not ours
        message = str(record.msg)
    if contains_my_number(message):
        record.msg = mask_my_numbers(message)
        record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text and contains_my_number(record.exc_text):
        record.exc_text = mask_my_numbers(record.exc_text)
    if record.stack_info and contains_my_number(record.stack_info):
        record.stack_info = mask_my_numbers(record.stack_info)


class MaskMyNumberFilter(logging.Filter):
    """A handler filter that masks candidates (second line of defence behind :func:`configure_logging`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_base_factory = logging.getLogRecordFactory()


def _masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    mask_record(record)
    return record


def configure_logging(config: dict[str, Any]) -> None:
    """``LOGGING_CONFIG`` of piaops: every record is masked when it is *created*, whatever logger or handler
    (third-party ones, pytest's ``caplog``) later sees it; then the usual ``dictConfig``."""
    logging.setLogRecordFactory(_masking_factory)
    if config:
        logging.config.dictConfig(config)


def cell_contains_my_number(text: str) -> bool:
    """:func:`contains_my_number` for the many short cells of an import, with the same answer: a candidate lies in
    a run of at least 12 digit characters (:func:`_patterns`; a character such as ⑫ that reads as two digits
    counts as one), so a text shorter than 12 characters, in any script, holds none and is not scanned — a
    100,000-row import skips most of its half a million scans."""
    if len(text) < 12:
        return False
    return contains_my_number(text)
