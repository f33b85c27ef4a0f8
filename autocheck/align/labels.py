"""Find each part's answer inside a student's transcription.

A transcription interleaves the printed exam (labels, points, question text, stems that open a
question) with what the student wrote. :func:`align` locates every part's printed label or
prompt, tolerating OCR noise, and cuts the text into

* one :class:`AnswerText` per part: what the student wrote after the part's prompt, up to the
  next part (empty when nothing was written, ``method="not_found"`` when the part's label and
  prompt could not be located at all);
* :attr:`Alignment.prompts`: printed text (labels, prompts, question headers and stems);
* :attr:`Alignment.unmatched`: everything else (cover page, stray notes), kept, never dropped.

Together these spans cover every non-blank character of the transcription exactly once.

How a part is located (see ``docs/exam-structure.md``):

1. candidates: every line that starts with the part's label (OCR variants allowed: ``Q2.l`` for
   ``Q2.1``, lost dots and spaces, Markdown and LaTeX wrapping), a label in the middle of a line
   when its points follow, and lines that fuzzily contain the part's prompt;
2. when parts name their question (:attr:`PartPrompt.question`), question headers (``Question
   3``, ``## Q3``, ``Problem 3``, ``### 3. Title``) scope them: a part is only anchored after
   its question's header and before the next question's, so that labels every question reuses
   (``(a)``) cannot slide into another question when one is skipped;
3. a candidate scores by label, prompt similarity (rapidfuzz) and printed points; one candidate
   per part is chosen so that anchors follow the parts' order and the total score is maximal;
4. solution sheets print each label again after a ``Solution:`` line: such a second occurrence
   becomes the part's answer anchor and the text after the printed question counts as prompt;
5. the printed prompt is stripped from the answer: the label line, then blocks that continue
   the question (display maths introduced by it, lowercase continuations, hints, imperative or
   question sentences); printed blocks at the end of an answer (the stem of the next question)
   are cut off as prompt text; a question header never belongs to an answer.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from autocheck.align.model import Alignment, AnswerText, PartPrompt, TextSpan
from autocheck.structure import clean_markup

__all__ = ["align", "locate"]


# --- patterns ---------------------------------------------------------------------------------

_POINTS_AHEAD_RE = re.compile(
    r"[\s$*_.:]*[\[(]?\s*(?:\\text\{\s*)?\d{1,3}(?:\.\d+)?\s*(?:\\text\{\s*)?"
    r"(?:points?|pts?|marks?)(?![a-z])",
    re.IGNORECASE,
)
_DECORATION_RE = re.compile(
    r"(?:[ \t>#*_+\-•·$]|\\\(|(?:solutions?|answers?|ans\.?)[ \t]*:)*", re.IGNORECASE
)
_SOLUTION_LINE_RE = re.compile(
    r"^[ \t>#*_]*(?:solutions?|answers?)\b[ \t]*(?::|[*_ \t]*$)", re.IGNORECASE | re.MULTILINE
)
# a label alone on its line with the points on the next line ("Q1.1" / "4 Points")
_POINTS_BELOW_RE = re.compile(
    r"[ \t*_$]*\n[ \t*_$]*[\[(]?\s*\d{1,3}(?:\.\d+)?\s*(?:points?|pts?|marks?)[\])*_$ \t]*(?:\n|$)",
    re.IGNORECASE,
)
_LABEL_TAIL_RE = re.compile(r"[ \t*_$:.)\]]*")
_ANSWER_MARKER_RE = re.compile(
    r"\s*[*_#]*\s*(?:solution|answer|ans)\s*\.?\s*:[*_]*[ \t]*", re.IGNORECASE
)
_INLINE_MATH_RE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)", re.DOTALL)
_EMPHASIS_RE = re.compile(r"(?<![\w*\\])(\*{1,2}|_)(?=[^\s*_])[^*\n_]+?(?<=\S)\1(?![\w*])")
_NOTE_RE = re.compile(
    r"^[\s*_#>]*(?:note|hint|attention|remark|important|caution|warning|recall)s?\b[^:\n]{0,20}:",
    re.IGNORECASE,
)
_POINTS_RE = re.compile(r"\d{1,3}(?:\.\d+)?\s*(?:points?|pts?|marks?)(?![a-z])", re.IGNORECASE)
# first words of a sentence that asks the student for something
_IMPERATIVES = frozenset(
    re.findall(
        r"\w+",
        "explain describe determine compute calculate show prove derive suggest propose give "
        "write draw sketch justify discuss state assume consider suppose identify compare "
        "evaluate estimate design modify specify please list name find argue define formulate",
    )
)
_QUESTION_WORDS = frozenset(
    re.findall(r"\w+", "what why how which when where who is are does do can could would should")
)

_DIGIT_VARIANTS = {"0": "0oO", "1": "1lI|!i", "2": "2Zz", "5": "5Ss", "8": "8B", "6": "6b"}
_LETTER_VARIANTS = {"l": "l1I|", "i": "i1l!", "o": "o0", "s": "s5", "b": "b6", "z": "z2"}


def _char_class(token: str, variants: dict[str, str]) -> str:
    parts = []
    for char in token:
        options = variants.get(char.lower(), char.lower() + char.upper())
        parts.append("[" + re.escape("".join(dict.fromkeys(options + char))) + "]")
    return "".join(parts)


def _label_pattern(label: str) -> re.Pattern[str] | None:
    """A tolerant regex for a printed label: ``Q2.1``, ``(a)``, ``4(b)``, ``1.``, ``Problem 3``."""
    core = clean_markup(label)
    tokens = re.findall(r"[A-Za-z]+|\d+", core)
    if not tokens:
        return None
    prefix = ""
    if len(tokens) > 1 and tokens[0].isalpha() and (len(tokens[0]) > 1 or tokens[0] in "Qq"):
        word = tokens.pop(0)
        keyword = r"(?:(?:question|problem|exercise|part|task)\s*|[QqO0]\s*)"
        if word.lower() not in {"q", "question", "problem", "exercise", "part", "task"}:
            keyword = r"(?:" + re.escape(word) + r"\s*)"
        # "Q2.1" survives a lost "Q"; a lone number ("Q5" -> "5") would match any number
        prefix = keyword + ("?" if len(tokens) > 1 else "")
    pieces: list[str] = []
    for token in tokens:
        if token.isdigit():
            pieces.append(_char_class(token, _DIGIT_VARIANTS))
        else:
            # a bracket may open the letter, but no whitespace before it: the label's match
            # must start at the label, not at the line breaks before it
            pieces.append(r"(?:\(\s*)?" + _char_class(token, _LETTER_VARIANTS) + r"\s*\)?")
    body = r"\s?[.,:·\-]?\s?".join(pieces)
    last_alpha = tokens[-1].isalpha()
    if len(tokens) == 1 and last_alpha and not prefix:
        # "(a)" needs a bracket or a dot, or any word starting with "a" would match
        letter = _char_class(tokens[0], _LETTER_VARIANTS)
        body = r"(?:\(\s*" + letter + r"\s*[).:]?|(?<![A-Za-z])" + letter + r"\s*[).])"
    elif len(tokens) == 1 and not prefix:
        body += r"\s*[.)](?!\d)"  # "1." must keep its dot, "1" alone is any number
    return re.compile(prefix + body + r"(?![0-9A-Za-z])", re.IGNORECASE)


def _tail_end(text: str, start: int, line_end: int) -> int:
    """End of the decoration after a label (``**``, ``)``, ``:``, a ``$`` closing a label
    wrapped in maths), stopping before a ``$`` that opens the maths written after it."""
    tail = _LABEL_TAIL_RE.match(text, start, line_end)
    end = tail.end() if tail else start
    inside = text.count("$", text.rfind("\n", 0, start) + 1, start) % 2 == 1
    for pos in range(start, end):
        if text[pos] == "$":
            if not inside:
                return pos
            inside = False
    return end


def _norm(text: str) -> str:
    """Markup-free, lower-case, whitespace-free text for fuzzy comparison."""
    return re.sub(r"\s+", "", clean_markup(text).lower())


def _similarity(head: str, text: str) -> float:
    if not head or not text:
        return 0.0
    return float(fuzz.partial_ratio(head, text)) / 100.0


# --- blocks and the printed/handwritten guess ---------------------------------------------------


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    text: str
    math: bool


def _blocks(text: str, start: int, end: int) -> list[_Block]:
    """Non-blank lines in ``text[start:end]``; display maths and code fences form one block."""
    blocks: list[_Block] = []
    pos = start
    while pos < end:
        line_end = text.find("\n", pos, end)
        line_end = end if line_end == -1 else line_end
        stripped = text[pos:line_end].strip()
        if not stripped:
            pos = line_end + 1
            continue
        block_end = line_end
        fence = "$$" if stripped.startswith("$$") else "```" if stripped.startswith("```") else ""
        if stripped.startswith("\\["):
            fence = "\\]"
        if fence and stripped.count(fence) < 2 and not (fence == "\\]" and "\\]" in stripped):
            close = text.find(fence, line_end, end)
            if close != -1:
                block_end = text.find("\n", close + len(fence), end)
                block_end = end if block_end == -1 else block_end
        left = pos + len(text[pos:block_end]) - len(text[pos:block_end].lstrip())
        right = pos + len(text[pos:block_end].rstrip())
        body = text[left:right]
        residue = _INLINE_MATH_RE.sub(" ", body)
        few_words = len(re.findall(r"[A-Za-z]{2,}", residue)) < 2
        math = bool(fence and fence != "```") or (few_words and bool(re.search(r"[$\\]", body)))
        if fence == "```":
            math = False
        blocks.append(_Block(left, right, body, math))
        pos = block_end + 1
    return blocks


def _asks(plain: str) -> bool:
    """A sentence that asks something: imperative ("Explain ...") or a question."""
    for sentence in re.split(r"(?<=[.?!])\s+", plain):
        words = re.findall(r"[A-Za-z']+", sentence)
        if len(words) >= 4 and words[0].lower() in _IMPERATIVES:
            return True
        asks = len(words) >= 6 and sentence.rstrip(" *_").endswith("?")
        if asks and words[0].lower() in _QUESTION_WORDS:
            return True
    return False


def _printed(block: _Block) -> bool:
    """Does this block look like printed exam text rather than handwriting?"""
    if block.math:
        return False
    plain = _INLINE_MATH_RE.sub(" x ", block.text)
    words = plain.split()
    return bool(
        _EMPHASIS_RE.search(plain)
        or _NOTE_RE.match(plain)
        or _POINTS_RE.search(plain)
        or (len(words) >= 6 and plain.rstrip(" *_").endswith(":"))
        or _asks(plain)
    )


def _open_sentence(block: _Block) -> bool:
    """Text that runs on into what follows (no full stop, or a colon)."""
    tail = block.text.rstrip(" *_$")
    return not tail.endswith((".", "?", "!")) or tail.endswith(":")


# --- anchors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    part: int
    pos: int  # where the anchor's printed text starts (line start for a line-start label)
    label_end: int  # end of the label itself (and its decoration)
    line_end: int
    score: float
    method: str
    bare: bool  # a line-start label with no points on the line (a solution block label)
    label_score: float = 0.0
    header: bool = False  # a question's header, the label of a question without parts


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    body: int  # after decoration
    solution: bool


def _lines(text: str) -> list[_Line]:
    lines = []
    pos = 0
    for raw in text.split("\n"):
        match = _DECORATION_RE.match(raw)
        body = pos + (match.end() if match else 0)
        solution = bool(match and re.search(r"solution|answer|ans", match.group(0), re.I))
        lines.append(_Line(pos, pos + len(raw), body, solution))
        pos += len(raw) + 1
    return lines


def _label_patterns(label: str) -> list[tuple[re.Pattern[str], float]]:
    """The label's pattern, and for a compound label ("4(b)", "Q2.1") the innermost numbering
    alone ("(b)", "1."), weaker: a key may label a part more fully than the paper prints it."""
    patterns = []
    if (full := _label_pattern(label)) is not None:
        patterns.append((full, 1.0))
    tokens = re.findall(r"[A-Za-z]+|\d+", clean_markup(label))
    if tokens and tokens[0].isalpha() and (len(tokens[0]) > 1 or tokens[0] in "Qq"):
        tokens = tokens[1:]
    if len(tokens) >= 2:
        inner = f"({tokens[-1]})" if tokens[-1].isalpha() else f"{tokens[-1]}."
        if (short := _label_pattern(inner)) is not None:
            patterns.append((short, 0.7))
    return patterns


def _candidates(text: str, lines: list[_Line], parts: Sequence[PartPrompt]) -> list[_Candidate]:
    found: list[_Candidate] = []
    line_starts = [line.start for line in lines]
    flat_lines = [_norm(text[line.body : line.end]) for line in lines]
    heads = [_norm(part.prompt)[:60] for part in parts]
    # prompt similarity of every part against every line's start, in one vectorised call
    prompt_sims = process.cdist(
        heads, [flat[:160] for flat in flat_lines], scorer=fuzz.partial_ratio, score_cutoff=80
    )
    for index, part in enumerate(parts):
        head = heads[index]
        best: dict[int, _Candidate] = {}  # by position
        labelled: set[int] = set()  # rows (lines) with a label candidate
        patterns = _label_patterns(part.label)
        for pattern, weight in patterns:
            for match in pattern.finditer(text):
                row = bisect.bisect_right(line_starts, match.start()) - 1
                line = lines[row]
                if match.start() < line.body or match.end() > line.end:
                    continue
                at_start = match.start() == line.body
                points_after = bool(
                    _POINTS_AHEAD_RE.match(text, match.end(), line.end)
                    or (at_start and _POINTS_BELOW_RE.match(text, line.end))
                )
                if not (at_start or points_after):
                    continue
                label_end = _tail_end(text, match.end(), line.end)
                exact = weight == 1.0 and (
                    _norm(match.group(0)).strip("().") == _norm(part.label).strip("().")
                )
                label_score = weight * ((1.0 if exact else 0.85) if at_start else 0.75)
                points = 1.0 if points_after else 0.0
                if head:
                    window = _norm(text[label_end : label_end + 2 * len(head) + 60])
                    sim = _similarity(head, window)
                    score = 0.45 * label_score + 0.45 * sim + 0.1 * points
                    method = "label+prompt" if sim >= 0.8 else "label"
                else:
                    score = 0.85 * label_score + 0.15 * points
                    method = "label"
                pos = line.start if at_start else match.start()
                bare = at_start and not _POINTS_RE.search(text, match.end(), line.end)
                candidate = _Candidate(
                    index, pos, label_end, line.end, score, method, bare, label_score
                )
                labelled.add(row)
                if pos not in best or best[pos].score < score:
                    best[pos] = candidate
        found.extend(best.values())
        if len(head) < 12:
            continue
        for row in map(int, (prompt_sims[index] >= 80).nonzero()[0]):
            if row in labelled or not flat_lines[row]:
                continue
            line = lines[row]
            sim = float(prompt_sims[index, row]) / 100.0
            points = 1.0 if _POINTS_RE.search(text, line.body, line.end) else 0.0
            weight = 0.45 if patterns else 0.9
            score = weight * sim + 0.1 * points
            found.append(_Candidate(index, line.start, line.body, line.end, score, "prompt", False))
    return [candidate for candidate in found if candidate.score >= 0.4]


def _best_chain(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per part at most, increasing in both part order and position, maximal score.

    Longest-path dynamic programming in position order; a Fenwick tree over part indices gives
    the best chain ending before each candidate's part in O(log parts)."""
    ordered = sorted(candidates, key=lambda c: (c.pos, c.part))
    if not ordered:
        return []
    size = max(c.part for c in ordered) + 1
    tree: list[tuple[float, int]] = [(0.0, 1)] * (size + 1)  # (chain score, -index); 1: none

    def query(part: int) -> tuple[float, int]:  # best over parts < part
        result = (0.0, 1)
        while part > 0:
            result = max(result, tree[part])
            part -= part & -part
        return result

    def update(part: int, value: tuple[float, int]) -> None:
        part += 1
        while part <= size:
            tree[part] = max(tree[part], value)
            part += part & -part

    best: list[float] = []
    back: list[int] = []
    group: list[int] = []
    for i, candidate in enumerate(ordered):
        if group and ordered[group[0]].pos != candidate.pos:
            for j in group:
                update(ordered[j].part, (best[j], -j))
            group = []
        previous, negated = query(candidate.part)
        if negated <= 0 and previous > 0.0:
            best.append(previous + candidate.score)
            back.append(-negated)
        else:
            best.append(candidate.score)
            back.append(-1)
        group.append(i)
    i = max(range(len(ordered)), key=lambda k: (best[k], -k))
    chain = []
    while i != -1:
        chain.append(ordered[i])
        i = back[i]
    return chain[::-1]


def _solution_chain(
    text: str, candidates: list[_Candidate], primary: dict[int, _Candidate]
) -> list[_Candidate]:
    """Second occurrences of labels in solution blocks: after the printed question and after a
    ``Solution:`` line (or on it)."""
    taken = {c.pos for c in primary.values()}
    eligible = []
    for candidate in candidates:
        first = primary.get(candidate.part)
        if first is None or not candidate.bare or candidate.pos in taken:
            continue
        if candidate.pos <= first.pos:
            continue
        between = text[first.line_end : candidate.label_end]
        if _SOLUTION_LINE_RE.search(between):
            eligible.append(candidate)
    return _best_chain(eligible)


def _header_pattern(number: str) -> re.Pattern[str]:
    digits = _char_class(number, _DIGIT_VARIANTS)
    keyword = r"(?:question|problem|exercise|part|task|q)\s*\.?\s*" + digits + r"(?!\.?[0-9])"
    numbered = digits + r"\s*[.)]\s+\S[^\n]*?(?:\d\s*(?:points?|pts?|marks?)\b)"
    return re.compile(r"(?:" + keyword + r"|" + numbered + r")", re.IGNORECASE)


def _question_headers(
    text: str, lines: list[_Line], parts: Sequence[PartPrompt], anchors: list[_Candidate]
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
# "3." or "3)" opening a line: a header only in a header context (see _find_headers)
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
class _Header:
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


def _find_headers(text: str, lines: list[_Line], parts: Sequence[PartPrompt]) -> list[_Header]:
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
        points = bool(_POINTS_RE.search(text, line.body, line.end))
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
        label_end = _tail_end(text, match.end(), line.end)
        number = str(int(match.group("number")))
        headers.append(_Header(line.start, label_end, line.end, number, points))
    return headers


def _scopes(
    parts: Sequence[PartPrompt], headers: list[_Header], size: int
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
            labels.setdefault(index[number], set()).add(_norm(part.label))
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
        shared = home not in (own, -1) and _norm(part.label) in labels[home]
        weight = 0.45 if shared else 1.0
        scopes.append([(start, end, weight) for start, end, q in regions if q == home])
    return scopes


def _scoped(
    candidates: list[_Candidate], scopes: list[list[tuple[int, int, float]] | None]
) -> list[_Candidate]:
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


def _header_candidates(
    text: str, parts: Sequence[PartPrompt], headers: list[_Header]
) -> list[_Candidate]:
    """A question printed without parts is one part, whose id is the question's number: the
    question's header is that part's label."""
    found = []
    for index, part in enumerate(parts):
        number = _question_number(part.question)
        if not number or _question_number(part.part_id) != number:
            continue
        head = _norm(part.prompt)[:60]
        for header in headers:
            if header.number != number:
                continue
            points = 1.0 if header.points else 0.0
            score, method = 0.85 + 0.15 * points, "label"
            if head:
                window = _norm(text[header.label_end : header.label_end + 2 * len(head) + 60])
                sim = _similarity(head, window)
                score = 0.45 + 0.45 * sim + 0.1 * points
                method = "label+prompt" if sim >= 0.8 else "label"
            bare = not header.points
            found.append(
                _Candidate(
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


_UNKNOWN_PART_RE = re.compile(
    r"(?:(?:\(\s*[a-z]\s*\)|[a-z]\)|\d{1,2}\s*[.)]|q\s*\d{1,2}(?:\.\d{1,2})?)\s*)?"
    r"[\[(]?\s*\d{1,3}(?:\.\d+)?\s*(?:points?|pts?|marks?)\b\s*[\])]?\s*[A-Za-z]",
    re.IGNORECASE,
)


def _unknown_parts(text: str, lines: list[_Line], taken: list[int]) -> list[int]:
    """Line starts of printed parts (a label or points, then question text) that are none of
    the given parts: they end the answer before them, and what follows belongs to no part."""
    starts = []
    taken_sorted = sorted(taken)
    for line in lines:
        if line.body >= line.end or line.solution:
            continue
        nearest = bisect.bisect_left(taken_sorted, line.start)
        if nearest < len(taken_sorted) and taken_sorted[nearest] <= line.end:
            continue
        if _UNKNOWN_PART_RE.match(clean_markup(text[line.body : line.end])):
            starts.append(line.start)
    return starts


def _by_position(
    text: str, lines: list[_Line], count: int, primary: dict[int, _Candidate]
) -> dict[int, _Candidate]:
    """Anchors for runs of parts not found by label or prompt: where exactly as many printed
    parts (label or points, then text) sit between the found neighbours, take them in order.
    A guess, so its confidence stays below 0.5."""
    placed: dict[int, _Candidate] = {}
    taken = [c.pos for c in primary.values()]
    unknown = _unknown_parts(text, lines, taken)
    index = 0
    while index < count:
        if index in primary:
            index += 1
            continue
        run_end = index
        while run_end < count and run_end not in primary:
            run_end += 1
        low = primary[index - 1].pos if index - 1 in primary else -1
        high = primary[run_end].pos if run_end in primary else len(text) + 1
        inside = [pos for pos in unknown if low < pos < high]
        if len(inside) == run_end - index:
            for part, pos in zip(range(index, run_end), inside, strict=True):
                line = next(line for line in lines if line.start == pos)
                placed[part] = _Candidate(part, pos, line.body, line.end, 0.45, "position", False)
        index = run_end
    return placed


# --- cutting the text -------------------------------------------------------------------------


def _answer_on_label_line(
    text: str, candidate: _Candidate, line_end: int, prompt: str
) -> int | None:
    """Start of an answer written on the label's own line ("1. What is 2+2? 4"), if any."""
    if candidate.label_end >= line_end:
        return None
    rest_start = candidate.label_end
    if points := _POINTS_AHEAD_RE.match(text, rest_start, line_end):
        rest_start = points.end()
    rest_start = _tail_end(text, rest_start, line_end)
    rest = text[rest_start:line_end]
    if not re.search(r"\w", rest):
        return None
    # no prompt known, or the prompt (often a key's paraphrase, not the printed words) is not
    # on this line: the line's text is the answer unless it reads as printed (points printed
    # on the label line mean the question text follows them)
    looks_printed = points is not None or _printed(_Block(rest_start, line_end, rest, False))
    if not prompt.strip():
        return None if looks_printed or candidate.method == "prompt" else rest_start
    # where the prompt's last characters sit on the line
    tail = _flatten(prompt)[0][-30:]
    flat_rest, index = _flatten(rest)
    if not tail or not flat_rest:
        return None
    found = fuzz.partial_ratio_alignment(tail, flat_rest, score_cutoff=90)
    if found is None or found.src_end - found.src_start < 0.9 * len(tail):
        if candidate.method == "prompt" or looks_printed or _prompt_like(prompt, rest):
            return None
        return rest_start
    if not re.search(r"\w", flat_rest[found.dest_end :]):
        return None  # the line holds the prompt and nothing more
    after = rest_start + index[found.dest_end - 1] + 1
    skip = re.match(r"[\s.?!:;,*_$)\]]*", text[after:line_end])
    # a prompt given as a partial anchor ("Why") is followed by more printed words: split only
    # where the question visibly ends ("What is 2+2? 4", "Result: 4")
    if not re.search(r"[?.:=]", text[after - 1 : after + (skip.end() if skip else 0)]):
        return None
    return after + (skip.end() if skip else 0)


def _prompt_like(prompt: str, rest: str) -> bool:
    """Does the rest of a label line look like (part of) the printed prompt? Loosely: most of
    its words occur in the prompt, as when OCR garbles printed text beyond a fuzzy match."""
    words = re.findall(r"[a-z]{3,}", rest.lower())
    if len(words) < 3:
        return False
    known = set(re.findall(r"[a-z]{3,}", prompt.lower()))
    return sum(w in known for w in words) >= 0.6 * len(words)


def _flatten(raw: str) -> tuple[str, list[int]]:
    """Lower-cased ``raw`` without whitespace and emphasis characters, and each kept character's
    index in ``raw``."""
    kept = [
        (i, char.lower()) for i, char in enumerate(raw) if not (char.isspace() or char in "*_$`")
    ]
    return "".join(char for _, char in kept), [i for i, _ in kept]


def _prompt_end(text: str, candidate: _Candidate, end: int, prompt: str) -> tuple[int, bool]:
    """Where the printed question ends after an anchor, and whether that needed guessing."""
    line_end = min(candidate.line_end, end)
    same_line = _answer_on_label_line(text, candidate, line_end, prompt)
    if same_line is not None:
        return same_line, False
    prompt_norm = _norm(prompt)
    included = line_end
    last_text: _Block | None = _Block(
        candidate.pos, line_end, text[candidate.pos : line_end], False
    )
    after_label = _POINTS_RE.sub(" ", clean_markup(text[candidate.label_end : line_end]))
    if not re.search(r"[A-Za-z]{2,}", after_label):
        last_text = None  # a bare label ("(a)", "## Question 2") introduces no formula
    elif candidate.header and not after_label.rstrip(" *_$").endswith(":"):
        last_text = None  # nor does a header's title ("## Q2 Back propagation")
    last_math = False
    pending: list[_Block] = []
    guessed = False
    for block in _blocks(text, line_end, end):
        block_norm = _norm(block.text)
        in_prompt = bool(prompt_norm) and (
            fuzz.ratio(block_norm, prompt_norm) >= 90
            or (
                len(prompt_norm) > 40
                and len(block_norm) >= 12
                and fuzz.partial_ratio(block_norm, prompt_norm) >= 90
            )
        )
        points_only = bool(_POINTS_RE.fullmatch(clean_markup(block.text).strip(" []()")))
        if in_prompt or points_only:
            take = True
        elif pending:
            take = not block.math and _asks(_INLINE_MATH_RE.sub(" x ", block.text))
        elif block.math:
            take = last_text is not None and not last_math and _open_sentence(last_text)
        elif last_math and block.text[:1].islower():
            take = True
        else:
            take = _printed(block)
        if take:
            included = block.end
            pending = []
            guessed = guessed or not (in_prompt or points_only)
            last_math = block.math
            if not block.math:
                last_text = block
            continue
        pending.append(block)
        if len(pending) > 1:
            break
    return included, guessed


def _stem_start(text: str, start: int, end: int) -> int:
    """Start of printed blocks ending the span (the next question's stem), else ``end``."""
    blocks = _blocks(text, start, end)
    if not blocks or not _printed(blocks[-1]):
        return end
    cut = blocks[-1].start
    gap = 0
    for block in reversed(blocks[:-1]):
        if _printed(block):
            cut, gap = block.start, 0
        else:
            gap += 1
            if gap > 4:
                break
    return cut


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class _Spans:
    def __init__(self, text: str) -> None:
        self.text = text
        self.unmatched: list[TextSpan] = []
        self.prompts: list[TextSpan] = []

    def add(self, kind: str, start: int, end: int) -> None:
        start, end = _trim(self.text, start, end)
        if start >= end:
            return
        target = self.prompts if kind == "prompt" else self.unmatched
        if target and not self.text[target[-1].end : start].strip():
            start = target[-1].start
            target.pop()
        target.append(TextSpan(self.text[start:end], start, end))

    def stem(self, start: int, end: int) -> None:
        """Printed-looking and maths blocks of a question stem are prompt; the rest unmatched."""
        for block in _blocks(self.text, start, end):
            kind = "prompt" if block.math or _printed(block) else "unmatched"
            self.add(kind, block.start, block.end)


@dataclass(frozen=True)
class _Located:
    """Where the parts' printed labels are: anchors by part index (primary: the printed part;
    secondary: its label again in a solution block) and the question header lines."""

    lines: list[_Line]
    primary: dict[int, _Candidate]
    secondary: dict[int, _Candidate]
    headers: list[int]


def _locate(text: str, parts: Sequence[PartPrompt]) -> _Located:
    lines = _lines(text)
    found_headers = _find_headers(text, lines, parts)
    scopes = _scopes(parts, found_headers, len(text))
    candidates = _candidates(text, lines, parts) + _header_candidates(text, parts, found_headers)
    candidates = _scoped(candidates, scopes)
    primary = {c.part: c for c in _best_chain(candidates)}
    placed = _scoped(list(_by_position(text, lines, len(parts), primary).values()), scopes)
    primary.update({c.part: c for c in placed})
    secondary = {c.part: c for c in _solution_chain(text, candidates, primary)}
    anchors = [*primary.values(), *secondary.values()]
    headers = set(_question_headers(text, lines, parts, anchors))
    # a header line that is no part's anchor ends the answer before it, even a header of a
    # question that has no part here: a header is never part of an answer
    headers.update(header.pos for header in found_headers)
    headers -= {anchor.pos for anchor in anchors}
    return _Located(lines, primary, secondary, sorted(headers))


def locate(text: str, parts: Sequence[PartPrompt]) -> tuple[dict[str, int], list[int]]:
    """Where each part's printed label starts in ``text`` (a character offset; parts not found
    are left out) and where the question headers that are no part's label start.

    Used on a printed exam to find its parts' regions: the same label and prompt matching
    :func:`align` uses on a copy, on text without handwriting."""
    located = _locate(text, parts)
    return {parts[i].part_id: c.pos for i, c in located.primary.items()}, located.headers


def _events(text: str, located: _Located) -> list[tuple[int, str, int]]:
    """Anchors, headers and unknown printed parts in text order: (position, kind, part index)."""
    events: list[tuple[int, str, int]] = [
        (c.pos, "prompt", c.part) for c in located.primary.values()
    ]
    events += [(c.pos, "answer", c.part) for c in located.secondary.values()]
    events += [(pos, "header", -1) for pos in located.headers]
    if events:  # printed part labels before the first part are the exam's, not a stray page
        taken = [pos for pos, _, _ in events]
        events += [(pos, "unknown", -1) for pos in _unknown_parts(text, located.lines, taken)]
    return sorted(events)


def align(transcription: str, parts: Sequence[PartPrompt]) -> Alignment:
    """Find each part's answer text in a student's transcription.

    Parameters
    ----------
    transcription : str
        The OCR transcription of the student's paper (or of a solution sheet).
    parts : Sequence[PartPrompt]
        The exam's parts in printed order, e.g. from :func:`prompts_from_structure`.

    Returns
    -------
    Alignment
        An :class:`AnswerText` for every part id (empty text for a blank part, method
        ``"not_found"`` when the part could not be located), the printed text recognised as
        prompts, and the remaining text as unmatched spans. Answer, prompt and unmatched spans
        never overlap and together cover every non-blank character of the transcription.
    """
    text = transcription
    located = _locate(text, parts)
    events = _events(text, located)
    spans = _Spans(text)
    answers: dict[str, AnswerText] = {}
    spans.add("unmatched", 0, events[0][0] if events else len(text))
    for k, (pos, kind, index) in enumerate(events):
        end = events[k + 1][0] if k + 1 < len(events) else len(text)
        if kind in ("header", "unknown"):
            _printed_block(text, located.lines, spans, kind, pos, end)
        elif kind == "prompt" and index in located.secondary:
            spans.add("prompt", pos, end)
        else:
            answer = _cut_answer(text, parts[index], located, kind, index, pos, end, spans)
            answers[answer.part_id] = answer
    for part in parts:
        if part.part_id not in answers:
            answers[part.part_id] = AnswerText(part.part_id, "", 0, 0, 0.0, "not_found")
    return Alignment(answers=answers, unmatched=spans.unmatched, prompts=spans.prompts)


def _printed_block(
    text: str, lines: list[_Line], spans: _Spans, kind: str, pos: int, end: int
) -> None:
    """A question header (its line and its stem) or a printed part that is none of ours (its
    label and question are prompt, its answer unmatched)."""
    if kind == "header":
        line_end = text.find("\n", pos, end)
        line_end = end if line_end == -1 else line_end
        spans.add("prompt", pos, line_end)
        spans.stem(line_end, end)
        return
    line = next(line for line in lines if line.start == pos)
    printed = _Candidate(-1, pos, line.body, line.end, 0.0, "", False)
    answer_start, _ = _prompt_end(text, printed, end, "")
    spans.add("prompt", pos, answer_start)
    spans.add("unmatched", answer_start, end)


def _cut_answer(
    text: str,
    part: PartPrompt,
    located: _Located,
    kind: str,
    index: int,
    pos: int,
    end: int,
    spans: _Spans,
) -> AnswerText:
    """One part's answer between its anchor and the next event; the printed text around it
    goes to ``spans`` as prompt."""
    if kind == "prompt":
        candidate = located.primary[index]
        answer_start, guessed = _prompt_end(text, candidate, end, part.prompt)
        method, confidence = candidate.method, min(candidate.score, 1.0)
    else:
        candidate = located.secondary[index]
        answer_start, guessed = min(candidate.label_end, end), False
        method, confidence = "solution_block", 0.9 * candidate.label_score
    marker = _ANSWER_MARKER_RE.match(text, answer_start, end)
    if marker:
        answer_start = marker.end()
    spans.add("prompt", pos, answer_start)
    stem = _stem_start(text, answer_start, end)
    spans.stem(stem, end)
    start, stop = _trim(text, answer_start, stem)
    if guessed:
        confidence *= 0.9
    if stem < end:
        confidence *= 0.9
    return AnswerText(part.part_id, text[start:stop], start, stop, round(confidence, 3), method)
