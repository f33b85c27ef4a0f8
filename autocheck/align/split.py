"""An answer key's parts as alignment anchors, and a whole transcription split by them."""

from __future__ import annotations

import re

from autocheck.align.compose import align_printed
from autocheck.align.labels import align
from autocheck.align.model import Alignment, PartPrompt, TargetSlot
from autocheck.align.printed import read_printed
from autocheck.keys import ExamKey, LiteralAnswer, PartKey, QuestionKey, SolverValue
from autocheck.structure import propose_structure

__all__ = ["key_prompts", "split_transcription"]


def key_prompts(key: ExamKey) -> tuple[PartPrompt, ...]:
    """The key's parts as anchors: label (a question without parts is labelled by its
    question's label), prompt, question, table column, choice options and targets."""
    return tuple(
        _prompt(question, part, question.parts)
        for question in key.questions
        for part in question.parts
    )


def _prompt(question: QuestionKey, part: PartKey, siblings: tuple[PartKey, ...]) -> PartPrompt:
    label = part.label or (question.label if len(siblings) == 1 and not part.number else "")
    label = label or _printed_label(part.number or question.number)
    options: tuple[str, ...] = ()
    multiple = False
    # a choice's options, or those of a choice accepted as an alternative (the option's
    # letter for a numeric question)
    answers = [t.answer for t in part.targets] + [
        a.answer for t in part.targets for a in t.alternatives
    ]
    for answer in answers:
        if isinstance(answer, LiteralAnswer) and answer.options:
            options = tuple(answer.options)
            multiple = answer.kind == "multi_select"
            break
    targets = tuple(
        TargetSlot(
            t.name,
            t.symbols[0] if t.symbols else "",
            t.column,
            _numeric(t.answer),
            tuple(t.symbols),
        )
        for t in part.targets
    )
    return PartPrompt(
        part.id,
        label,
        part.prompt,
        question.number,
        question.label,
        column=part.column,
        options=options,
        targets=targets,
        multiple=multiple,
    )


def _printed_label(number: str) -> str:
    """How a number the key gives without a label is usually printed: ``1.``, ``(a)``."""
    if number.isdigit():
        return f"{number}."
    if len(number) == 1 and number.isalpha():
        return f"({number})"
    return number


_NUMERIC_KINDS = frozenset(("number", "integer", "percentage", "vector", "matrix", "shape"))


def _numeric(answer: object) -> bool:
    if isinstance(answer, SolverValue):
        return True
    return isinstance(answer, LiteralAnswer) and answer.kind in _NUMERIC_KINDS


def split_transcription(key: ExamKey, transcription: str, printed: str | None = None) -> Alignment:
    """Each of the key's parts' answers in a whole transcription.

    With the exam's printed (blank) text, the copy is aligned against it
    (:func:`~autocheck.align.compose.align_printed`). Without it, parts are located by their
    labels and prompts (:func:`~autocheck.align.labels.align`): the key's labels and short
    prompts are the anchors, and where the transcription's own printed structure (read by
    :mod:`autocheck.structure`) has the same part ids, its labels and printed prompts are used
    for parts the key does not label, since they match the page exactly.
    """
    prompts = key_prompts(key)
    if printed is not None and printed.strip():
        return align_printed(transcription, read_printed(printed, prompts))
    return align(transcription, _fallback_prompts(key, transcription, prompts))


def _fallback_prompts(
    key: ExamKey, transcription: str, prompts: tuple[PartPrompt, ...]
) -> list[PartPrompt]:
    try:
        seen = {p.part_id: p for p in propose_structure(transcription).parts}
    except ValueError:
        seen = {}
    out = []
    for question in key.questions:
        for part in question.parts:
            found = seen.get(part.id)
            label = part.label or (found.label if found is not None else "")
            # A printed prompt found in the transcription anchors best, but on a copy that holds
            # only handwriting the "prompt" the structure reader finds is the student's own first
            # line: trust it only when it reads like question text (several words).
            printed_prompt = found.prompt if found is not None else ""
            if len(re.findall(r"[A-Za-z]{3,}", printed_prompt)) < 5:
                printed_prompt = ""
            out.append(
                PartPrompt(
                    part.id, label, printed_prompt or part.prompt, question.number, question.label
                )
            )
    return out
