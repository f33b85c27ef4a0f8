"""Propose an exam's question tree from its transcription.

An exam arrives as the Markdown an OCR service returns for a scanned paper: printed question
text, the student's handwriting and OCR noise mixed together. :func:`propose_structure` reads the
printed numbering and points from it and proposes questions and parts for the instructor to
confirm. It never repairs the numbers it reads: every disagreement between the points of the
parts, the question, the marks table and the stated total is reported in
:attr:`ProposedExam.warnings`.

Recognised printed forms (see ``docs/exam-structure.md``):

* question headers: ``Question 4 (25 Points):``, ``Problem 3``, ``## Q2 Title (36 Points)``,
  ``**Q1.**``, ``1. Title (25 points)`` when lettered parts follow it;
* parts: ``Q2.1 (6 Points)``, ``(a) (3 points)``, ``4(b)``, ``1. [6 Points]`` and unnumbered
  bullets that start with points (``- 5 Points ...``);
* points: ``[6 Points]``, ``(5 points)``, ``**5 Points**``, ``(2 pts)``, ``(4 marks)``, or a line
  that holds only the points, right below a header;
* marks tables (Markdown pipes or tab-separated, by rows or by columns), a one-line summary
  such as ``Problem 1 __/25 Problem 2 __/30``, and a stated total (``Total: 100 points``,
  ``Total ___ / 100``, ``Total Points | 100``).

Without printed question headers, numbered parts are grouped into questions where their
numbering restarts or their style changes (numbered items, then unnumbered bullets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "ProposedExam",
    "ProposedPart",
    "ProposedQuestion",
    "clean_markup",
    "find_points",
    "propose_structure",
]


@dataclass(frozen=True)
class ProposedPart:
    """One gradable part, as printed.

    ``part_id`` is the printed numbering lower-cased, question and part joined by a dot
    (``"3.3"``, ``"4.a"``); a question printed without parts becomes one part whose id is the
    question number alone (``"5"``). ``points`` is the stated value (``None`` when not printed).
    ``prompt`` is the start of the printed question text, an anchor for alignment. ``line`` is
    the 1-based source line of the label.
    """

    label: str
    part_id: str
    points: Decimal | None
    prompt: str
    line: int


@dataclass(frozen=True)
class ProposedQuestion:
    """A question: printed number and label, title, stated points, and its parts.

    ``points`` is what the exam states for the question (its header, else the marks table),
    ``None`` when neither does; it is never the sum of the parts.
    """

    number: str
    label: str
    title: str
    points: Decimal | None
    parts: tuple[ProposedPart, ...]
    line: int
    bonus: bool = False

    @property
    def parts_points(self) -> Decimal | None:
        """Sum of the parts' stated points, ``None`` if any part has none."""
        values = [part.points for part in self.parts]
        if not values or any(value is None for value in values):
            return None
        return sum((value for value in values if value is not None), Decimal(0))


@dataclass(frozen=True)
class ProposedExam:
    """The proposed tree, the totals as stated, and every inconsistency found."""

    questions: tuple[ProposedQuestion, ...]
    total: Decimal | None = None
    bonus_total: Decimal | None = None
    marks_table: dict[str, Decimal] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def parts(self) -> tuple[ProposedPart, ...]:
        """All parts in printed order."""
        return tuple(part for question in self.questions for part in question.parts)


# --- text helpers -----------------------------------------------------------------------------

_POINTS_WORD = r"(?:points?|pts?\.?|marks?)"
_POINTS_RE = re.compile(
    r"[\[(]?\s*(\d{1,3}(?:\.\d+)?)\s*" + _POINTS_WORD + r"(?![a-z])\s*[\])]?", re.IGNORECASE
)
_TEXT_CMD_RE = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|emph)\s*\{([^{}]*)\}")
_LEADING_DECORATION_RE = re.compile(r"^[\s>#*_+\-•·$\\]*")
_EMPHASIS_CHARS_RE = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")


def clean_markup(text: str) -> str:
    """Drop the Markdown and LaTeX wrapping around printed labels and points.

    ``\\text{...}`` keeps its content; ``$``, ``**`` and ``_`` emphasis markers, HTML ``<br>``
    and runs of whitespace go. Used for recognising labels, not for display.
    """
    text = _TEXT_CMD_RE.sub(r"\1", text)
    text = text.replace("<br>", " ").replace("$", " ").replace("\\_", " ")
    text = _EMPHASIS_CHARS_RE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def find_points(text: str) -> Decimal | None:
    """The first points expression in ``text`` (``"[6 Points]"`` -> 6), or ``None``."""
    match = _POINTS_RE.search(clean_markup(text))
    return Decimal(match.group(1)) if match else None


def _strip_points(text: str) -> str:
    return _POINTS_RE.sub(" ", text, count=1)


def _tidy(text: str, limit: int | None = None) -> str:
    text = re.sub(r"\s+", " ", text).strip(" \t:.-–—)(")
    if limit is None or len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut or text[:limit]


# --- line classification ----------------------------------------------------------------------

_KEYWORD = r"(?:question|problem|exercise|task|q)"
# "Q2.1", "2.1", "Q 3.2" (the dot may be lost or read as a comma)
_DOTTED_RE = re.compile(
    r"^(?:(?:question|problem|exercise|task)\s*|q\s*)?(\d{1,2})\s?[.,](\d{1,2})(?![\d.])(?!\s*"
    + _POINTS_WORD
    + r")\s*[.:)]?",
    re.IGNORECASE,
)
# "Question 4", "Problem 3", "Q2", "Q1."
_HEADER_RE = re.compile(r"^" + _KEYWORD + r"\s*\.?\s*(\d{1,2})(?![\d.]\d)\s*[.:)]?", re.IGNORECASE)
# "4(b)", "4 (b)", "4b)"
_NUM_LETTER_RE = re.compile(
    r"^(?:" + _KEYWORD + r"\s*\.?\s*)?(\d{1,2})\s*\(?\s*([a-z])\s*\)", re.IGNORECASE
)
# "(a)", "a)", "(a.", "b. Text", "Part C"
_LETTER_RE = re.compile(
    r"^\(\s*([a-z])\s*[).:]|^([a-z])\s*\)|^([a-h])\.(?=\s+\S)"
    r"|^part\s*\(?([a-z])(?![a-z])\)?\s*[.:]?",
    re.IGNORECASE,
)
# "1.", "2)"
_NUMERIC_RE = re.compile(r"^(\d{1,2})\s*[.)](?!\d)")
# a letter label in the middle of a line, recognised only when its points follow it
_MIDLINE_LETTER_RE = re.compile(
    r"(?<![\w(])\(\s*([a-z])\s*\)\s*(?=[\[(]?\s*\d{1,3}(?:\.\d+)?\s*" + _POINTS_WORD + r")",
    re.IGNORECASE,
)
_SUMMARY_RE = re.compile(
    r"(?:" + _KEYWORD + r")\s*\.?\s*(\d{1,2})\b[^/\n]{0,40}?/\s*(\d{1,3})", re.IGNORECASE
)
_TOTAL_RE = re.compile(r"\b(?:total|maximum)\b(?:\s*(?:points|marks|score))?", re.IGNORECASE)
_QUESTION_COUNT_RE = re.compile(r"number\s+of\s+(?:questions|problems)\W{0,5}(\d{1,2})\b", re.I)
_BONUS_RE = re.compile(r"\+\s*(\d{1,3})\s*bonus", re.IGNORECASE)


@dataclass
class _Event:
    kind: str  # header | dotted | bare_dotted | letter | numeric | bullet | points
    line: int
    label: str = ""
    question: str | None = None
    part: str | None = None
    points: Decimal | None = None
    text: str = ""  # the rest of the line after label (and points)
    title: str = ""


def _rest_after(text: str, end: int) -> tuple[Decimal | None, str, str]:
    """Points, title (text before the points) and prompt (text after them) of a line tail."""
    rest = text[end:]
    match = _POINTS_RE.search(rest)
    if match is None:
        return None, "", _tidy(rest)
    before, after = rest[: match.start()], rest[match.end() :]
    return Decimal(match.group(1)), _tidy(before), _tidy(after if after.strip() else before)


def _classify(raw: str, number: int) -> list[_Event]:
    text = clean_markup(_LEADING_DECORATION_RE.sub("", raw))
    text = re.sub(r"^(?:solution|answer)s?\s*:\s*", "", text, flags=re.IGNORECASE)
    if not text:
        return []
    events: list[_Event] = []
    if match := _DOTTED_RE.match(text):
        points, title, prompt = _rest_after(text, match.end())
        label = text[: match.end()].strip()
        # "Q2.1" is a label; a bare "2.1" may be a number: it needs points or words after it
        kind = "dotted" if label[:1].lower() == "q" else "bare_dotted"
        worded = points is not None or re.match(r"[A-Za-z]", prompt) is not None
        if int(match.group(1)) > 0 and (kind == "dotted" or worded):
            events.append(
                _Event(kind, number, label, match.group(1), match.group(2), points, prompt, title)
            )
    elif match := _NUM_LETTER_RE.match(text):
        points, title, prompt = _rest_after(text, match.end())
        label = text[: match.end()].strip()
        q, p = match.group(1), match.group(2).lower()
        events.append(_Event("letter", number, label, q, p, points, prompt, title))
    elif match := _HEADER_RE.match(text):
        points, title, prompt = _rest_after(text, match.end())
        label = text[: match.end()].strip()
        events.append(_Event("header", number, label, match.group(1), None, points, prompt, title))
    elif match := _LETTER_RE.match(text):
        points, title, prompt = _rest_after(text, match.end())
        letter = next(group for group in match.groups() if group).lower()
        label = text[: match.end()].strip()
        events.append(_Event("letter", number, label, None, letter, points, prompt, title))
    elif match := _NUMERIC_RE.match(text):
        points, title, prompt = _rest_after(text, match.end())
        label = text[: match.end()].strip()
        events.append(_Event("numeric", number, label, None, match.group(1), points, prompt, title))
    elif (match := _POINTS_RE.match(text)) is not None:
        rest = _tidy(text[match.end() :])
        kind = "bullet" if rest else "points"
        events.append(_Event(kind, number, "", None, None, Decimal(match.group(1)), rest))
    # OCR merges paragraphs: "... end of an answer. (d) (6 points) Next prompt"
    for mid in _MIDLINE_LETTER_RE.finditer(text):
        if mid.start() == 0:
            continue
        points, title, prompt = _rest_after(text, mid.end())
        label = mid.group(0).strip()
        events.append(
            _Event("letter", number, label, None, mid.group(1).lower(), points, prompt, title)
        )
    return events


# --- marks tables and totals ------------------------------------------------------------------

_REF_CELL_RE = re.compile(
    r"^(?:" + _KEYWORD + r"|prob)?\s*\.?\s*(\d{1,2})\s*[.:]?$|^(bonus)\b", re.IGNORECASE
)


def _cells(line: str) -> list[str] | None:
    if "|" in line:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    elif "\t" in line.strip():
        cells = [cell.strip() for cell in line.strip().split("\t")]
    else:
        return None
    cells = [clean_markup(cell) for cell in cells]
    if len([cell for cell in cells if cell]) < 2:
        return None
    return cells


def _last_number(cell: str) -> Decimal | None:
    numbers = re.findall(r"\d{1,3}(?:\.\d+)?", cell)
    return Decimal(numbers[-1]) if numbers else None


def _ref(cell: str) -> str | None:
    match = _REF_CELL_RE.match(cell.strip())
    if not match:
        return None
    return match.group(1) or "bonus"


def _read_table(rows: list[list[str]], marks: dict[str, Decimal], totals: list[Decimal]) -> None:
    rows = [row for row in rows if not all(re.fullmatch(r":?-{2,}:?|", cell) for cell in row)]
    for index, row in enumerate(rows):
        refs = [_ref(cell) for cell in row]
        is_total = [bool(re.match(r"^total\b", cell, re.IGNORECASE)) for cell in row]
        worded = sum(
            ref is not None and not cell.strip().isdigit()
            for ref, cell in zip(refs, row, strict=True)
        )
        bare = sum(ref is not None for ref in refs) - worded
        named = bool(re.fullmatch(r"(?:question|problem|q|no\.?|#)s?", row[0], re.IGNORECASE))
        if worded >= 2 or (named and worded + bare >= 1):  # a header row: values in the rows below
            for other in rows[index + 1 :]:
                for column, cell in enumerate(other):
                    if column >= len(row) or (value := _last_number(cell)) is None:
                        continue
                    if refs[column] is not None:
                        marks.setdefault(str(refs[column]), value)
                    elif is_total[column]:
                        totals.append(value)
            return
    # by columns: "| Question 2 | 30 |", "Total Points <tab> 100"; a bare "| 2 | 30 |" only
    # under a header row that names the question and points columns
    headed = bool(rows) and bool(
        re.fullmatch(r"(?:question|problem|q|no\.?|#)s?", rows[0][0], re.IGNORECASE)
        and any(re.search(r"points|marks|score|max", c, re.IGNORECASE) for c in rows[0][1:])
    )
    for row in rows:
        if len(row) < 2:
            continue
        head = row[0]
        value = _last_number(" ".join(row[1:]))
        if value is None:
            continue
        if re.match(r"^total\b", head, re.IGNORECASE):
            totals.append(value)
        elif (ref := _ref(head)) is not None and (headed or re.search(r"\D", head)):
            marks.setdefault(ref, value)


def _read_marks(lines: list[str]) -> tuple[dict[str, Decimal], list[Decimal], set[int]]:
    """Marks per question, stated totals, and the line numbers that are tables or summaries."""
    marks: dict[str, Decimal] = {}
    totals: list[Decimal] = []
    skip: set[int] = set()
    table: list[list[str]] = []
    for number, raw in enumerate([*lines, ""], start=1):
        cells = _cells(raw) if number <= len(lines) else None
        if cells is not None:
            table.append(cells)
            skip.add(number)
            continue
        if table:
            _read_table(table, marks, totals)
            table = []
        if number > len(lines):
            break
        text = clean_markup(raw)
        summary = _SUMMARY_RE.findall(text)
        if len(summary) >= 2:
            for question, value in summary:
                marks.setdefault(question, Decimal(value))
            skip.add(number)
        if (match := _TOTAL_RE.search(text)) is not None:
            tail = text[match.end() : match.end() + 60]
            found = re.match(r"[^\d/]{0,40}?/\s*(\d{1,4})", tail) or re.match(
                r"\s*(?:points|marks)?\s*[:=(\[]?\s*(\d{1,4})\s*(?:points|marks|pts)?\s*(?:$|[+,.;()\]])",
                tail,
                re.IGNORECASE,
            )
            if found:
                totals.append(Decimal(found.group(1)))
                skip.add(number)
    return marks, totals, skip


# --- assembling the tree ----------------------------------------------------------------------


@dataclass
class _PartDraft:
    label: str
    key: str
    points: Decimal | None
    prompt: str
    line: int


@dataclass
class _QuestionDraft:
    number: str
    label: str
    title: str
    points: Decimal | None
    line: int
    explicit: bool
    style: str = ""
    parts: list[_PartDraft] = field(default_factory=list)
    prompt: str = ""  # question text printed after the header's points, if any

    def has(self, key: str) -> bool:
        return any(part.key == key for part in self.parts)


def _next_prompt(lines: list[str], after: int) -> str:
    """The first line of printed text below line ``after`` (1-based), for a bare label."""
    for raw in lines[after : after + 4]:
        text = clean_markup(raw)
        if text and _POINTS_RE.fullmatch(text) is None:
            return _tidy(_strip_points(text) if find_points(text) else text)
    return ""


def _filter_unpointed(events: list[_Event]) -> list[_Event]:
    """Where a label style carries points anywhere, its unpointed uses are not labels."""
    pointed = {event.kind for event in events if event.points is not None}
    return [
        event
        for event in events
        if event.points is not None
        or event.kind in {"header", "dotted", "points"}
        or event.kind not in pointed
    ]


def _promote_headers(events: list[_Event]) -> None:
    """A numbered item followed by lettered parts is a question header ("1. Basics (25 pts)")."""
    for index, event in enumerate(events):
        if event.kind != "numeric":
            continue
        for later in events[index + 1 :]:
            if later.kind == "letter" and later.question is None:
                event.kind = "header"
                event.question = event.part
                event.part = None
                break
            if later.kind in {"numeric", "header", "dotted", "bare_dotted"}:
                break


class _Builder:
    """Questions and parts assembled from the line events, one handler per kind of event."""

    def __init__(self, lines: list[str], notes: list[str]) -> None:
        self.lines = lines
        self.notes = notes
        self.questions: dict[str, _QuestionDraft] = {}
        self.current: _QuestionDraft | None = None
        self.last: _QuestionDraft | _PartDraft | None = None
        self.implicit_count = 0

    def build(self, events: list[_Event]) -> list[_QuestionDraft]:
        handlers = {
            "points": self.points,
            "header": self.header,
            "dotted": self.dotted,
            "bare_dotted": self.dotted,
            "letter": self.letter,
        }
        for event in events:
            handlers.get(event.kind, self.item)(event)
        return list(self.questions.values())

    def question(
        self, number: str, line: int, label: str = "", explicit: bool = False
    ) -> _QuestionDraft:
        if number not in self.questions:
            self.questions[number] = _QuestionDraft(number, label, "", None, line, explicit)
        return self.questions[number]

    def new_implicit(self, line: int) -> _QuestionDraft:
        self.implicit_count += 1
        while str(self.implicit_count) in self.questions:
            self.implicit_count += 1
        return self.question(str(self.implicit_count), line)

    def add(self, q: _QuestionDraft, event: _Event, key: str) -> None:
        self.current = q
        if q.has(key):
            return  # printed again, e.g. in a solution block
        prompt = event.text or _next_prompt(self.lines, event.line)
        part = _PartDraft(event.label, key, event.points, prompt, event.line)
        q.parts.append(part)
        self.last = part

    def points(self, event: _Event) -> None:
        """A line holding only points, right below a label that had none."""
        last = self.last
        if last is not None and last.points is None and 0 < event.line - last.line <= 3:
            last.points = event.points

    def header(self, event: _Event) -> None:
        number = str(int(event.question or "0"))
        if number in self.questions:
            if self.questions[number].explicit:
                self.current = self.questions[number]
                self.last = None
            return
        current = self.question(number, event.line, event.label, explicit=True)
        current.title = _tidy(event.title or event.text, 80)
        current.points = event.points
        if event.points is not None and event.text != event.title:
            current.prompt = event.text
        self.current = self.last = current

    def dotted(self, event: _Event) -> None:
        prefix = re.match(r"[A-Za-z]+\s*", event.label)
        label = f"{prefix.group(0)}{int(event.question or '0')}" if prefix else ""
        q = self.question(str(int(event.question or "0")), event.line, label)
        self.add(q, event, str(int(event.part or "0")))

    def letter(self, event: _Event) -> None:
        key = event.part or ""
        if event.question is not None:
            self.add(self.question(str(int(event.question)), event.line), event, key)
            return
        q = self.current if self.current is not None else self.new_implicit(event.line)
        letters = [part.key for part in q.parts if part.key.isalpha()]
        if key == "i" and letters and letters[-1] != "h":
            return  # "(i)" under "(a)" is a roman sub-item, graded with its part
        if q.has(key) and event.points is not None:
            # lettering restarts with points printed: a question header was not read
            q = self.new_implicit(event.line)
            self.notes.append(
                f"line {event.line}: lettering restarts without a question header; "
                f"proposed as question {q.number}"
            )
        self.add(q, event, key)

    def item(self, event: _Event) -> None:
        """A numbered item or a bullet with points: a part of the current question, or of a
        new implicit one where the numbering restarts or the style changes."""
        style = event.kind
        key = str(int(event.part)) if event.part else ""
        current = self.current
        if current is None or not current.explicit:
            restart = (
                current is None
                or current.style not in {"", style}
                or (style == "numeric" and current.has(key))
                or (
                    style == "numeric"
                    and current.parts
                    and current.parts[-1].key.isdigit()
                    and int(key) < int(current.parts[-1].key)
                )
            )
            if restart:
                current = self.new_implicit(event.line)
        assert current is not None
        current.style = current.style or style
        if style == "bullet":
            key = str(len(current.parts) + 1)
        self.add(current, event, key)


def _build(events: list[_Event], lines: list[str], notes: list[str]) -> list[_QuestionDraft]:
    return _Builder(lines, notes).build(events)


def _check(
    questions: list[ProposedQuestion],
    marks: dict[str, Decimal],
    totals: list[Decimal],
    bonus_total: Decimal | None,
    expected_count: int | None,
) -> list[str]:
    warnings: list[str] = []
    if not questions:
        warnings.append("no question numbering or points were recognised")
        return warnings
    for q in questions:
        name = f"question {q.number}"
        missing = [part.part_id for part in q.parts if part.points is None]
        if missing and len(missing) < len(q.parts):
            warnings.append(f"{name}: no points printed for part(s) {', '.join(missing)}")
        parts_sum = q.parts_points
        if q.points is not None and parts_sum is not None and parts_sum != q.points:
            warnings.append(f"{name}: parts sum to {parts_sum} but the question states {q.points}")
        table = marks.get(q.number) if not q.bonus else marks.get(q.number, marks.get("bonus"))
        if table is not None and q.points is not None and table != q.points:
            warnings.append(
                f"{name}: the marks table gives {table} but the question states {q.points}"
            )
        if table is not None and q.points is None and parts_sum is not None and parts_sum != table:
            warnings.append(f"{name}: parts sum to {parts_sum} but the marks table gives {table}")
    numbers = {q.number for q in questions}
    for number in sorted(set(marks) - numbers - {"bonus"}, key=lambda n: int(n)):
        warnings.append(f"the marks table lists question {number}, which was not found")
    if marks:
        for q in questions:
            if q.number not in marks and not (q.bonus and (bonus_total or "bonus" in marks)):
                warnings.append(f"question {q.number} is not in the marks table")
    if expected_count is not None and expected_count != len(questions):
        warnings.append(
            f"the exam states {expected_count} questions but {len(questions)} were found"
        )

    def worth(q: ProposedQuestion) -> Decimal | None:
        return q.points if q.points is not None else q.parts_points

    regular = [q for q in questions if not q.bonus]
    values = [worth(q) for q in regular]
    known = sum((v for v in values if v is not None), Decimal(0))
    unknown = [q.number for q, v in zip(regular, values, strict=True) if v is None]
    for total in dict.fromkeys(totals):
        if unknown:
            warnings.append(
                f"the stated total is {total} but question(s) {', '.join(unknown)} have no points"
            )
        elif known != total:
            warnings.append(f"questions sum to {known} but the stated total is {total}")
    if len(set(totals)) > 1:
        warnings.append(
            f"the exam states different totals: {', '.join(map(str, dict.fromkeys(totals)))}"
        )
    if bonus_total is not None:
        bonus = sum((worth(q) or Decimal(0) for q in questions if q.bonus), Decimal(0))
        if bonus != bonus_total:
            warnings.append(
                f"bonus questions sum to {bonus} but the exam states {bonus_total} bonus points"
            )
    return warnings


def propose_structure(markdown: str) -> ProposedExam:
    """Propose the question tree of an exam from its transcription.

    Parameters
    ----------
    markdown : str
        The transcription (Markdown with LaTeX), printed text and handwriting mixed.

    Returns
    -------
    ProposedExam
        Questions in printed order with their parts, the stated total and bonus, the marks
        table, and a warning for every points mismatch or missing value. Nothing is corrected:
        a question's ``points`` is what is printed for it (or, failing that, the marks table).
    """
    lines = markdown.splitlines()
    marks, totals, skip = _read_marks(lines)
    count = _QUESTION_COUNT_RE.search(clean_markup(markdown))
    bonus_match = _BONUS_RE.search(clean_markup(markdown))
    events: list[_Event] = []
    for number, raw in enumerate(lines, start=1):
        if number not in skip:
            events.extend(_classify(raw, number))
    events = _filter_unpointed(events)
    _promote_headers(events)
    events = [e for e in events if e.kind != "numeric" or e.part is not None]
    notes: list[str] = []
    drafts = _build(events, lines, notes)

    questions: list[ProposedQuestion] = []
    for draft in drafts:
        points = draft.points if draft.points is not None else marks.get(draft.number)
        title = draft.title
        parts = [
            ProposedPart(p.label, f"{draft.number}.{p.key}".lower(), p.points, p.prompt, p.line)
            for p in draft.parts
        ]
        if not parts:
            prompt = draft.prompt or _next_prompt(lines, draft.line)
            parts = [ProposedPart(draft.label, draft.number, points, prompt, draft.line)]
        bonus = "bonus" in title.lower()
        if bonus and points is None:
            points = marks.get("bonus")
        questions.append(
            ProposedQuestion(
                draft.number, draft.label, title, points, tuple(parts), draft.line, bonus
            )
        )
    bonus_total = Decimal(bonus_match.group(1)) if bonus_match else None
    expected = int(count.group(1)) if count else None
    warnings = notes + _check(questions, marks, totals, bonus_total, expected)
    return ProposedExam(
        questions=tuple(questions),
        total=totals[0] if totals else None,
        bonus_total=bonus_total,
        marks_table=marks,
        warnings=tuple(warnings),
    )
