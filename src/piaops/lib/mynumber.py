"""The My Number guard: piaops never stores, logs or echoes a 個人番号.

A candidate is 12 digits (ASCII or full-width), optionally separated by single spaces or hyphens, not part of a
longer run of digits, whose last digit is a valid 個人番号 check digit. Numbers whose check digit fails are let
through: an order number or a phone number must stay writable, and ~1/11 of random 12-digit strings would still
be caught, which is the price of never holding a real one.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from piaops.lib.checkdigits import is_valid_my_number

# Digits: ASCII 0-9 and full-width ０-９. Separators: space, ideographic space, ASCII/full-width hyphens,
# U+2212 minus and U+2010 hyphen (all seen in PDF extractions).
_D = "[0-9０-９]"
_SEP = "[ \u3000\\-－‐−]?"
_CANDIDATE = re.compile(rf"(?<![0-9０-９]){_D}(?:{_SEP}{_D}){{11}}(?![0-9０-９])")
MASK = "[個人番号の可能性がある数字を伏せました]"


def _digits(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", ch) for ch in text if ch.isdigit())


def find_my_numbers(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans in ``text`` that look like a valid 個人番号."""
    spans = []
    for match in _CANDIDATE.finditer(text):
        if is_valid_my_number(_digits(match.group())):
            spans.append(match.span())
    return spans


def contains_my_number(text: str) -> bool:
    return bool(find_my_numbers(text))


def mask_my_numbers(text: str) -> str:
    """``text`` with every candidate replaced by :data:`MASK`."""
    spans = find_my_numbers(text)
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return text


class MaskMyNumberFilter(logging.Filter):
    """A logging filter that masks candidates in the formatted message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's concern, not ours
            return True
        if contains_my_number(message):
            record.msg = mask_my_numbers(message)
            record.args = None
        if record.exc_text and contains_my_number(record.exc_text):
            record.exc_text = mask_my_numbers(record.exc_text)
        return True
