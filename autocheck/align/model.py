"""What the aligner is given (the parts to look for) and what it returns (each part's answer,
with the evidence of where it was read)."""

from __future__ import annotations

from dataclasses import dataclass, field

from autocheck.structure import ProposedExam

__all__ = [
    "Alignment",
    "AnswerText",
    "PartPrompt",
    "TargetSlot",
    "TextSpan",
    "prompts_from_structure",
]


@dataclass(frozen=True)
class TargetSlot:
    """One value a part asks for, as the aligner needs it to label what it read: the target's
    name, the symbol a value is written with (``H`` in ``H = 28``), the printed table column
    it is written in, if any, and whether it is a number (or numbers: a shape, a vector), so
    that digits the OCR read as look-alike letters can be read as digits. ``aliases``: every
    symbol the key declares for it (``dL/dw``, ``\\partial L/\\partial w``), by which the
    student's own equation can name it."""

    name: str
    symbol: str = ""
    column: str = ""
    numeric: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartPrompt:
    """A part to look for: its id, its label as printed (``"Q2.1"``, ``"(a)"``, ``"4(b)"``,
    ``"1."``, a table row's name, or ``""`` when unnumbered), and optional printed prompt text
    used as an anchor.

    ``question`` is the printed number of the part's question (``"3"``) and ``question_label``
    its printed label (``"Question 3"``), both optional. When given, the part is looked for only
    after its question's header (``Question 3``, ``## Q3``, ``Problem 3``, ...) and before the
    next question's, so that labels reused by every question (``(a)``, ``(b)``) cannot slide
    into another question when one is skipped.

    For alignment against the printed exam: ``column`` makes the part one cell of a table (the
    row named by ``label``, the column by its header); ``options`` are a choice's options in
    printed order (letters, words such as True/False, or the printed texts of an unlettered
    list), ``multiple`` when several may be chosen; ``targets`` label the values read from
    blanks and table cells.
    """

    part_id: str
    label: str
    prompt: str = ""
    question: str = ""
    question_label: str = ""
    column: str = ""
    options: tuple[str, ...] = ()
    targets: tuple[TargetSlot, ...] = ()
    multiple: bool = False


@dataclass(frozen=True)
class TextSpan:
    """A slice ``transcription[start:end]`` and its text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class AnswerText:
    """What the student wrote for one part.

    ``text`` is what the checker reads. Aligned by labels, it is ``transcription[start:end]``.
    Aligned against the printed exam, it is composed from the student's writing in the part:
    the options marked (``"B"``), the values written in blanks and table cells (labelled with
    their target, ``H = 28``), and the rest of the writing with crossed-out work left out;
    ``spans`` then lists every piece of the copy read as the student's for this part (for
    highlighting), and ``start``/``end`` enclose them.

    ``confidence`` (0 to 1) says how sure the anchor and the prompt/answer boundary are;
    ``method`` says how the part was located: ``"label+prompt"``, ``"label"``, ``"prompt"``,
    ``"solution_block"``, ``"printed"`` (aligned with the printed exam) or ``"not_found"``.
    ``review`` is non-empty when a person must read the part whatever it says (the answer was
    not found, the copy does not match the printed exam), with the reason; ``evidence`` says
    in words what was read where (``circled B``, ``blank 2: 28``).
    """

    part_id: str
    text: str
    start: int
    end: int
    confidence: float
    method: str
    spans: tuple[TextSpan, ...] = ()
    review: str = ""
    evidence: tuple[str, ...] = ()

    @property
    def blank(self) -> bool:
        """Nothing written after the part's prompt."""
        return not self.text.strip()

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "confidence": round(self.confidence, 3),
            "start": self.start,
            "end": self.end,
            "spans": [{"start": s.start, "end": s.end, "text": s.text} for s in self.spans],
            "review": self.review,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class Alignment:
    """Answers by part id, text that belongs to no part, and the printed text recognised.

    ``printed_share`` is the share of the printed exam's words found in the copy (``None``
    without a printed exam); ``review`` is non-empty when the copy as a whole must be read by a
    person (poor alignment), with the reason."""

    answers: dict[str, AnswerText]
    unmatched: list[TextSpan]
    prompts: list[TextSpan] = field(default_factory=list)
    printed_share: float | None = None
    review: str = ""


def prompts_from_structure(exam: ProposedExam) -> list[PartPrompt]:
    """The parts of a proposed structure as alignment anchors, in printed order."""
    return [
        PartPrompt(part.part_id, part.label, part.prompt, question.number, question.label)
        for question in exam.questions
        for part in question.parts
    ]
