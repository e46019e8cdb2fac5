"""Validation errors of a checklist: every problem at once, each with where it is (item number or cell)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    where: str  # "項目3", "自己点検票!D12"
    message: str  # Japanese

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ChecklistInvalid(Exception):
    """Raised before anything is saved; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class SubmissionRefused(ChecklistInvalid):
    """The answers were saved (a draft) but the submission was refused: ``problems`` lists what is incomplete."""
