"""Shared hypothesis strategies for the importers' fuzz tests: a known-good file damaged the way files get damaged."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


@st.composite
def mutated_bytes(
    draw: st.DrawFn,
    example: bytes,
    *,
    text: st.SearchStrategy[str],
    edits: tuple[int, int] = (1, 6),
    encodings: Sequence[str] = ("utf-8", "cp932"),
) -> bytes:
    """``example`` with bytes replaced, inserted or deleted and ``text`` spliced in (in one of ``encodings``).

    Starting from a file the importer accepts keeps most examples past the first check (the header), so that the
    mutants reach the row checks and the write, where partial saves would happen.
    """
    data = bytearray(example)
    for _ in range(draw(st.integers(*edits))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "text"]))
        if action == "replace" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        else:
            data[position:position] = draw(text).encode(draw(st.sampled_from(encodings)), errors="ignore")
    return bytes(data)
