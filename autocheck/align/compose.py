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
from autocheck.align.diff import CopyAlignment, align_copy, stray_lines
from autocheck.align.lists import answer_list, continued_part, label_forms, points_elsewhere
from autocheck.align.model import Alignment, AnswerText, PartPrompt, TextSpan
from autocheck.align.named import named_parts
from autocheck.align.own_labels import own_labels
from autocheck.align.place import Piece, place
from autocheck.align.printed import PrintedExam, PrintedPart
from autocheck.align.tokens import tokenize
from autocheck.align.under import under_tables

__all__ = ["MIN_PRINTED_SHARE", "align_printed", "strip_crossed_out"]

#: Below this share of the print's words found in a copy, the copy goes to a person whole.
MIN_PRINTED_SHARE = 0.6
#: Printed words found out of place (columns or pages read across each other) that make the
#: placement of the writing around them unreliable.
MAX_STRAY_WORDS = 8
_CONFIDENCE = 0.95

_STRIKE_RE = re.compile(
    r"~~.*?~~|<(s|del|strike)>.*?</\1>"
    r"|\\(?:sout|st|cancel|bcancel|xcancel|xout|strike)\s*\{(?:[^{}]|\{[^{}]*\})*\}",
    re.S,
)


_TAG_RE = re.compile(r"</?\s*[A-Za-z][^<>]*>")


_UNDERLINE_RE = re.compile(
    r"\\(?:underline|uline|textcircled|circled)\s*\{((?:[^{}]|\{[^{}]*\})*)\}"
)


def _clean(text: str) -> str:
    """A value as read: crossed-out work and the OCR's HTML layout tags left out, and an
    underline or circle the student drew around it taken off."""
    text = _UNDERLINE_RE.sub(r"\1", strip_crossed_out(text))
    text = _TAG_RE.sub(" ", text)
    # what is left of a LaTeX table's row and cell separators around a cell's value
    return re.sub(r"^(?:\s|&|\\\\|\\hline)+|(?:\s|&|\\\\|\\hline)+$", "", text)


def strip_crossed_out(text: str) -> str:
    """``text`` without what the student crossed out (``~~...~~``, ``\\sout{...}``,
    ``\\cancel{...}``, ``<s>...</s>``)."""
    return _STRIKE_RE.sub(" ", text)


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
    visible = _STRIKE_RE.sub(lambda m: " " * len(m.group(0)), transcription)
    pieces = _shared_lines(printed, aligned, pieces, transcription, visible)
    pieces = _redistribute(pieces, prompts, transcription, visible)
    labelled = own_labels(pieces, printed, aligned, transcription, visible)
    under = under_tables(printed, _page_headings(labelled.pieces, transcription), transcription)
    pieces = under.pieces
    doubts = {
        **_stray_doubts(printed, aligned, transcription),
        **_unplaced_doubts(printed, pieces),
        **labelled.reviews,
        **under.reviews,
    }
    sheet = [p for p in pieces if p.kind == "sheet"]
    if any(re.search(r"\w", _clean(p.text)) for p in sheet):
        doubts = dict.fromkeys((p.prompt.part_id for p in printed.parts), _SHEET_DOUBT)
    review = _copy_review(aligned)
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


# a line that only says where on the paper the writing is: "(back of page 1)", "Page 2 of 3"
_PAGE_HEADING_RE = re.compile(
    r"[ \t(\[*_#>]*(?:"
    r"(?:on\s+the\s+)?(?:back|reverse)(?:\s+side)?\s+of\s+(?:the\s+)?page\s*\d+"
    r"|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?"
    r"|(?:continued|cont\.?)\s+(?:from|on)\s+page\s*\d+"
    r")[ \t)\]*_:.]*",
    re.I,
)


def _page_headings(pieces: list[Piece], text: str) -> list[Piece]:
    """Free writing without the lines that only say where on the paper it is (``(back of page
    1)`` over an answer continued there, a page's ``Page 2 of 3``): kept as ``label`` pieces,
    never read as the answer's final value."""
    out: list[Piece] = []
    for piece in pieces:
        if piece.kind != "text":
            out.append(piece)
            continue
        pos = piece.start
        for line in re.finditer(r"[^\n]+", piece.text):
            if not _PAGE_HEADING_RE.fullmatch(line.group(0)):
                continue
            a, b = piece.start + line.start(), piece.start + line.end()
            if text[pos:a].strip():
                out.append(replace(piece, start=pos, end=a, text=text[pos:a]))
            out.append(Piece(piece.part, "label", "", a, b, text[a:b]))
            pos = b
        if pos == piece.start:
            out.append(piece)
        elif text[pos : piece.end].strip():
            out.append(replace(piece, start=pos, end=piece.end, text=text[pos : piece.end]))
    return out


_SHEET_DOUBT = (
    "the answer sheet's numbered lines are written on but could not be matched to the parts "
    "(neither by their labels nor in order): a person must say which line answers which part"
)


def _copy_review(aligned: CopyAlignment) -> str:
    if aligned.share < MIN_PRINTED_SHARE:
        return (
            f"only {aligned.share:.0%} of the printed exam was found in this copy: "
            "is it the right exam, and are all its pages there?"
        )
    if aligned.stray_words > MAX_STRAY_WORDS:
        return (
            "printed text appears out of its order in this copy (columns or pages read "
            "across each other): the answers cannot be placed reliably"
        )
    return ""


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


def _line_groups(printed: PrintedExam) -> list[list[PrintedPart]]:
    """The parts whose labels and blanks share a printed line (``(a) ____  (b) ____``)."""
    lines: dict[int, list[PrintedPart]] = {}
    for part in printed.parts:
        if part.found and not part.table and part.blanks:
            lines.setdefault(printed.lines[part.start], []).append(part)
    return [group for group in lines.values() if len(group) > 1]


def _label_re(label: str) -> re.Pattern[str]:
    """A printed label as written on a copy's line, spaces allowed inside (``( b )``)."""
    chars = [re.escape(c) for c in label if not c.isspace()]
    return re.compile(r"(?<!\w)" + r"\s*".join(chars) + (r"(?!\w)" if label[-1:].isalnum() else ""))


def _only_labels_and_blanks(printed: PrintedExam, group: Sequence[PrintedPart]) -> bool:
    """Whether the group's printed line holds nothing but their labels and blanks."""
    tokens, lines = printed.tokens, printed.lines
    line = lines[group[0].start]
    rest = " ".join(t.text for i, t in enumerate(tokens) if lines[i] == line and t.kind != "blank")
    for part in group:
        rest = _label_re(part.prompt.label).sub(" ", rest, count=1)
    return not rest.strip()


def _shared_lines(
    printed: PrintedExam, aligned: CopyAlignment, pieces: list[Piece], text: str, visible: str
) -> list[Piece]:
    """A printed line holding several parts' labels and blanks is read on the copy's line by
    the labels written there, in whatever order (``(b) 32896   (a) 128``): what follows each
    label, up to the next, fills that part's blank on the line."""
    for group in _line_groups(printed):
        if not _only_labels_and_blanks(printed, group):
            continue  # a sentence with blanks (a cloze paragraph) is read by its print
        js = {aligned.matched[p.start] for p in group} | {
            aligned.matched[b] for p in group for b in p.blanks
        }
        js.discard(-1)
        if not js:
            continue
        anchor = aligned.tokens[min(js)].start
        a = text.rfind("\n", 0, anchor) + 1
        b = text.find("\n", anchor)
        b = len(text) if b < 0 else b
        found = []
        for part in group:
            hits = list(_label_re(part.prompt.label).finditer(visible, a, b))
            if len(hits) != 1:
                break
            found.append((hits[0].start(), hits[0].end(), part))
        else:
            found.sort(key=lambda f: f[0])
            ids = {p.prompt.part_id for p in group}
            kept = [p for p in pieces if not (p.part in ids and a <= p.start and p.end <= b)]
            for k, (_, end, part) in enumerate(found):
                stop = found[k + 1][0] if k + 1 < len(found) else b
                slot = next(
                    i
                    for i, blank in enumerate(part.blanks)
                    if printed.lines[blank] == printed.lines[part.start]
                )
                value = text[end:stop].strip()
                if value:
                    start = text.index(value, end)
                    kept.append(
                        Piece(
                            part.prompt.part_id,
                            "blank",
                            str(slot),
                            start,
                            start + len(value),
                            value,
                        )
                    )
            pieces = sorted(kept, key=lambda p: p.start)
    return pieces


def _stray_doubts(printed: PrintedExam, aligned: CopyAlignment, text: str) -> dict[str, str]:
    """Parts a person must read because the copy reads a printed line out of its order
    (columns or pages read across each other) before their end: from there on, the writing
    the alignment places may be another part's."""
    stray = stray_lines(printed, aligned, text)
    if not stray:
        return {}
    first = stray[0][0]
    seen = [aligned.printed[j] for j, t in enumerate(aligned.tokens) if t.end <= first]
    at = max(seen, default=-1)
    reason = (
        "a printed line is read out of its order in this copy (columns or pages read across "
        "each other): read which part the writing from there on answers"
    )
    return {p.prompt.part_id: reason for p in printed.parts if p.found and p.end > at}


def _unplaced_doubts(printed: PrintedExam, pieces: Sequence[Piece]) -> dict[str, str]:
    """Parts a person must read because writing near them cannot be given to one part: free
    writing under a printed line that holds several parts' blanks (``(a) ____  (b) ____``),
    outside every blank and without a label naming its part, may answer any of them."""
    doubts: dict[str, str] = {}
    lines: dict[int, list[str]] = {}
    for part in printed.parts:
        if part.found and not part.table and part.blanks:
            lines.setdefault(printed.lines[part.start], []).append(part.prompt.part_id)
    for group in lines.values():
        if len(group) < 2:
            continue
        if any(
            p.part in group and p.kind == "text" and not p.slot and re.search(r"\w", _clean(p.text))
            for p in pieces
        ):
            reason = (
                f"writing under the line that holds the blanks of {', '.join(group)} is in "
                "none of them and names no part: a person must say which part it answers"
            )
            doubts.update(dict.fromkeys(group, reason))
    return doubts


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
    named = _options_named(pieces, part.prompt.options)
    if len(named) > 1 and not part.prompt.multiple:
        review = f"the answer names several options ({', '.join(named)})"
    if any(t.numeric for t in part.prompt.targets) and _split_number(text):
        review = "a number with a space inside: a decimal point may have been lost"
    if any(t.numeric for t in part.prompt.targets) and _broken_number(pieces):
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
        if any(_STRIKE_RE.search(p.text) for p in pieces):
            review = "everything written for this part is crossed out"
        elif any(_WRITTEN_RE.search(_clean(p.text)) for p in pieces if p.kind != "label"):
            review = "something is written for this part but was not read as an answer"
        elif part.options and any(p.kind == "text" for p in pieces):
            # a bracket or a line beside the printed options that touches none of them
            review = "something is written beside the printed options but marks none of them"
    return AnswerText(pid, text, start, end, confidence, "printed", spans, review, evidence)


def _boxed_first(pieces: list[Piece]) -> list[Piece]:
    """What the part's final-answers box holds is its answer, the working below it not; an
    empty box (or one with everything crossed out) leaves the working to be read."""
    boxes = [replace(p, kind="text", slot="box") for p in pieces if p.kind == "box"]
    if any(_clean(p.text).strip() for p in boxes):
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
        value = _TAG_RE.sub(" ", _UNDERLINE_RE.sub(r"\1", piece.text))
        value = re.sub(r"~~|\\(?:sout|cancel|xcancel|st)\b|[{}$\s]", "", value)
        if option is not None and value and _TICK_RE.fullmatch(value):
            crossed = bool(_STRIKE_RE.search(piece.text))
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
    marked = _marked(pieces, evidence)
    if marked:
        lines.append(", ".join(marked))
    cells = [p for p in pieces if p.kind == "cell"]
    for piece in cells:
        value = _clean(piece.text)
        if value and targets and all(t.numeric for t in targets):
            value = _as_number(value)  # a cell's own look-alikes: "O" in it is 0
        if value:
            evidence.append(f"cell {piece.slot}: {value}")
            lines.append(_labelled(value, _target_for_column(targets, piece.slot), part))
    blanks = _blank_values(part, pieces, evidence)
    # the blanks printed for it elsewhere (an answer sheet) hold the answer its working led to
    own = len(part.blanks) - len(part.elsewhere)
    blanks, sheet = blanks[:own], blanks[own:]
    texts = [p for p in pieces if p.kind == "text"]
    free = [_clean(p.text) for p in texts]
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
        lines.append(_filled_in(part, blanks, printed))
        blanks = []
    if len(blanks) == len(targets) > 1:
        lines += [
            _labelled(v, t.symbol or t.name, part)
            for v, t in zip(blanks, targets, strict=True)
            if v
        ]
    elif printed is not None and len(blanks) == 1 and blanks[0] and any(free):
        # its blank holds the answer, the writing after it is its working or explanation
        lines.append(_answer_line(blanks[0], part, printed))
    else:
        lines += [_option_letter(v, options) for v in blanks if v]
    lines += [_option_letter(v, options) for v in free]
    lines += [_option_letter(v, options) for v in sheet if v]
    if targets and all(t.numeric for t in targets):
        lines = [_as_number(line) for line in lines]
    return lines, tuple(evidence)


def _answer_line(value: str, part: PrintedPart, printed: PrintedExam) -> str:
    """A blank's value as the part's answer when the blank is printed before the part's
    prompt (``(e) ____ is the number of ...; explain below why``): the sentence's subject is
    the answer, and the numbers of the explanation written below are no value of it."""
    tokens, blank = printed.tokens, part.blanks[0]
    label = len([t for t in tokenize(part.prompt.label) if t.content])
    before = sum(tokens[i].content for i in range(part.start, blank))
    if before != label or blank + 1 >= part.end or not tokens[blank + 1].content:
        return value
    if printed.lines[blank] != printed.lines[blank + 1]:
        return value  # a blank alone on its line after the label: no prompt follows it
    targets = part.prompt.targets
    symbol = targets[0].symbol if len(targets) == 1 else ""
    return f"{symbol} = {value}" if symbol else f"Answer: {value}"


def _filled_in(part: PrintedPart, values: Sequence[str], printed: PrintedExam) -> str:
    """The printed lines holding the part's own blanks, each blank replaced by its value
    (``z = [ 5 , -1 ]^T``); a blank left empty stays a blank, so the value does not read."""
    own = part.blanks[: len(values)]
    tokens, text = printed.tokens, printed.text
    a = text.rfind("\n", 0, tokens[own[0]].start) + 1
    b = text.find("\n", tokens[own[-1]].end)
    b = len(text) if b < 0 else b
    out, pos = [], a
    numeric = all(t.numeric for t in part.prompt.targets)
    for index, value in zip(own, values, strict=True):
        token = tokens[index]
        if numeric and re.fullmatch(r"[-−]?[lI|O]", value.strip()):
            value = value.strip().translate(_DIGIT_LOOKALIKES)  # "-l" in a blank is -1
        out += [text[pos : token.start], value or token.text]
        pos = token.end
    out.append(text[pos:b])
    return "".join(out).strip()


_LOOKALIKE_RE = re.compile(
    r"(?<![A-Za-z\\])[-−]?(?=[0-9lI|OZ.,]*\d)[0-9lI|O][0-9lI|OZ.,]*(?![A-Za-z])"
)
# "lO", "lOO": a one and zeros, with no digit the look-alike pattern above can hold on to
_TENS_RE = re.compile(r"(?<![A-Za-z\\])[lI]O+(?![A-Za-z])")
_DIGIT_LOOKALIKES = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "Z": "2"})
_FRACTION_RE = re.compile(r"-?\d+(?:\.\d+)?\s*/\s*\d+(?:\.\d+)?")


def _as_number(line: str) -> str:
    """A value of a numeric part as the student wrote it: digits the OCR read as look-alike
    letters inside a number read as digits (``39l``, ``l2.5``, ``6OO``, ``3Z``), a lone ``l`` or ``O``
    as 1 or 0, and a bare fraction (``5/4``) as one number."""
    if line.strip() in ("l", "I", "|", "O"):
        return line.strip().translate(_DIGIT_LOOKALIKES)
    line = _LOOKALIKE_RE.sub(lambda m: m.group(0).translate(_DIGIT_LOOKALIKES), line)
    if re.search(r"\d", line) or _TENS_RE.fullmatch(line.strip()):
        # a ten or a hundred read all in look-alikes, alone or beside numbers
        line = _TENS_RE.sub(lambda m: m.group(0).translate(_DIGIT_LOOKALIKES), line)
    if _FRACTION_RE.fullmatch(line.strip()):
        return f"${line.strip()}$"
    return line


_SPLIT_NUMBER_RE = re.compile(r"^[-−]?\d+ \d{1,2}$|^[-−]?\d+ \d{4,}$")
# the line's last number split so inside words ("the loss is 1 39 nats")
_SPLIT_LAST_RE = re.compile(r"(?<![\d.,])\d+ (?:\d{1,2}|\d{4,})(?![\d.,])(?=[^\d]*$)")


# two lines of nothing but digits, one under the other: "2035" then "30" where the writing
# ran out of room (whatever markup the OCR put around them)
# (alone on its line, or ending an equation: "... = 2035" then "30")
_BROKEN_NUMBER_RE = re.compile(
    r"^(?:[^\n]*=)?[ \t*_$]*(\d+)[ \t*_$]*\n[ \t*_$]*(\d+)[ \t*_$]*$", re.M
)


def _broken_number(pieces: Sequence[Piece]) -> bool:
    """Free writing with a number broken over two lines: read as its second half, it would
    be judged on a number the student did not write. The same number again on the next line
    (the result restated) is not broken."""
    return any(
        p.kind == "text" and m.group(1) != m.group(2)
        for p in pieces
        for m in _BROKEN_NUMBER_RE.finditer(p.text)
    )


def _split_number(text: str) -> bool:
    """A final value whose digits a space splits into groups that are no thousands (``-0 5``,
    ``1 25``): the OCR may have dropped a decimal point."""
    for line in text.splitlines():
        tail = line.rsplit("=", 1)[-1].strip(" $")
        if _SPLIT_NUMBER_RE.fullmatch(tail) or _SPLIT_LAST_RE.search(line):
            return True
    return False


def _options_named(pieces: Sequence[Piece], options: Sequence[str]) -> list[str]:
    """The option letters a short written answer names ("B or C", "A/B")."""
    letters = [o for o in options if len(o) == 1]
    named: list[str] = []
    for piece in pieces:
        value = _clean(piece.text)
        if piece.kind in ("mark", "label") or len(value) > 12:
            continue
        for letter in re.findall(r"(?<![A-Za-z])([A-Z])(?![A-Za-z])", value):
            if letter in letters and letter not in named:
                named.append(letter)
    return named


def _option_letter(value: str, options: Sequence[str]) -> str:
    """A lone option letter written lower-case or in brackets (``(b)``) as the option's name;
    option letters written together (``BC``) as a list of them."""
    m = re.fullmatch(r"\(?\s*([A-Za-z])\s*[).]?", value)
    if m and m.group(1).upper() in options:
        return m.group(1).upper()
    glued = re.fullmatch(r"[A-Z]{2,6}", value.strip())
    letters = list(glued.group(0)) if glued else []
    if letters and len(set(letters)) == len(letters) and all(x in options for x in letters):
        return ", ".join(letters)
    return value


def _marked(pieces: Sequence[Piece], evidence: list[str]) -> list[str]:
    """Options marked and not crossed out, in printed order of their first mark."""
    crossed = {p.slot for p in pieces if p.kind == "mark" and p.crossed}
    marked: list[str] = []
    for piece in pieces:
        if piece.kind != "mark":
            continue
        evidence.append(
            f"{'crossed out' if piece.crossed else 'marked'} {piece.slot}: {piece.text}"
        )
        if piece.slot not in crossed and piece.slot not in marked:
            marked.append(piece.slot)
    return marked


def _blank_values(part: PrintedPart, pieces: Sequence[Piece], evidence: list[str]) -> list[str]:
    values = ["" for _ in part.blanks]
    for piece in pieces:
        if piece.kind == "blank":
            k = int(piece.slot)
            value = _clean(piece.text).strip("_\\ ")
            value = re.sub(r"^\\_|\\_$", "", value).strip()
            if value.count("|") == 1:  # a box's border beside the value, not an absolute value
                value = value.strip("| ")
            values[k] = (values[k] + " " + value).strip()
            evidence.append(f"blank {k + 1}: {value}")
    return values


def _target_for_column(targets: Sequence, header: str) -> str:
    """The target a column holds: by the printed header the key names, else (a table the
    student drew) by a header that names the target or its symbol (``# params``)."""
    if not targets:
        return ""
    if any(t.column for t in targets):
        best = max(targets, key=lambda t: fuzz.ratio(t.column.lower(), header.lower()))
        if not best.column or fuzz.ratio(best.column.lower(), header.lower()) < 70:
            return ""
        return best.symbol or best.name
    words = set(re.findall(r"[a-z]+", header.lower()))
    named = [t for t in targets if words & {t.name.lower(), t.symbol.lower()} - {""}]
    return (named[0].symbol or named[0].name) if len(named) == 1 else ""


def _labelled(value: str, symbol: str, part: PrintedPart) -> str:
    """``symbol = value`` for a value written in a labelled slot (a column, a blank), so the
    checker reads it as that target's; the value alone when the part has one value."""
    if not symbol or len(part.prompt.targets) <= 1:
        return value
    return f"{symbol} = {value}"
