"""A rated subject named on the command line or in a lineage query: `KIND:ID`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SubjectError(ValueError):
    """A subject reference that cannot be read, with the form it should have."""


@dataclass(frozen=True)
class SubjectRef:
    kind: str
    id: str

    @classmethod
    def parse(cls, text: str, kinds: Sequence[str]) -> SubjectRef:
        """`operator:OP_1` -> SubjectRef("operator", "OP_1"); `kinds` are the methodology's subject kinds."""
        kind, sep, subject_id = str(text).partition(":")
        if not sep or kind not in kinds or not subject_id:
            raise SubjectError(f"subject must be KIND:ID with KIND one of {', '.join(kinds)}; got {text!r}")
        return cls(kind, subject_id)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"
