"""The difference between two versions of a report, item by item, as the report's own 別添3 変更箇所 shows it.

Items are paired by their number path (``Ⅳ-1-①``). Commitments are paired by the rule of
:mod:`piaops.assessments.matching`, computed afresh for any two versions (the marks stored at import compare a
version with its direct predecessor only).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from piaops.assessments.matching import Key, match_commitments, normalise_party, normalise_text, unmatched_old
from piaops.assessments.models import AssessmentReport, Commitment, Item


@dataclass
class CommitmentChange:
    change: str  # "new" | "changed" | "unchanged" | "removed"
    new: Commitment | None
    old: Commitment | None
    similarity: float = 0.0

    @property
    def label(self) -> str:
        if self.change == "removed":
            return "削除"
        return str(Commitment.Change(self.change).label)


@dataclass
class ItemChange:
    number_path: str
    title: str
    status: str  # "added" | "removed" | "changed" | "unchanged"
    old: Item | None
    new: Item | None
    text_changed: bool = False
    rating_changed: bool = False
    diff_lines: list[tuple[str, str]] = field(default_factory=list)  # ("+"|"-"|" ", line)
    # The removed and the added sentences, each as segments (changed?, text): a sentence that was edited rather than
    # replaced has only its changed characters marked, so a reader sees 「3年度に1回以上」 without comparing by eye.
    old_marked: list[list[tuple[bool, str]]] = field(default_factory=list)
    new_marked: list[list[tuple[bool, str]]] = field(default_factory=list)
    commitments: list[CommitmentChange] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {"added": "追加", "removed": "削除", "changed": "変更", "unchanged": "変更なし"}[self.status]

    @property
    def old_rating(self) -> str:
        return self.old.selected_choice if self.old else ""

    @property
    def new_rating(self) -> str:
        return self.new.selected_choice if self.new else ""


@dataclass
class ReportDiff:
    old: AssessmentReport
    new: AssessmentReport
    items: list[ItemChange]

    @property
    def changed_items(self) -> list[ItemChange]:
        return [i for i in self.items if i.status != "unchanged"]

    def marks(self) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0, "removed": 0}
        for item in self.items:
            for c in item.commitments:
                counts[c.change] += 1
        return counts


_SENTENCE = re.compile(r"[^。]*。|[^。]+$")


def _lines(text: str) -> list[str]:
    """Sentences, one per row: a report's paragraph is often one long line, and a change is one sentence."""
    rows: list[str] = []
    for line in text.splitlines():
        rows.extend(s.strip() for s in _SENTENCE.findall(line.strip()) if s.strip())
    return rows


def _text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Sentence rows of the body text; the rating line (``[…] <選択肢> …``) is left to the rating column."""
    rows: list[tuple[str, str]] = []
    old_rows = [r for r in _lines(old) if "<選択肢>" not in r]
    new_rows = [r for r in _lines(new) if "<選択肢>" not in r]
    for line in difflib.ndiff(old_rows, new_rows):
        tag, body = line[:1], line[2:]
        if tag in "+- ":
            rows.append((tag, body))
    return rows


Segments = list[tuple[bool, str]]
# Below this similarity two sentences are different sentences, not one edited: marking their characters would only
# scatter marks over common particles (の、を、に).
EDITED = 0.5


def _char_marks(old: str, new: str) -> tuple[Segments, Segments]:
    """``old`` and ``new`` as segments (changed?, text), the changed characters marked on each side."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < EDITED:
        return [(True, old)], [(True, new)]
    before: Segments = []
    after: Segments = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            before.append((op != "equal", old[i1:i2]))
        if j2 > j1:
            after.append((op != "equal", new[j1:j2]))
    return before, after


def marked_rows(diff_lines: list[tuple[str, str]]) -> tuple[list[Segments], list[Segments]]:
    """The removed and the added rows of ``diff_lines``, each as segments: a run of removed sentences followed by a
    run of added ones is paired in order, and each pair is compared character by character; a row without a partner
    is marked whole."""
    old_rows: list[Segments] = []
    new_rows: list[Segments] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        for k in range(max(len(removed), len(added))):
            if k < len(removed) and k < len(added):
                before, after = _char_marks(removed[k], added[k])
                old_rows.append(before)
                new_rows.append(after)
            elif k < len(removed):
                old_rows.append([(True, removed[k])])
            else:
                new_rows.append([(True, added[k])])
        removed.clear()
        added.clear()

    for tag, line in diff_lines:
        if tag == "-":
            if added:
                flush()
            removed.append(line)
        elif tag == "+":
            added.append(line)
        else:
            flush()
    flush()
    return old_rows, new_rows


def _key(c: Commitment) -> Key:
    return Key(
        item_path=c.item.number_path,
        party=normalise_party(c.party_name),
        text=c.text,
        source_text=c.source_text if c.refined else "",
    )


def report_diff(old: AssessmentReport, new: AssessmentReport) -> ReportDiff:
    """Compare ``old`` with ``new`` (two reports of one municipality, normally of one series)."""
    old_items = list(old.items.order_by("order"))
    new_items = list(new.items.order_by("order"))
    old_c = list(old.commitments.select_related("item", "owner_unit").order_by("order"))
    new_c = list(new.commitments.select_related("item", "owner_unit").order_by("order"))
    matches = match_commitments([_key(c) for c in old_c], [_key(c) for c in new_c])

    by_path: dict[str, ItemChange] = {}
    order: list[str] = []
    old_by_path = {i.number_path: i for i in old_items}
    for item in new_items:
        before = old_by_path.get(item.number_path)
        change = ItemChange(item.number_path, item.title, "added" if before is None else "unchanged", before, item)
        by_path[item.number_path] = change
        order.append(item.number_path)
    for item in old_items:
        if item.number_path not in by_path:
            by_path[item.number_path] = ItemChange(item.number_path, item.title, "removed", item, None)
            order.append(item.number_path)

    for change in by_path.values():
        change.rating_changed = change.old_rating != change.new_rating
        old_text = change.old.text if change.old else ""
        new_text = change.new.text if change.new else ""
        change.text_changed = normalise_text(old_text) != normalise_text(new_text)
        if change.text_changed:
            change.diff_lines = _text_diff(old_text, new_text)
            change.text_changed = any(tag != " " for tag, _ in change.diff_lines)
            change.old_marked, change.new_marked = marked_rows(change.diff_lines)
        if change.status == "unchanged" and (change.text_changed or change.rating_changed):
            change.status = "changed"

    for commitment, match in zip(new_c, matches, strict=True):
        predecessor = old_c[match.old_index] if match.old_index is not None else None
        by_path[commitment.item.number_path].commitments.append(
            CommitmentChange(match.change, commitment, predecessor, match.similarity)
        )
    for j in unmatched_old([_key(c) for c in old_c], matches):
        gone = old_c[j]
        by_path[gone.item.number_path].commitments.append(CommitmentChange("removed", None, gone))
    for change in by_path.values():
        if change.status == "unchanged" and any(c.change != "unchanged" for c in change.commitments):
            change.status = "changed"
    return ReportDiff(old=old, new=new, items=[by_path[p] for p in order])
