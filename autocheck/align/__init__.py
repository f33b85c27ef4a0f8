"""Find each part's answer in a student's copy.

Two ways, one result (:class:`Alignment`):

- **against the printed exam** (:func:`align_printed`, used whenever the exam's blank text is
  known): a copy is the printed exam with the student's writing inserted, plus OCR noise. The
  copy is aligned with the print token by token; what does not match print is the student's,
  and each piece is placed by where it sits in the print: in which part, on which printed
  option (circled, ticked, crossed out), in which blank, in which table row and column;
- **by labels and prompts** (:func:`align`), the fallback without a printed exam: each part's
  printed label or prompt is located in the copy, and the text after it is its answer.

:func:`split_transcription` does either for an answer key. ``docs/exam-structure.md``
describes both.
"""

from __future__ import annotations

from autocheck.align.compose import align_printed
from autocheck.align.doubts import MIN_PRINTED_SHARE
from autocheck.align.labels import align, locate
from autocheck.align.model import (
    Alignment,
    AnswerText,
    PartPrompt,
    TargetSlot,
    TextSpan,
    prompts_from_structure,
)
from autocheck.align.printed import PrintedExam, read_printed
from autocheck.align.split import key_prompts, split_transcription
from autocheck.align.values import strip_crossed_out

__all__ = [
    "MIN_PRINTED_SHARE",
    "Alignment",
    "AnswerText",
    "PartPrompt",
    "PrintedExam",
    "TargetSlot",
    "TextSpan",
    "align",
    "align_printed",
    "key_prompts",
    "locate",
    "prompts_from_structure",
    "read_printed",
    "split_transcription",
    "strip_crossed_out",
]
