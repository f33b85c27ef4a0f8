"""From a copy aligned with its printed exam to each part's answer text and evidence.

:func:`align_printed` aligns the copy (:mod:`autocheck.align.diff`), places its writing
(:mod:`autocheck.align.place`), moves answer lists and continued answers to the parts they
name (:mod:`autocheck.align.lists`), and composes what the checker reads for each part: the
options marked, the values written in blanks and table cells labelled with their targets
(``H = 28``), then the free writing with crossed-out work left out. A copy whose alignment is
poor is sent to a person as a whole, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import fuzz

from autocheck.align.columns import NOT_SEPARATED, printed_columns, restore, separate
from autocheck.align.diff import CopyAlignment, align_copy
from autocheck.align.doubts import (
    SHEET_DOUBT,
    copy_review,
    page_headings,
    shared_lines,
    stray_doubts,
    unplaced_doubts,
)
from autocheck.align.lists import answer_list, continued_part, label_forms, points_elsewhere
from autocheck.align.model import Alignment, AnswerText, PartPrompt, TextSpan
from autocheck.align.named import named_parts
from autocheck.align.own_labels import own_labels
from autocheck.align.place import Piece, place
from autocheck.align.printed import PrintedExam, PrintedPart
from autocheck.align.under import under_tables
from autocheck.align.values import (
    STRIKE_RE,
    TAG_RE,
    UNDERLINE_RE,
    answer_line,
    as_number,
    blank_values,
    broken_number,
    clean,
    filled_in,
    labelled,
    marked_options,
    option_letter,
    options_named,
    split_number,
    target_for_column,
)

__all__ = ["align_printed"]

_CONFIDENCE = 0.95


def align_printed(transcription: str, printed: PrintedExam) -> Alignment:
    """Each part's answer in a copy, read against the printed exam.

    Returns an :class:`Alignment` whose answers carry the composed text, the spans of the
    copy read as the student's for each part, a confidence and, where a person must read the
    part, the reason (``review``). Printed text matched is in ``prompts``; writing outside
    every part (a cover page) in ``unmatched``; together with the answers' spans they cover
    every non-blank character of the copy.

    A print whose two columns arrive with their lines alternated is aligned column by column
    (:mod:`autocheck.align.columns`), the copy separated the same way.
    """
    columns = printed_columns(printed)
    if columns is not None and columns.printed is not None:
        separated = separate(transcription, columns)
        alignment = _align_printed(separated.text, columns.printed)
        return restore(alignment, separated, transcription, columns.printed)
    alignment = _align_printed(transcription, printed)
    if columns is None:
        return alignment
    answers = {
        pid: answer
        if answer.review or pid not in columns.interleaved
        else replace(answer, review=NOT_SEPARATED, confidence=min(answer.confidence, 0.4))
        for pid, answer in alignment.answers.items()
    }
    return replace(alignment, answers=answers)


def _align_printed(transcription: str, printed: PrintedExam) -> Alignment:
    aligned = align_copy(printed, transcription)
    pieces, unplaced = place(printed, aligned, transcription)
    pieces, unplaced = named_parts(printed, pieces, unplaced, aligned, transcription)
    prompts = [p.prompt for p in printed.parts]
    # crossed-out work names no part: labels are read in the text with it blanked out
    visible = STRIKE_RE.sub(lambda m: " " * len(m.group(0)), transcription)
    pieces = shared_lines(printed, aligned, pieces, transcription, visible)
    pieces = _redistribute(pieces, prompts, transcription, visible)
    labelled = own_labels(pieces, printed, aligned, transcription, visible)
    under = under_tables(printed, page_headings(labelled.pieces, transcription), transcription)
    pieces = under.pieces
    doubts = {
        **stray_doubts(printed, aligned, transcription),
        **unplaced_doubts(printed, pieces),
        **labelled.reviews,
        **under.reviews,
    }
    sheet = [p for p in pieces if p.kind == "sheet"]
    if any(re.search(r"\w", clean(p.text)) for p in sheet):
        doubts = dict.fromkeys((p.prompt.part_id for p in printed.parts), SHEET_DOUBT)
    review = copy_review(aligned)
    answers = {}
    for part in printed.parts:
        own = [p for p in pieces if p.part == part.prompt.part_id]
        answer = _answer(part, own, aligned, printed)
        doubt = doubts.get(part.prompt.part_id, "")
        if doubt and not answer.review:
            answer = replace(answer, review=doubt, confidence=min(answer.confidence, 0.4))
        if review:
            answer = replace(answer, review=review, confidence=min(answer.confidence, 0.3))
        answers[part.prompt.part_id] = answer
    return Alignment(
        answers=answers,
        unmatched=[_span(transcription, a, b) for a, b in unplaced]
        + [_span(transcription, p.start, p.end) for p in sheet],
        prompts=_printed_spans(aligned, transcription),
        printed_share=round(aligned.share, 3),
        review=review,
    )


def _span(text: str, a: int, b: int) -> TextSpan:
    return TextSpan(text[a:b], a, b)


def _printed_spans(aligned: CopyAlignment, text: str) -> list[TextSpan]:
    """The copy's printed text: its tokens aligned with print, neighbours merged."""
    used = [j for j, i in enumerate(aligned.printed) if i >= 0]
    spans: list[TextSpan] = []
    for j in used:
        t = aligned.tokens[j]
        if spans and not text[spans[-1].end : t.start].strip():
            spans[-1] = _span(text, spans[-1].start, t.end)
        else:
            spans.append(_span(text, t.start, t.end))
    return spans


# --- answer lists and continued answers ------------------------------------------------------


def _redistribute(
    pieces: list[Piece], prompts: Sequence[PartPrompt], text: str, visible: str
) -> list[Piece]:
    """Continued answers go to their part, and the entries of answer lists to the parts they
    name. The continuation's heading and the list's labels stay accounted for, as ``label``
    pieces (read as the student's, not as an answer)."""
    elsewhere = {p.part for p in pieces if p.kind == "text" and points_elsewhere(p.text)}
    question_of = {p.part_id: p.question for p in prompts}
    out: list[Piece] = []
    for piece in pieces:
        if piece.slot == "under":  # under a table: the student's labels place it
            out.append(piece)
            continue
        seen = visible[piece.start : piece.end]
        found = continued_part(seen, prompts, elsewhere) if piece.kind == "text" else None
        if found is not None and found[0] != piece.part:
            a = piece.start + found[1]
            out.append(Piece(found[0], "label", "", piece.start, a, text[piece.start : a]))
            out.append(Piece(found[0], "text", "continued", a, piece.end, text[a : piece.end]))
            continue
        listed = _list_parts(prompts, question_of.get(piece.part, ""))
        entries = answer_list(seen, listed) if piece.kind in ("text", "blank") else []
        if not entries:
            out.append(piece)
            continue
        pos = piece.start
        for entry in entries:
            a, b = piece.start + entry.start, piece.start + entry.end
            a = _with_crossed_out(a, pos, text, visible)
            out.append(Piece(piece.part, "label", "", pos, a, text[pos:a]))
            out.append(Piece(entry.part, "text", "list", a, b, text[a:b]))
            pos = b
        out.append(Piece(piece.part, "label", "", pos, piece.end, text[pos : piece.end]))
    return [p for p in out if p.kind != "label" or p.text.strip()]


def _with_crossed_out(a: int, pos: int, text: str, visible: str) -> int:
    """Where an entry's value starts once a value crossed out right before it (``5-~~T~~ F``)
    is taken with it."""
    k = a
    while k > pos and visible[k - 1].isspace():
        k -= 1
    if visible[k:a] == text[k:a]:
        return a  # nothing crossed out there
    while text[k].isspace():
        k += 1
    return k


def _list_parts(prompts: Sequence[PartPrompt], question: str) -> Sequence[PartPrompt]:
    """The parts an answer list written under ``question`` may name: every part, unless
    several questions share a label (``(a)`` of each): then the parts of its own question."""
    seen: dict[str, str] = {}
    for prompt in prompts:
        for form in label_forms(prompt):
            if seen.setdefault(form, prompt.question) != prompt.question:
                return [p for p in prompts if p.question == question] if question else prompts
    return prompts


# --- one part ----------------------------------------------------------------------------------


def _answer(
    part: PrintedPart, pieces: list[Piece], aligned: CopyAlignment, printed: PrintedExam
) -> AnswerText:
    pid = part.prompt.part_id
    spans = tuple(TextSpan(p.text, p.start, p.end) for p in pieces)
    start = min((p.start for p in pieces), default=0)
    end = max((p.end for p in pieces), default=0)
    if not part.found and any(p.kind != "label" or p.slot == "empty row" for p in pieces):
        return _named_answer(part, pieces, start, end, spans)
    if not part.found:
        return AnswerText(
            pid,
            "",
            0,
            0,
            0.0,
            "not_found",
            spans,
            review="answer not found: the part's label was not found in the printed exam",
        )
    pieces = _ticked_columns(part, _boxed_first(pieces))
    lines, evidence = _compose(part, pieces, printed)
    text = "\n".join(line for line in lines if line.strip())
    found = _found_share(part, aligned, printed)
    review = ""
    marked = {p.slot for p in pieces if p.kind == "mark" and not p.crossed}
    if len(marked) > 1 and not part.prompt.multiple:
        review = f"several options are marked ({', '.join(sorted(marked))})"
    named = options_named(pieces, part.prompt.options)
    if len(named) > 1 and not part.prompt.multiple:
        review = f"the answer names several options ({', '.join(named)})"
    if any(t.numeric for t in part.prompt.targets) and split_number(text):
        review = "a number with a space inside: a decimal point may have been lost"
    if any(t.numeric for t in part.prompt.targets) and broken_number(pieces):
        review = "a number may be broken over two lines: read it whole"
    confidence = _CONFIDENCE
    if found < 0.3:
        if not pieces:
            review = "answer not found: the part's printed text is missing from this copy"
        elif _label_repeated(part, printed):
            review = (
                f"the part's printed text is missing from this copy and its label "
                f"{part.prompt.label!r} is printed several times in its question: the writing "
                "here may answer another of them"
            )
        confidence = 0.6
    if pieces and not re.search(r"\w", text) and any(p.kind != "mark" for p in pieces):
        if any(STRIKE_RE.search(p.text) for p in pieces):
            review = "everything written for this part is crossed out"
        elif any(_WRITTEN_RE.search(clean(p.text)) for p in pieces if p.kind != "label"):
            review = "something is written for this part but was not read as an answer"
        elif part.options and any(p.kind == "text" for p in pieces):
            # a bracket or a line beside the printed options that touches none of them
            review = "something is written beside the printed options but marks none of them"
    return AnswerText(pid, text, start, end, confidence, "printed", spans, review, evidence)


def _boxed_first(pieces: list[Piece]) -> list[Piece]:
    """What the part's final-answers box holds is its answer, the working below it not; an
    empty box (or one with everything crossed out) leaves the working to be read."""
    boxes = [replace(p, kind="text", slot="box") for p in pieces if p.kind == "box"]
    if any(clean(p.text).strip() for p in boxes):
        return boxes
    return [p for p in pieces if p.kind != "box"] + boxes


def _label_repeated(part: PrintedPart, printed: PrintedExam) -> bool:
    """Whether another part of the same question prints the same label (``i.`` under each of
    ``(a)``, ``(b)``, ``(c)``)."""
    label = part.prompt.label.strip().lower()
    return any(
        other is not part
        and other.prompt.question == part.prompt.question
        and other.prompt.label.strip().lower() == label
        for other in printed.parts
    )


def _named_answer(
    part: PrintedPart, pieces: list[Piece], start: int, end: int, spans: tuple[TextSpan, ...]
) -> AnswerText:
    """A part not found in print, read from writing that names it (its row of the student's
    own table, a line starting with its label, a comment on the printed line naming it)."""
    lines, evidence = _compose(part, pieces)
    text = "\n".join(line for line in lines if line.strip())
    label = part.prompt.label
    evidence = (f"written under the student's own label {label!r}", *evidence)
    return AnswerText(part.prompt.part_id, text, start, end, 0.85, "named", spans, "", evidence)


# Something written: anything but spaces and the punctuation of layout (a filled bubble, a
# tick, a question mark all are).
_WRITTEN_RE = re.compile(r"[^\s\-_.,:;|*#$~=()\[\]{}'\"`<>/\\&^]|\\checkmark")
_TICK_RE = re.compile(r"[xX×✓✔√•]|\\checkmark|\\times")


def _ticked_columns(part: PrintedPart, pieces: list[Piece]) -> list[Piece]:
    """A tick or a cross in a table cell whose column is named like one of the part's options
    ("Yes" / "No" columns) marks that option; a struck-through one crosses it out."""
    if not part.prompt.options:
        return pieces
    out = []
    for piece in pieces:
        option = _option_named(part.prompt.options, piece.slot) if piece.kind == "cell" else None
        value = TAG_RE.sub(" ", UNDERLINE_RE.sub(r"\1", piece.text))
        value = re.sub(r"~~|\\(?:sout|cancel|xcancel|st)\b|[{}$\s]", "", value)
        if option is not None and value and _TICK_RE.fullmatch(value):
            crossed = bool(STRIKE_RE.search(piece.text))
            out.append(
                Piece(piece.part, "mark", option, piece.start, piece.end, piece.text, crossed)
            )
        else:
            out.append(piece)
    return out


def _option_named(options: Sequence[str], header: str) -> str | None:
    best = max(options, key=lambda o: fuzz.ratio(o.lower(), header.lower()), default=None)
    if best is None or fuzz.ratio(best.lower(), header.lower()) < 85:
        return None
    return best


def _found_share(part: PrintedPart, aligned: CopyAlignment, printed: PrintedExam) -> float:
    """Share of the part's printed words (for a table part, its cells' borders) found in the
    copy."""
    if part.table:
        indices = [c.left for c in part.cells] + [c.right for c in part.cells]
    else:
        indices = [i for i in range(part.start, part.end) if printed.tokens[i].content]
    if not indices:
        return 1.0
    return sum(aligned.matched[i] >= 0 for i in indices) / len(indices)


def _compose(
    part: PrintedPart, pieces: list[Piece], printed: PrintedExam | None = None
) -> tuple[list[str], tuple[str, ...]]:
    """The lines the checker reads for a part, and the evidence in words."""
    targets = part.prompt.targets
    lines: list[str] = []
    evidence: list[str] = []
    marked = marked_options(pieces, evidence)
    if marked:
        lines.append(", ".join(marked))
    cells = [p for p in pieces if p.kind == "cell"]
    for piece in cells:
        value = clean(piece.text)
        if value and targets and all(t.numeric for t in targets):
            value = as_number(value)  # a cell's own look-alikes: "O" in it is 0
        if value:
            evidence.append(f"cell {piece.slot}: {value}")
            lines.append(labelled(value, target_for_column(targets, piece.slot), part))
    blanks = blank_values(part, pieces, evidence)
    # the blanks printed for it elsewhere (an answer sheet) hold the answer its working led to
    own = len(part.blanks) - len(part.elsewhere)
    blanks, sheet = blanks[:own], blanks[own:]
    texts = [p for p in pieces if p.kind == "text"]
    free = [clean(p.text) for p in texts]
    for piece, value in zip(texts, free, strict=True):
        if piece.slot in ("list", "continued"):
            evidence.append(f"{'answer list' if piece.slot == 'list' else 'continued'}: {value}")
    if not any(blanks) and own == len(targets) > 1 and len(free) == 1:
        # the values written after the sentence instead of on its blanks, in their order
        values = [v.strip() for v in re.split(r"[,;]\s*|\n+|\s{2,}", free[0]) if v.strip()]
        if len(values) == len(targets):
            blanks, free = values, []
    options = part.prompt.options
    if printed is not None and own > 1 and len(targets) == 1 and any(blanks):
        # one value in several blanks (a vector's entries in printed brackets): the printed
        # line with the values written into it
        lines.append(filled_in(part, blanks, printed))
        blanks = []
    if len(blanks) == len(targets) > 1:
        lines += [
            labelled(v, t.symbol or t.name, part) for v, t in zip(blanks, targets, strict=True) if v
        ]
    elif printed is not None and len(blanks) == 1 and blanks[0] and any(free):
        # its blank holds the answer, the writing after it is its working or explanation
        lines.append(answer_line(blanks[0], part, printed))
    else:
        lines += [option_letter(v, options) for v in blanks if v]
    lines += [option_letter(v, options) for v in free]
    lines += [option_letter(v, options) for v in sheet if v]
    if targets and all(t.numeric for t in targets):
        lines = [as_number(line) for line in lines]
    return lines, tuple(evidence)
