"""The pieces the label aligner is made of: the patterns of printed labels, points and
decoration (tolerant of OCR noise), a line of the transcription, and an anchor candidate."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from autocheck.structure import clean_markup

# --- patterns ---------------------------------------------------------------------------------

POINTS_AHEAD_RE = re.compile(
    r"[\s$*_.:]*[\[(]?\s*(?:\\text\{\s*)?\d{1,3}(?:\.\d+)?\s*(?:\\text\{\s*)?"
    r"(?:points?|pts?|marks?)(?![a-z])",
    re.IGNORECASE,
)
_DECORATION_RE = re.compile(
    r"(?:[ \t>#*_+\-•·$]|\\\(|(?:solutions?|answers?|ans\.?)[ \t]*:)*", re.IGNORECASE
)
SOLUTION_LINE_RE = re.compile(
    r"^[ \t>#*_]*(?:solutions?|answers?)\b[ \t]*(?::|[*_ \t]*$)", re.IGNORECASE | re.MULTILINE
)
# a label alone on its line with the points on the next line ("Q1.1" / "4 Points")
POINTS_BELOW_RE = re.compile(
    r"[ \t*_$]*\n[ \t*_$]*[\[(]?\s*\d{1,3}(?:\.\d+)?\s*(?:points?|pts?|marks?)[\])*_$ \t]*(?:\n|$)",
    re.IGNORECASE,
)
# a printed blank right after a label ("(a) ____    (b) ____": several parts on one line)
BLANK_AHEAD_RE = re.compile(r"[ \t:]*(?:(?:\\_){2,}|_{3,}|\\underline\{\\hspace)")
_LABEL_TAIL_RE = re.compile(r"[ \t*_$:.)\]]*")
ANSWER_MARKER_RE = re.compile(
    r"\s*[*_#]*\s*(?:solution|answer|ans)\s*\.?\s*:[*_]*[ \t]*", re.IGNORECASE
)
INLINE_MATH_RE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)", re.DOTALL)
EMPHASIS_RE = re.compile(r"(?<![\w*\\])(\*{1,2}|_)(?=[^\s*_])[^*\n_]+?(?<=\S)\1(?![\w*])")
NOTE_RE = re.compile(
    r"^[\s*_#>]*(?:note|hint|attention|remark|important|caution|warning|recall)s?\b[^:\n]{0,20}:",
    re.IGNORECASE,
)
POINTS_RE = re.compile(r"\d{1,3}(?:\.\d+)?\s*(?:points?|pts?|marks?)(?![a-z])", re.IGNORECASE)
# first words of a sentence that asks the student for something
IMPERATIVES = frozenset(
    re.findall(
        r"\w+",
        "explain describe determine compute calculate show prove derive suggest propose give "
        "write draw sketch justify discuss state assume consider suppose identify compare "
        "evaluate estimate design modify specify please list name find argue define formulate",
    )
)
QUESTION_WORDS = frozenset(
    re.findall(r"\w+", "what why how which when where who is are does do can could would should")
)

DIGIT_VARIANTS = {"0": "0oO", "1": "1lI|!i", "2": "2Zz", "5": "5Ss", "8": "8B", "6": "6b"}
_LETTER_VARIANTS = {"l": "l1I|", "i": "i1l!", "o": "o0", "s": "s5", "b": "b6", "z": "z2"}


def char_class(token: str, variants: dict[str, str]) -> str:
    parts = []
    for char in token:
        options = variants.get(char.lower(), char.lower() + char.upper())
        parts.append("[" + re.escape("".join(dict.fromkeys(options + char))) + "]")
    return "".join(parts)


def label_pattern(label: str) -> re.Pattern[str] | None:
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
            pieces.append(char_class(token, DIGIT_VARIANTS))
        else:
            # a bracket may open the letter, but no whitespace before it: the label's match
            # must start at the label, not at the line breaks before it
            pieces.append(r"(?:\(\s*)?" + char_class(token, _LETTER_VARIANTS) + r"\s*\)?")
    body = r"\s?[.,:·\-]?\s?".join(pieces)
    last_alpha = tokens[-1].isalpha()
    if len(tokens) == 1 and last_alpha and not prefix:
        # "(a)" needs a bracket or a dot, or any word starting with "a" would match
        letter = char_class(tokens[0], _LETTER_VARIANTS)
        body = r"(?:\(\s*" + letter + r"\s*[).:]?|(?<![A-Za-z])" + letter + r"\s*[).])"
    elif len(tokens) == 1 and not prefix:
        body += r"\s*[.)](?!\d)"  # "1." must keep its dot, "1" alone is any number
    return re.compile(prefix + body + r"(?![0-9A-Za-z])", re.IGNORECASE)


def tail_end(text: str, start: int, line_end: int) -> int:
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


def normalise(text: str) -> str:
    """Markup-free, lower-case, whitespace-free text for fuzzy comparison."""
    return re.sub(r"\s+", "", clean_markup(text).lower())


def label_similarity(head: str, text: str) -> float:
    if not head or not text:
        return 0.0
    return float(fuzz.partial_ratio(head, text)) / 100.0


# --- anchors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelCandidate:
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
class TextLine:
    start: int
    end: int
    body: int  # after decoration
    solution: bool


def split_lines(text: str) -> list[TextLine]:
    lines = []
    pos = 0
    for raw in text.split("\n"):
        match = _DECORATION_RE.match(raw)
        body = pos + (match.end() if match else 0)
        solution = bool(match and re.search(r"solution|answer|ans", match.group(0), re.I))
        lines.append(TextLine(pos, pos + len(raw), body, solution))
        pos += len(raw) + 1
    return lines
