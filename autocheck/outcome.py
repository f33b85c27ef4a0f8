"""What checking produces, shared by every answer kind and by the web app.

- :class:`Outcome`: the verdict of a part or a target (``correct``, ``incorrect``, ...), a
  ``StrEnum`` that ``exams.models.Answer.Verdict`` takes its values and labels from;
- :class:`Read`: a student's candidate answer read into a value of a kind;
- :class:`Comparison`: how that value compares with the expected one;
- :class:`Diagnosis`: the known mistake that explains a wrong value, in a student's words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autocheck.mathparse import ParsedNumber


class Outcome(enum.StrEnum):
    """A verdict. The worst error is a right answer marked ``INCORRECT`` (or an answered
    part marked ``BLANK``): when unsure, the checker says ``NEEDS_REVIEW``."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    PARTIAL = "partial"
    NEEDS_REVIEW = "needs_review"
    BLANK = "blank"

    @property
    def label(self) -> str:
        """How the verdict is shown to a person."""
        return _LABELS[self]


_LABELS = {
    Outcome.CORRECT: "Correct",
    Outcome.INCORRECT: "Incorrect",
    Outcome.PARTIAL: "Partially correct",
    Outcome.NEEDS_REVIEW: "Needs review",
    Outcome.BLANK: "Blank",
}

#: A target of a multi-value part whose value was not located (not a verdict of a part).
MISSING = "missing"


@dataclass(frozen=True)
class Read:
    """A student's answer read into a value of ``kind`` (a kind's name).

    ``value`` is in the kind's own form: a float (number/integer), ``(values, shape)``
    (vector/matrix), ``tuple[int]`` (shape), a SymPy expression, an option name (choice),
    found keywords, a mapping of variable values (predicate)... ``number`` keeps the written
    digits of a single number.
    """

    kind: str
    value: Any
    text: str
    number: ParsedNumber | None = None
    #: Other ways the same text reads (``1,204``: 1204, or 1.204 with a decimal comma).
    alternatives: tuple[ParsedNumber, ...] = ()
    #: The components of a vector or matrix as written (their digits count one by one).
    parts: tuple[ParsedNumber, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """``equal`` overall; ``score`` in [0, 1] (partial credit for components); ``code`` says
    how it was decided (``within_tolerance``, ``rounded``, ``permuted``, ``transposed``...)."""

    equal: bool
    score: float
    code: str
    detail: str = ""
    #: The comparison cannot decide (the text reads two ways that judge differently): a
    #: person must.
    unsure: bool = False


@dataclass(frozen=True)
class Diagnosis:
    """``code`` for machines and statistics; ``message`` for the student; ``credit`` is the
    suggested share of the points (error carried forward may earn them)."""

    code: str
    message: str
    credit: float = 0.0
    recomputed: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "credit": self.credit,
            "recomputed": self.recomputed,
        }
