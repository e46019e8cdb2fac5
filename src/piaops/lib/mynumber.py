"""The My Number guard: piaops never stores, logs or echoes a 個人番号.

A candidate is 12 digits (ASCII or full-width), with at most three separators (white space or any kind of hyphen
or dash) between two digits, not part of a longer run of digits, whose last digit is a valid 個人番号 check digit.
Numbers whose check digit fails are let through: an order number or a phone number must stay writable, and ~1/11
of random 12-digit strings would still be caught, which is the price of never holding a real one.
"""

from __future__ import annotations

import logging
import logging.config
import re
import unicodedata
from typing import Any

from piaops.lib.checkdigits import is_valid_my_number

# Digits: ASCII 0-9 and full-width ０-９. Separators: any white space (also the ideographic space and line breaks
# of PDF extractions), ASCII/full-width hyphens, U+2010-2015 hyphens and dashes, U+2212 minus, and the katakana
# prolonged sound marks ー/ｰ that Japanese IMEs often produce instead of a hyphen.
_D = "[0-9０-９]"
_SEP = "[\\s\\-－‐‑‒–—―−ーｰ]{0,3}"
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
    """:func:`contains_my_number` for the many short cells of an import, with the same answer: an ASCII text
    shorter than 12 characters cannot hold 12 digits in any disguise (NFKC leaves ASCII as it is), so only the
    other cells are scanned — a 100,000-row import skips most of its half a million scans."""
    if len(text) < 12 and text.isascii():
        return False
    return contains_my_number(text)
