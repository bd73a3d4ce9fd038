"""Text replacements at located places of a file; every byte outside them is kept as it was."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace source[start:end] by `text` (start == end inserts). `what` says why, for the migration report."""

    start: int
    end: int
    text: str
    what: str


class OverlappingEdits(ValueError):
    pass


def apply_edits(source: str, edits: list[Edit]) -> str:
    """`source` with every edit applied. Edits may come in any order; overlapping ones raise OverlappingEdits."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    pieces, at = [], 0
    for edit in ordered:
        if edit.start < at or edit.end < edit.start:
            raise OverlappingEdits(f"edit {edit.what!r} at {edit.start}..{edit.end} overlaps the previous one")
        pieces.append(source[at : edit.start])
        pieces.append(edit.text)
        at = edit.end
    pieces.append(source[at:])
    return "".join(pieces)
