"""The PPC 漏えい等報告 for 特定個人情報: whether it is required, and by when.

Sources: 行政手続における特定の個人を識別するための番号の利用等に関する法律 (番号法) 第29条の4;
特定個人情報の漏えい等に関する報告等に関する規則 (令和3年個人情報保護委員会規則, 以下「規則」) 第2条 (報告対象事態)
and 第3条 (速報・確報); 「特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）」 第3-5 and
「個人情報の保護に関する法律についてのガイドライン（通則編）」 3-5-3-3 (速報) / 3-5-3-4 (確報).

Reportability (規則第2条): a leak, loss or damage (漏えい等) of 特定個人情報, or the possibility of one, must be
reported when any of these holds —

1. the 特定個人情報 was recorded in the 情報提供ネットワークシステム or a system connected to it
   (情報提供ネットワークシステム等);
2. it may have been done with an unlawful purpose (不正の目的: unauthorised access, theft, taking data out);
3. it may have been made viewable by an unspecified number of people (不特定多数の者に閲覧, e.g. published on
   the internet);
4. more than 100 persons are concerned (本人の数が100人を超える).

Otherwise the incident is handled and closed internally: no 確報 is due.

Deadlines:

- 速報 (規則第3条第1項): 「速やかに」, which the PPC explains as roughly 3 to 5 days from knowing. piaops shows a
  target (3 days) and a due date (5 days, ``PIAOPS_PPC_PROMPT_DAYS``) counted from the day after knowing; a day
  the office is closed moves *back* to the previous 開庁日, never onto or before the day of knowing. A target, not
  a legal date.
- 確報 (規則第3条第2項): within 30 days of knowing; 60 days when the incident may have been done with an unlawful
  purpose (case 2 above). The guideline (通則編 3-5-3-4) counts **the day the body knew as day 1** (known 6/1 → due
  6/30), and when the 30th / 60th day falls on a Saturday, Sunday, national holiday or 12/29–1/3 the due date is
  **the next 開庁日** (行政機関の休日に関する法律 第2条 and the guideline's note on 期限が行政機関の休日に当たる場合).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from piaops.lib.fiscal import next_office_day, previous_office_day

PROMPT_TARGET_DAYS = 3
FINAL_DAYS = 30
FINAL_DAYS_UNLAWFUL = 60
# 規則第2条第4号: 「…本人の数が百人を超える…」 — 100 itself is not enough.
PEOPLE_THRESHOLD = 100


@dataclass(frozen=True)
class PpcDeadlines:
    prompt_target: dt.date
    prompt_due: dt.date
    final_due: dt.date


def _prompt(known_on: dt.date, days: int) -> dt.date:
    """``days`` after ``known_on``, moved back to a 開庁日 — but never back onto or before the day of knowing
    (over the year-end closure the next 開庁日 is the only possible one). A target, so never later than needed."""
    day = known_on + dt.timedelta(days=days)
    earlier = previous_office_day(day)
    return earlier if earlier > known_on else next_office_day(day)


def final_due(*, known_on: dt.date, unlawful_purpose: bool) -> dt.date:
    """The 確報 due date: the 30th (60th) day counting the day of knowing as day 1, or the next 開庁日 after it
    when that day is a Saturday, Sunday, national holiday or in 12/29–1/3 (通則編 3-5-3-4)."""
    days = FINAL_DAYS_UNLAWFUL if unlawful_purpose else FINAL_DAYS
    return next_office_day(known_on + dt.timedelta(days=days - 1))


def deadlines(*, known_on: dt.date, unlawful_purpose: bool) -> PpcDeadlines:
    prompt_days = int(getattr(settings, "PIAOPS_PPC_PROMPT_DAYS", 5))
    return PpcDeadlines(
        prompt_target=_prompt(known_on, PROMPT_TARGET_DAYS),
        prompt_due=_prompt(known_on, prompt_days),
        final_due=final_due(known_on=known_on, unlawful_purpose=unlawful_purpose),
    )


@dataclass(frozen=True)
class Reportability:
    """The decision on 規則第2条 and the reasons for it, in Japanese, for the incident page."""

    required: bool
    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        if self.required:
            return "個人情報保護委員会への報告が必要です（" + "／".join(self.reasons) + "）。"
        return "個人情報保護委員会への報告は不要です（" + "／".join(self.reasons) + "）。団体内で対応し終結できます。"


def reportability(
    *,
    involved: bool,
    in_network_system: bool,
    unlawful_purpose: bool,
    public_exposure: bool,
    people_affected: int | None,
) -> Reportability:
    """Whether the PPC report is required (規則第2条 第1号〜第4号), with the cases that apply."""
    if not involved:
        return Reportability(False, ("特定個人情報の漏えい等のおそれがない",))
    reasons = []
    if in_network_system:
        reasons.append("第1号：情報提供ネットワークシステム等に記録された特定個人情報")
    if unlawful_purpose:
        reasons.append("第2号：不正の目的をもって行われたおそれ")
    if public_exposure:
        reasons.append("第3号：不特定多数の者に閲覧されたおそれ")
    if people_affected is not None and people_affected > PEOPLE_THRESHOLD:
        reasons.append(f"第4号：本人の数が{PEOPLE_THRESHOLD}人を超える（{people_affected}人）")
    if reasons:
        return Reportability(True, tuple(reasons))
    count = f"本人の数{people_affected}人" if people_affected is not None else "本人の数は未記入"
    return Reportability(False, (f"規則第2条各号のいずれにも当たらない（{count}）",))
