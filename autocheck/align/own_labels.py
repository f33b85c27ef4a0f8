"""Writing the student labelled with the part it answers: ``Q1b: ...``, ``3b) ...``,
``(a) ...``, ``ii. ...``, ``(cont.) Q1(b): ...``.

A question's parts are often answered together in its shared space, out of order, in the
margin or on the back page, each under the student's own label. Such a label re-assigns what
follows it (up to the next label) to the part it names: the part of that question and letter
when the label names a question (``Q1b``, ``3b)``), else the part of that letter in the
question it is written under; a roman sub-part (``ii.``) is the one under the lettered part
printed last before it (``(b)``). A label that names no part, or several, moves nothing and
sends the writing's part to a person.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from autocheck.align.diff import CopyAlignment
from autocheck.align.lists import label_forms
from autocheck.align.place import Piece
from autocheck.align.printed import PrintedExam

__all__ = ["Label", "LabelledWriting", "own_labels", "parse_label"]

_ROMAN = r"(?:iii|ii|iv|vi{0,3}|i|ix|x)"
# an optional "(cont.)", then a question ("Q1", "3"), a letter and a roman numeral, in
# brackets or followed by a separator
_LABEL_RE = re.compile(
    r"^[ \t>*_\-↓→⇒⟶]*(?P<cont>\(?\s*cont(?:inued|'d|d|\.)?\s*\)?[ \t:.\-]*)?"
    r"(?P<body>(?P<pword>part\s*)?"
    r"(?P<qword>(?:q|question|problem)\s*\.?\s*)?(?P<q>\d{1,2})?"
    r"(?:(?<=\d)\.(?P<n>\d{1,2})(?![\d.,]))?\s*"
    r"(?P<p>\(\s*[a-h]\s*\)|[a-h](?![a-z]))?\s*"
    r"(?P<r>\(\s*" + _ROMAN + r"\s*\)|" + _ROMAN + r"(?=\s*[.)]))?"
    r")"
    r"(?P<sep>\s*[:.)=]|\s*-(?=\s)|(?<=\))|(?=\s))",
    re.I,
)
_BRACKETED_DECIMAL_RE = re.compile(r"^([ \t]*)\((\s*(?:q\s*)?\d{1,2}\.\d{1,2}\s*\))", re.I)
_LETTER_HEADING_RE = re.compile(r"\(\s*([a-h])\s*\)|([a-h])[.)]\s")


@dataclass(frozen=True)
class LabelledWriting:
    """The pieces after the student's labels were followed, and the parts a person must
    read because writing in them carries a label naming no part or several (by part id,
    with the reason)."""

    pieces: list[Piece]
    reviews: dict[str, str]


def _components(match: re.Match[str]) -> list[str]:
    """The label's components, lower case: ``Q1(b)`` -> ``["1", "b"]``."""
    out = []
    for name in ("q", "n", "p", "r"):
        value = match.group(name)
        if value:
            out.append(re.sub(r"[()\s]", "", value).lower())
    return out


@dataclass(frozen=True)
class Label:
    """A student's label opening a line: its components (``Q1(b)`` -> ``["1", "b"]``), the
    offset in the line where what it labels starts, whether it says the answer is continued,
    and whether it is surely a label (in brackets, or naming its question)."""

    comps: list[str]
    end: int
    continued: bool
    sure: bool
    within: bool = False


def parse_label(line: str, bare: bool = False, questions: bool = False) -> Label | None:
    """The student's label opening ``line``, or ``None`` when the line opens with none.

    With ``bare`` (writing under a table whose rows number a question's parts), a number
    alone with a bracket or a colon, or after the word part (``2)``, ``Part 2:``), labels the
    part of that number in the question it is written under (``within``). With
    ``questions`` (an exam whose parts are whole questions), the question's word and number
    (``Q4``, ``Question 4:``) label that question."""
    # a decimal label in brackets, "(3.3) 16", reads as "3.3) 16" (the same offsets)
    line = _BRACKETED_DECIMAL_RE.sub(r"\1 \2", line, count=1)
    m = _LABEL_RE.match(line)
    if m is None or not m.group("body").strip():
        return None
    comps = _components(m)
    if not comps:
        return None
    bracketed = bool(m.group("p") and "(" in m.group("p")) or bool(
        m.group("r") and "(" in m.group("r")
    )
    separated = bool(m.group("sep").strip())
    # a bare letter or number ("a 60", "3 x 3") is no label: it needs its brackets, a
    # separator, or the question's word ("Q2a 0.8")
    if not (bracketed or separated or m.group("qword")):
        return None
    if m.group("n") and m.group("sep").strip() not in (":", ")") and not m.group("qword"):
        return None  # "0.52", "2.5 x 3", "1.5 = 3/2": a decimal number, not a part's label
    if not (m.group("n") or m.group("p") or m.group("r")):
        sep = m.group("sep").strip()
        if bare and not m.group("qword") and (m.group("pword") or sep in (":", ")")):
            return Label(comps, m.end(), bool(m.group("cont")), True, within=True)
        if questions and m.group("qword") and m.group("q"):
            return Label(comps, m.end(), bool(m.group("cont")), True)
        return None  # "3." or "Q3" alone is a number or a question's header, not a part
    if m.group("sep").strip() == "=" and not m.group("q"):
        return None  # "b = 0.2 - ...", "x = 3": a variable, not a part ("Q1a = 391" is)
    sure = bracketed or bool(m.group("q"))
    return Label(comps, m.end(), bool(m.group("cont")), sure)


def _part_components(part_id: str) -> list[str]:
    return [c for c in re.split(r"[.\-_()]+", part_id.lower()) if c]


def own_labels(
    pieces: list[Piece], printed: PrintedExam, aligned: CopyAlignment, text: str, visible: str
) -> LabelledWriting:
    """Follow the student's own labels in the free writing of each part (see the module's
    docstring); ``visible`` is the copy with its crossed-out work blanked (a label crossed
    out names nothing)."""
    prompts = [p.prompt for p in printed.parts if p.found]
    question_of = {p.part_id: p.question for p in prompts}
    comps = {p.part_id: _part_components(p.part_id) for p in prompts}
    choice = {p.part_id for p in prompts if p.options}
    printed_as = {
        p.part_id: [p.question.lower(), form.lower()]
        for p in prompts
        for form in label_forms(p)[:1]
        if re.fullmatch(r"[a-z]+|\d+", form.lower())
    }
    # the kinds of numbering the parts use: "(i)" in an exam without roman sub-parts is the
    # student's own enumeration, not a part's label
    kinds = {_kind(pc[-1]) for pc in [*comps.values(), *printed_as.values()] if len(pc) >= 2}
    whole = any(len(pc) == 1 for pc in comps.values())  # parts that are whole questions
    out: list[Piece] = []
    reviews: dict[str, str] = {}
    starts = [t.start for t in aligned.tokens]
    for piece in pieces:
        if piece.kind != "text" or piece.slot not in ("", "under") or piece.part in choice:
            out.append(piece)
            continue
        segments = _segments(piece, text, visible, piece.slot == "under", whole)
        if len(segments) == 1 and segments[0][2] is None:
            out.append(piece)
            continue
        heading = _heading_before(piece.start, starts, aligned, printed)
        for a, b, label in segments:  # each labelled segment to the part it names
            if label is None:
                out.append(Piece(piece.part, "text", piece.slot, a, b, text[a:b]))
                continue
            content = a + label.end
            question = question_of.get(piece.part, "")
            named = [question, *label.comps] if label.within else label.comps
            target = _resolve(named, question, comps, printed_as, heading)
            if target is None or target in choice:
                # a question's number alone ("Q3") heading its parts' answers: no part's
                heading_only = len(named) == 1 and named[0].isdigit()
                if not label.sure or heading_only or _kind(label.comps[-1]) not in kinds:
                    out.append(Piece(piece.part, "text", piece.slot, a, b, text[a:b]))
                    continue
                reason = (
                    f"the student's label {text[a:content].strip()!r} names no part of this "
                    "question with certainty: a person must say which part it answers"
                )
                # the part holding it and every part of its question it may answer
                for pid in [piece.part, *(q for q, n in question_of.items() if n == question)]:
                    reviews.setdefault(pid, reason)
                out.append(Piece(piece.part, "text", piece.slot, a, b, text[a:b]))
                continue
            out.append(Piece(target, "label", "", a, content, text[a:content]))
            if content < b:
                slot = "continued" if label.continued else "labelled"
                out.append(Piece(target, "text", slot, content, b, text[content:b]))
    lines = _printed_lines(printed.text)
    out = [q for p in out for q in _without_print(p, lines, text)]
    return LabelledWriting([p for p in out if p.text.strip()], reviews)


def _kind(component: str) -> str:
    """``roman``, ``letter`` or ``number``: how a label component numbers."""
    if component.isdigit():
        return "number"
    return "roman" if re.fullmatch(_ROMAN, component) else "letter"


def _printed_lines(text: str) -> list[str]:
    """The printed exam's lines long enough to be recognised inside writing."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if len(line) >= 25 and len(line.split()) >= 4]


def _without_print(piece: Piece, lines: Sequence[str], text: str) -> list[Piece]:
    """A piece of writing without a printed line the OCR merged into it (a margin answer read
    into the line of print beside it: ``Q2a 0.8   (a) The value of w after ... [2]``): the
    printed line is kept aside as a label, never read as the answer."""
    if piece.kind != "text":
        return [piece]
    for line in lines:
        if len(line) > len(piece.text):
            continue
        found = fuzz.partial_ratio_alignment(line, piece.text, score_cutoff=90)
        if found is None or found.dest_end - found.dest_start < 0.8 * len(line):
            continue
        a, b = piece.start + found.dest_start, piece.start + found.dest_end
        before = Piece(piece.part, "text", piece.slot, piece.start, a, text[piece.start : a])
        after = Piece(piece.part, "text", piece.slot, b, piece.end, text[b : piece.end])
        printed = Piece(piece.part, "label", "", a, b, text[a:b])
        return [*_without_print(before, lines, text), printed, *_without_print(after, lines, text)]
    return [piece]


def _segments(
    piece: Piece, text: str, visible: str, bare: bool, questions: bool = False
) -> list[tuple[int, int, Label | None]]:
    """The piece cut at each line that opens with a student's label (read in ``visible``, the
    text without crossed-out work): ``(start, end, label)``."""
    cuts: list[tuple[int, Label | None]] = [(piece.start, None)]
    for line in re.finditer(r"[^\n]+", visible[piece.start : piece.end]):
        parsed = parse_label(line.group(0), bare, questions)
        if bare and parsed is not None and not parsed.sure:
            parsed = None  # under a table, "a: 2" may restate a node's given value
        if parsed is not None:
            a = piece.start + line.start()
            cuts.append((a, parsed))
        cuts += _inside_line(line.group(0), piece.start + line.start())
    out: list[tuple[int, int, Label | None]] = []
    for k, (a, label) in enumerate(cuts):
        b = cuts[k + 1][0] if k + 1 < len(cuts) else piece.end
        while b > a and text[b - 1].isspace():
            b -= 1
        if label is not None or text[a:b].strip():
            out.append((a, b, label))
    return out


# where a label may start inside a line: after a space or a comma, a bracket or a question
_LEAD_RE = re.compile(r"[,;]?\s*\b(?:so|and|then|hence|thus|therefore)\s*$", re.I)
_AFTER_VALUE_RE = re.compile(r"\d\s*[%)\]$]?\s*[,;.]?\s*$")
_INSIDE_RE = re.compile(r"(?<=[\s,;])(?=\(|(?:q\s*)?\d{1,2}\s*\(?[a-h]\b)", re.I)


def _inside_line(line: str, offset: int) -> list[tuple[int, Label | None]]:
    """Labels written inside a line after a value (``0.0012, so (ii): w = 0.4988``): only a
    sure label (in brackets or naming its question) followed by a colon; after words ("from
    (a): 391 x 4") it refers to another part's result and labels nothing."""
    out: list[tuple[int, Label | None]] = []
    for m in _INSIDE_RE.finditer(line):
        if m.start() == 0 or not line[: m.start()].strip():
            continue
        parsed = parse_label(line[m.start() :])
        if parsed is None or not parsed.sure or not line[: m.start() + parsed.end].endswith(":"):
            continue
        # the word leading on to it ("0.0012, so (ii):") goes with the label
        lead = _LEAD_RE.search(line, 0, m.start())
        start = lead.start() if lead else m.start()
        if _AFTER_VALUE_RE.search(line, 0, start):
            out.append((offset + start, replace(parsed, end=parsed.end + m.start() - start)))
    return out


def _resolve(
    label: Sequence[str],
    question: str,
    comps: dict[str, list[str]],
    printed_as: dict[str, list[str]],
    heading: str,
) -> str | None:
    """The part a label names, by the part's id (``2.b-ii``) or its printed label (``(b)`` of
    part ``2.2``), or ``None`` when it names none or several."""
    named = [
        pid
        for pid, pc in comps.items()
        if _names(label, pc, question) or _names(label, printed_as.get(pid, []), question)
    ]
    if len(named) > 1 and heading:
        under = [
            pid
            for pid in named
            if len(comps[pid]) > len(label) and comps[pid][-len(label) - 1] == heading
        ]
        named = under or named
    return named[0] if len(named) == 1 else None


def _names(label: Sequence[str], part: Sequence[str], question: str) -> bool:
    """Does a label (``["1", "b"]``, ``["b"]``, ``["c", "i"]``) name a part's components
    (``["1", "b"]``, ``["2", "c", "i"]``)? A label without its question names a part of the
    question it is written under."""
    if len(part) < 2:  # a whole question: named by its number alone ("Q4")
        return list(label) == list(part)
    if label[0].isdigit():
        return part[0] == label[0] and list(part[-(len(label) - 1) :]) == list(label[1:])
    return part[0] == question.lower() and list(part[-len(label) :]) == list(label)


def _heading_before(
    start: int, starts: Sequence[int], aligned: CopyAlignment, printed: PrintedExam
) -> str:
    """The letter of the last lettered label printed at a line's start before the copy's
    offset ``start`` (``(b)`` of ``(b) The layer pool1.``), or ``""``."""
    j = bisect.bisect_left(starts, start) - 1
    while j >= 0 and aligned.printed[j] < 0:
        j -= 1
    if j < 0:
        return ""
    tokens, lines, ptext = printed.tokens, printed.lines, printed.text
    i = aligned.printed[j]
    while i >= 0:
        if i == 0 or lines[i - 1] != lines[i]:
            m = _LETTER_HEADING_RE.match(ptext, tokens[i].start)
            if m:
                return (m.group(1) or m.group(2)).lower()
        i -= 1
    return ""
