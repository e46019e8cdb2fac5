"""Which commitment of the previous version a new commitment continues (pure: no database).

The rule, in order (each old commitment is used at most once):

1. **Unchanged, same place** — same item path, same party, and the same *normalised* text (NFKC, whitespace
   removed, ``,`` read as ``、``). Page breaks and full-/half-width differences do not make a change.
2. **Unchanged, moved** — same party and the same normalised text in another item (the 様式 renumbered an item):
   the promise is the same, so the self-inspection answer carries over.
3. **Changed** — same item path and party, and similar text: a ``difflib.SequenceMatcher`` ratio of at least
   :data:`CHANGED_THRESHOLD` on the normalised texts, or — for a sentence that was extended or shortened
   (「現地監査を定期的に行う。」 → 「現地監査を、3年度に1回以上…定期的に行う。」) — at least
   :data:`CONTAINED_SHARE` of the shorter text found in the longer one with a ratio of at least
   :data:`CONTAINED_MIN_RATIO`. An old commitment refined by hand is compared by its refined text *and* its
   original source text, the better counts. Pairs are taken best first (by ratio), so two edited sentences of
   one block each find their own predecessor.
4. **New** — anything else. Old commitments left unmatched were removed in the new version.

Party is compared by the normalised party name (see :func:`normalise_party`), because the tenancy ``Party`` may be
unmatched (null) in either version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

CHANGED_THRESHOLD = 0.6
CONTAINED_SHARE = 0.8
CONTAINED_MIN_RATIO = 0.4

_SPACE = re.compile(r"\s+")
_BRACKETS = str.maketrans("", "", "<>〈〉《》【】［］[]「」()（）")
_PARTY_SUFFIXES = ("における措置", "の措置", "における対策")


def normalise_text(text: str) -> str:
    """The text as compared: NFKC, no whitespace, ``,`` → ``、`` (both seen in PDF extractions)."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE.sub("", text)
    return text.replace(",", "、")


def normalise_party(name: str) -> str:
    """A party name as compared: NFKC, lower case, no brackets or spaces, no ``…における措置`` suffix."""
    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    text = _SPACE.sub("", text).lower()
    for suffix in _PARTY_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text


@dataclass(frozen=True)
class Key:
    """What the matcher needs of one commitment."""

    item_path: str
    party: str  # normalise_party(...) already applied
    text: str
    source_text: str = ""


@dataclass(frozen=True)
class Match:
    old_index: int | None
    change: str  # "new" | "changed" | "unchanged" (Commitment.Change values)
    similarity: float


def similarity(a: str, b: str) -> float:
    """0..1: how alike two texts are, as the matcher scores a *changed* pair (0 below the thresholds)."""
    left, right = normalise_text(a), normalise_text(b)
    if not left or not right:
        return 0.0
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    ratio = matcher.ratio()
    if ratio >= CHANGED_THRESHOLD:
        return ratio
    shared = sum(block.size for block in matcher.get_matching_blocks())
    if ratio >= CONTAINED_MIN_RATIO and shared / min(len(left), len(right)) >= CONTAINED_SHARE:
        return ratio
    return 0.0


def match_commitments(old: Sequence[Key], new: Sequence[Key]) -> list[Match]:
    """One :class:`Match` per element of ``new`` (same order), following the module's rule.

    Exact matches are looked up in dictionaries and similarity is only computed within one item and party, so
    a report of a thousand commitments is matched in well under a second.
    """
    result: list[Match | None] = [None] * len(new)
    used: set[int] = set()
    new_norm = [normalise_text(n.text) for n in new]
    same_place: dict[tuple[str, str, str], list[int]] = {}
    same_party: dict[tuple[str, str], list[int]] = {}
    groups: dict[tuple[str, str], list[int]] = {}
    for j, o in enumerate(old):
        norms = {normalise_text(o.text)} | ({normalise_text(o.source_text)} if o.source_text else set())
        for norm in norms:
            same_place.setdefault((o.item_path, o.party, norm), []).append(j)
            same_party.setdefault((o.party, norm), []).append(j)
        groups.setdefault((o.item_path, o.party), []).append(j)

    def take(candidates: list[int]) -> int | None:
        for j in sorted(candidates):
            if j not in used:
                used.add(j)
                return j
        return None

    # 1 and 2: exact text, same item first, then anywhere for the same party.
    for i, n in enumerate(new):
        found = take(same_place.get((n.item_path, n.party, new_norm[i]), []))
        if found is not None:
            result[i] = Match(found, "unchanged", 1.0)
    for i, n in enumerate(new):
        if result[i] is None:
            found = take(same_party.get((n.party, new_norm[i]), []))
            if found is not None:
                result[i] = Match(found, "unchanged", 1.0)

    # 3: similar text in the same item and party, best pairs first.
    candidates: list[tuple[float, int, int]] = []
    for i, n in enumerate(new):
        if result[i] is not None:
            continue
        for j in groups.get((n.item_path, n.party), []):
            if j in used:
                continue
            o = old[j]
            score = max(similarity(n.text, o.text), similarity(n.text, o.source_text) if o.source_text else 0.0)
            if score > 0:
                candidates.append((score, i, j))
    for score, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if result[i] is None and j not in used:
            result[i] = Match(j, "changed", score)
            used.add(j)

    return [m if m is not None else Match(None, "new", 0.0) for m in result]


def unmatched_old(old: Sequence[Key], matches: Sequence[Match]) -> list[int]:
    """Indexes of ``old`` that no new commitment continues (removed in the new version)."""
    used = {m.old_index for m in matches if m.old_index is not None}
    return [j for j in range(len(old)) if j not in used]
