"""Plain-text tables for the command line: columns padded to their widest cell."""

from __future__ import annotations

from collections.abc import Container, Sequence


def text_table(header: Sequence[str], rows: Sequence[Sequence[object]], right: Container[int] = ()) -> list[str]:
    """Lines of a table; the columns at the indexes in `right` (counts) align right."""
    cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        return "  ".join(padded).rstrip()

    return [line(row) for row in cells]
