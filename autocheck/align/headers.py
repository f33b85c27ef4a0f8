"""Question headers and the scope of each question's parts, for the label aligner: a part is
looked for only after its question's header, so labels every question reuses (``(a)``) cannot
slide into another question when one is skipped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from autocheck.align.anchors import (
    DIGIT_VARIANTS,
    POINTS_RE,
    LabelCandidate,
    TextLine,
    char_class,
    label_similarity,
    normalise,
    tail_end,
)
from autocheck.align.model import PartPrompt
from autocheck.structure import clean_markup


def _header_pattern(number: str) -> re.Pattern[str]:
    digits = char_class(number, DIGIT_VARIANTS)
    keyword = r"(?:question|problem|exercise|part|task|q)\s*\.?\s*" + digits + r"(?!\.?[0-9])"
    numbered = digits + r"\s*[.)]\s+\S[^\n]*?(?:\d\s*(?:points?|pts?|marks?)\b)"
    return re.compile(r"(?:" + keyword + r"|" + numbered + r")", re.IGNORECASE)


def question_headers(
    text: str, lines: list[TextLine], parts: Sequence[PartPrompt], anchors: list[LabelCandidate]
) -> list[int]:
    """Line starts of question headers printed before each question's first part."""
    first: dict[str, int] = {}
    for anchor in anchors:
        if "." not in parts[anchor.part].part_id:
            continue
        number = parts[anchor.part].part_id.split(".", 1)[0]
        first[number] = min(first.get(number, anchor.pos), anchor.pos)
    ordered_anchors = sorted(anchor.pos for anchor in anchors)
    headers = []
    for number, pos in first.items():
        if not number.isdigit():
            continue
        previous = max((p for p in ordered_anchors if p < pos), default=-1)
        pattern = _header_pattern(number)
        found = -1
        for line in lines:
            if line.start <= previous or line.start >= pos:
                continue
            if pattern.match(text, line.body, line.end) and not line.solution:
                found = line.start
        if found >= 0:
            headers.append(found)
    return headers


# --- question headers and the scope of each question's parts ----------------------------------

_HEADER_WORDS = ("question", "problem", "exercise", "task")
# "Question 3", "Questi0n 3", "## Q3", "**Problem 3 (25 points)**": a word, then the number
_KEYWORD_HEADER_RE = re.compile(
    r"(?P<word>[A-Za-z](?:[A-Za-z0-9|!]{0,10}[A-Za-z|!])?)[ \t*_]*\.?[ \t*_]*(?P<number>\d{1,2})"
    r"(?!\d)"
)
# "3." or "3)" opening a line: a header only in a header context (see find_headers)
_NUMBERED_HEADER_RE = re.compile(r"(?P<number>\d{1,2})[ \t*_]*[.)](?!\d)")
_OCR_LETTERS = str.maketrans("0135|!", "oiesli")
# what follows the number when the line is not a header: a dotted or lettered part ("Q2.1",
# "Q1(a)", "Q2a"), a sentence ("Question 3 asks ..."), a range ("Questions 1-4"), a marks
# summary ("Problem 1 ___/25 Problem 2 ___/30")
_NOT_HEADER_TAIL_RE = re.compile(
    r"\s?[.,]\s?\d|\s*\(?\s*[A-Za-z]\s*\)|[A-Za-z]|\s+[a-z]|\s*[-\u2013\u2014&,]\s*\d"
    r"|.*?(?:^|\s)/\s*\d|.*\b(?i:question|problem|exercise|task|q)\s*\d"
)


@dataclass(frozen=True)
class Header:
    pos: int  # line start
    label_end: int  # after "Question 3" and its decoration
    line_end: int
    number: str  # "3"
    points: bool


def _question_number(question: str) -> str:
    """``"3"`` for a printed question number such as ``"3"``, ``"03"``, ``"Q3"``; else ``""``."""
    match = re.fullmatch(r"\s*(?:q|question|problem)?\s*0*(\d{1,2})\s*\.?\s*", question, re.I)
    return str(int(match.group(1))) if match else ""


def _header_word(word: str, extra: set[str]) -> bool:
    """Is ``word`` a question keyword, allowing OCR noise ("Questi0n", "QUESTlON", "Prob")?"""
    word = word.lower().translate(_OCR_LETTERS)
    if word == "q" or word in extra:
        return True
    keywords = (*_HEADER_WORDS, *extra)
    if len(word) >= 4 and any(keyword.startswith(word) for keyword in keywords):
        return True
    return any(fuzz.ratio(word, keyword) >= 80 for keyword in keywords if len(keyword) > 3)


def _not_numbered(label: str, extra: set[str]) -> bool:
    """A label that cannot be mistaken for a question's number: lettered ("(a)", "4(b)"),
    dotted ("Q2.1") or a whole question's keyword label ("Problem 5")."""
    label = clean_markup(label)
    if re.search(r"[A-Za-z]\W*$", label) or re.search(r"\d\s*[.,]\s*\d", label):
        return True
    match = _KEYWORD_HEADER_RE.match(label)
    return match is not None and _header_word(match.group("word"), extra)


def find_headers(text: str, lines: list[TextLine], parts: Sequence[PartPrompt]) -> list[Header]:
    """Question header lines: a keyword and a number at the start of a line ("## Question 3",
    "**Q3 Title (20 Points)**", "Problem 3"), any number; and, for the parts' own questions, a
    number opening a Markdown heading, a bold line or a line with points ("### 3. Title",
    "2. Backprop (30 points)"), unless the parts themselves are numbered ("1.") or unlabelled,
    when such a line is more likely a part."""
    extra = set()
    for part in parts:
        words = re.findall(r"[A-Za-z]{2,}", clean_markup(part.question_label))
        if words:
            extra.add(words[0].lower())
    numbers = {_question_number(part.question) for part in parts} - {""}
    # a question printed without parts has its header for label: it cannot be mistaken for one
    numbered_ok = bool(numbers) and all(
        _not_numbered(part.label, extra)
        or _question_number(part.part_id) == _question_number(part.question) != ""
        for part in parts
    )
    headers = []
    for line in lines:
        if line.solution or line.body >= line.end:
            continue
        points = bool(POINTS_RE.search(text, line.body, line.end))
        match = _KEYWORD_HEADER_RE.match(text, line.body, line.end)
        if match is not None and not _header_word(match.group("word"), extra):
            match = None
        if match is None and numbered_ok:
            match = _NUMBERED_HEADER_RE.match(text, line.body, line.end)
            if match is not None and str(int(match.group("number"))) not in numbers:
                match = None
            context = re.search(r"#|\*\*|__", text[line.start : line.body])
            if match is not None and not (points or context):
                match = None
        if match is None:
            continue
        if _NOT_HEADER_TAIL_RE.match(re.sub(r"[*_`$]", "", text[match.end() : line.end])):
            continue
        label_end = tail_end(text, match.end(), line.end)
        number = str(int(match.group("number")))
        headers.append(Header(line.start, label_end, line.end, number, points))
    return headers


def question_scopes(
    parts: Sequence[PartPrompt], headers: list[Header], size: int
) -> list[list[tuple[int, int, float]] | None]:
    """Where each part may be anchored: ``None`` (anywhere) or ``[start, end)`` regions, each
    with a weight for the anchors found in it.

    The header lines of the parts' questions cut the text into regions, each belonging to the
    question of the header that opens it (the text before the first header to none). A part of
    a question with a header lies in one of its question's regions. A part of a question whose
    header was not found lies in the regions of the nearest earlier question that has one (or
    before the first header), since questions are printed in order. When that question's own
    parts print the same label (``(a)`` in both), the part's anchors there weigh 0.45: a guess,
    never preferred to the region's own part, and below the checker's 0.5 confidence line. Without any header, or without a question
    number, a part may lie anywhere."""
    numbers = [_question_number(part.question) for part in parts]
    order = list(dict.fromkeys(number for number in numbers if number))
    index = {number: i for i, number in enumerate(order)}
    labels: dict[int, set[str]] = {}
    for part, number in zip(parts, numbers, strict=True):
        if number:
            labels.setdefault(index[number], set()).add(normalise(part.label))
    cuts = [(h.pos, index[h.number]) for h in headers if h.number in index]
    if not cuts:
        return [None] * len(parts)
    regions = [(0, cuts[0][0], -1)]
    for k, (pos, question) in enumerate(cuts):
        regions.append((pos, cuts[k + 1][0] if k + 1 < len(cuts) else size + 1, question))
    found = {question for _, question in cuts}
    scopes: list[list[tuple[int, int, float]] | None] = []
    for part, number in zip(parts, numbers, strict=True):
        if not number:
            scopes.append(None)
            continue
        own = index[number]
        home = own if own in found else max((q for q in found if q < own), default=-1)
        shared = home not in (own, -1) and normalise(part.label) in labels[home]
        weight = 0.45 if shared else 1.0
        scopes.append([(start, end, weight) for start, end, q in regions if q == home])
    return scopes


def scoped(
    candidates: list[LabelCandidate], scopes: list[list[tuple[int, int, float]] | None]
) -> list[LabelCandidate]:
    """The candidates inside their part's scope, weighted by it."""
    kept = []
    for candidate in candidates:
        scope = scopes[candidate.part]
        if scope is None:
            kept.append(candidate)
            continue
        for start, end, weight in scope:
            if start <= candidate.pos < end:
                kept.append(replace(candidate, score=candidate.score * weight))
                break
    return kept


def header_candidates(
    text: str, parts: Sequence[PartPrompt], headers: list[Header]
) -> list[LabelCandidate]:
    """A question printed without parts is one part, whose id is the question's number: the
    question's header is that part's label."""
    found = []
    for index, part in enumerate(parts):
        number = _question_number(part.question)
        if not number or _question_number(part.part_id) != number:
            continue
        head = normalise(part.prompt)[:60]
        for header in headers:
            if header.number != number:
                continue
            points = 1.0 if header.points else 0.0
            score, method = 0.85 + 0.15 * points, "label"
            if head:
                window = normalise(text[header.label_end : header.label_end + 2 * len(head) + 60])
                sim = label_similarity(head, window)
                score = 0.45 + 0.45 * sim + 0.1 * points
                method = "label+prompt" if sim >= 0.8 else "label"
            bare = not header.points
            found.append(
                LabelCandidate(
                    index,
                    header.pos,
                    header.label_end,
                    header.line_end,
                    score,
                    method,
                    bare,
                    label_score=1.0,
                    header=True,
                )
            )
    return found
