"""A party's measure text → atomic promises (commitments), each with a kind and the cadence the text states.

Splitting, in this order of preference:

1. numbered points — ``1 …`` (digit + space), ``①…``, ``(1)…`` — when they form a chain 1, 2, 3… (a lone "1 " or
   a date such as "令和 6 年" is not a list); the text before the first point is split into sentences;
2. bullets ``・…`` at the start of a line or after a space or "。";
3. otherwise sentences, split at "。" outside brackets (``(会計年度任用職員等を含む。)`` does not end a sentence).

Lead-in sentences ("内容は以下のとおり。") are not promises and are left out (they stay in the block text).
The kind rules are the tables ``KIND_RULES``/``WEAK_KIND_RULES`` below; cadences are read by :mod:`piaops.lib.cadence`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from piaops.assessments.parsed import ParsedCommitment, Span
from piaops.assessments.vocab import CommitmentKind
from piaops.lib import cadence as cadence_grammar

# --- kinds -------------------------------------------------------------------------------------------------------

# Activity words, tried in this order; the first rule whose pattern occurs in the promise decides its kind.
# Self-inspection comes before audit because the reference's self-inspection runs "監査の際に".
KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    (CommitmentKind.SELF_INSPECTION, re.compile(r"自己点検|点検票|セルフチェック")),
    (CommitmentKind.AUDIT, re.compile(r"監査|フォローアップ")),
    (CommitmentKind.TRAINING, re.compile(r"研修|教育|啓発|訓練")),
    (
        CommitmentKind.INCIDENT,
        re.compile(r"事故|漏えい|漏洩|滅失|毀損|障害が発生|障害発生|インシデント|事案|事象|緊急時"),
    ),
    (
        CommitmentKind.PHYSICAL,
        re.compile(r"入退室|入退館|施錠|管理区域|サーバー?室|電算室|監視カメラ|盗難|のぞき見|覗き見|持ち?出し"),
    ),
]
# Words that only say *who* or *where*; the item's own subject (自己点検/監査/教育) wins over them.
WEAK_KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    (CommitmentKind.THIRD_PARTY, re.compile(r"委託|契約|ISMAP|調達|事業者|ASP")),
    (CommitmentKind.OPERATIONS, re.compile(r"運用|監視|アクセス権限|ログ|バックアップ|ユーザ認証|パスワード|システム")),
]
# The subject of an item, from its title, when no activity word decides.
ITEM_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (CommitmentKind.SELF_INSPECTION, re.compile(r"自己点検")),
    (CommitmentKind.AUDIT, re.compile(r"監査")),
    (CommitmentKind.TRAINING, re.compile(r"教育|啓発")),
]


def item_kind(item_title: str) -> str:
    for kind, pattern in ITEM_KINDS:
        if pattern.search(item_title):
            return str(kind)
    return ""


def classify(text: str, *, default: str = "") -> str:
    """The ``CommitmentKind`` of one promise; ``default`` is the item's subject (see ``item_kind``)."""
    for kind, pattern in KIND_RULES:
        if pattern.search(text):
            return str(kind)
    if default:
        return default
    for kind, pattern in WEAK_KIND_RULES:
        if pattern.search(text):
            return str(kind)
    return str(CommitmentKind.OTHER)


# --- cadences ----------------------------------------------------------------------------------------------------


def cadences(text: str) -> list[str]:
    """Every cadence ``text`` states, in order of appearance, without repeats (machine values of the one cadence
    grammar, :mod:`piaops.lib.cadence`)."""
    return cadence_grammar.parse_values(text)


# --- parties -----------------------------------------------------------------------------------------------------

_MUNICIPALITY = re.compile(r"^(?:\S{1,10}[都道府県市町村区]|本市|当市|本町|当町|本村|当村|本区|当区|本県|当県)$")


def normalise_party(label: str) -> tuple[str, str]:
    """Party label as written (``札幌市における措置``) → (normalised name, tenancy ``Party.Kind`` value or "")."""
    name = re.sub(r"(?:における|での|の)措置$", "", label.replace(" ", "")).strip("<>【】")
    folded = name.casefold()
    if "中間サーバ" in name and "プラットフォーム" in name:
        return "中間サーバー・プラットフォーム", "intermediate_server"
    if "中間サーバ" in name and "ソフトウェア" in name:
        return "中間サーバー・ソフトウェア", ""
    if ("eltax" in folded or "エルタックス" in name) and "委託" in name:
        return "eLTAXシステム認定委託先事業者", "eltax_contractor"
    if "ガバメントクラウド" in name.replace("・", ""):
        return "ガバメントクラウド", "government_cloud"
    if _MUNICIPALITY.match(name):
        return name, "municipality"
    return name, ""


# --- splitting ---------------------------------------------------------------------------------------------------


@dataclass
class _Marker:
    start: int  # where the marker begins
    end: int  # where the point's text begins
    number: int


_STYLES: list[tuple[re.Pattern[str], bool]] = [
    # (pattern with group "n", whether the number is a circled digit)
    (re.compile(r"(?:^|(?<=[\s。]))(?P<n>[1-9][0-9]?)[ ]+(?=[^\s0-9年月日回人件名か%ヶ])"), False),
    (re.compile(r"(?P<n>[①-⑳])\s*"), True),
    (re.compile(r"(?:^|(?<=[\s。]))\((?P<n>[1-9][0-9]?)\)\s*"), False),
]
_BULLET = re.compile(r"(?:^|(?<=[\s。]))・\s*")
_LEAD_IN = re.compile(r"(?:以下|次)の(?:とおり|通り)|[:：]$")
_OPENERS = "(「『[【"
_CLOSERS = ")」』]】"


def _chain(markers: list[_Marker]) -> list[_Marker]:
    """The longest run 1, 2, 3… in text order among ``markers`` (empty when shorter than two)."""
    best: list[_Marker] = []
    for first in (m for m in markers if m.number == 1):
        chain = [first]
        for m in markers:
            if m.start >= chain[-1].end and m.number == chain[-1].number + 1:
                chain.append(m)
        if len(chain) > len(best):
            best = chain
    return best if len(best) >= 2 else []


def _points(text: str) -> list[_Marker]:
    chains: list[list[_Marker]] = []
    for pattern, circled in _STYLES:
        markers = [
            _Marker(m.start(), m.end(), ord(m.group("n")) - 0x245F if circled else int(m.group("n")))
            for m in pattern.finditer(text)
        ]
        chain = _chain(markers)
        if chain:
            chains.append(chain)
    if chains:
        # Nested lists: the outer list is the one that starts first.
        return min(chains, key=lambda c: c[0].start)
    bullets = [_Marker(m.start(), m.end(), 0) for m in _BULLET.finditer(text)]
    return bullets


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text[start:end]``; "。" inside brackets does not end one."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    depth = 0
    begin = start
    for i in range(start, end):
        ch = text[i]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        elif ch == "。" and depth == 0:
            out.append((begin, i + 1))
            begin = i + 1
    out.append((begin, end))
    return [(a, b) for a, b in out if text[a:b].strip(" 。")]


def promise_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each atomic promise in ``text`` (markers excluded, lead-ins left out)."""
    points = _points(text)
    spans: list[tuple[int, int]] = []
    intro_end = points[0].start if points else len(text)
    for a, b in sentences(text, 0, intro_end):
        if not _LEAD_IN.search(text[a:b].strip().rstrip("。")):
            spans.append((a, b))
    for n, point in enumerate(points):
        stop = points[n + 1].start if n + 1 < len(points) else len(text)
        if text[point.end : stop].strip():
            spans.append((point.end, stop))
    return spans


def extract(
    text: str,
    line_starts: list[tuple[int, int]],
    *,
    default_kind: str = "",
) -> list[ParsedCommitment]:
    """Commitments of one block. ``line_starts``: (offset in ``text``, source line) for each joined fragment."""
    offsets = [o for o, _ in line_starts]

    def line_at(pos: int) -> int:
        if not line_starts:
            return 0
        return line_starts[max(0, bisect.bisect_right(offsets, pos) - 1)][1]

    out: list[ParsedCommitment] = []
    for a, b in promise_spans(text):
        raw = text[a:b]
        body = raw.strip()
        if not body:
            continue
        lead = a + (len(raw) - len(raw.lstrip()))
        read = cadence_grammar.parse(body)
        stated = [c.value for c in read]
        scheduling = cadence_grammar.primary(read)
        out.append(
            ParsedCommitment(
                text=body,
                kind=classify(body, default=default_kind),
                cadence=scheduling.value if scheduling else "",
                span=Span(line_at(lead), line_at(lead + len(body) - 1)),
                cadences=stated,
            )
        )
    return out
