"""Cutting a transcription at the anchors: where the printed question ends and the answer
starts, printed blocks at the end of an answer (the next question's stem), and the spans of
printed, answer and unmatched text (the label aligner's second half)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from autocheck.align.anchors import (
    EMPHASIS_RE,
    IMPERATIVES,
    INLINE_MATH_RE,
    NOTE_RE,
    POINTS_AHEAD_RE,
    POINTS_RE,
    QUESTION_WORDS,
    LabelCandidate,
    normalise,
    tail_end,
)
from autocheck.align.model import TextSpan
from autocheck.structure import clean_markup

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
        residue = INLINE_MATH_RE.sub(" ", body)
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
        if len(words) >= 4 and words[0].lower() in IMPERATIVES:
            return True
        asks = len(words) >= 6 and sentence.rstrip(" *_").endswith("?")
        if asks and words[0].lower() in QUESTION_WORDS:
            return True
    return False


def _printed(block: _Block) -> bool:
    """Does this block look like printed exam text rather than handwriting?"""
    if block.math:
        return False
    plain = INLINE_MATH_RE.sub(" x ", block.text)
    words = plain.split()
    return bool(
        EMPHASIS_RE.search(plain)
        or NOTE_RE.match(plain)
        or POINTS_RE.search(plain)
        or (len(words) >= 6 and plain.rstrip(" *_").endswith(":"))
        or _asks(plain)
    )


def _open_sentence(block: _Block) -> bool:
    """Text that runs on into what follows (no full stop, or a colon)."""
    tail = block.text.rstrip(" *_$")
    return not tail.endswith((".", "?", "!")) or tail.endswith(":")


# --- cutting the text -------------------------------------------------------------------------


def _answer_on_label_line(
    text: str, candidate: LabelCandidate, line_end: int, prompt: str
) -> int | None:
    """Start of an answer written on the label's own line ("1. What is 2+2? 4"), if any."""
    if candidate.label_end >= line_end:
        return None
    rest_start = candidate.label_end
    if points := POINTS_AHEAD_RE.match(text, rest_start, line_end):
        rest_start = points.end()
    rest_start = tail_end(text, rest_start, line_end)
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


def prompt_end(text: str, candidate: LabelCandidate, end: int, prompt: str) -> tuple[int, bool]:
    """Where the printed question ends after an anchor, and whether that needed guessing."""
    line_end = min(candidate.line_end, end)
    same_line = _answer_on_label_line(text, candidate, line_end, prompt)
    if same_line is not None:
        return same_line, False
    prompt_norm = normalise(prompt)
    included = line_end
    last_text: _Block | None = _Block(
        candidate.pos, line_end, text[candidate.pos : line_end], False
    )
    after_label = POINTS_RE.sub(" ", clean_markup(text[candidate.label_end : line_end]))
    if not re.search(r"[A-Za-z]{2,}", after_label):
        last_text = None  # a bare label ("(a)", "## Question 2") introduces no formula
    elif candidate.header and not after_label.rstrip(" *_$").endswith(":"):
        last_text = None  # nor does a header's title ("## Q2 Back propagation")
    last_math = False
    pending: list[_Block] = []
    guessed = False
    for block in _blocks(text, line_end, end):
        block_norm = normalise(block.text)
        in_prompt = bool(prompt_norm) and (
            fuzz.ratio(block_norm, prompt_norm) >= 90
            or (
                len(prompt_norm) > 40
                and len(block_norm) >= 12
                and fuzz.partial_ratio(block_norm, prompt_norm) >= 90
            )
        )
        points_only = bool(POINTS_RE.fullmatch(clean_markup(block.text).strip(" []()")))
        if in_prompt or points_only:
            take = True
        elif pending:
            take = not block.math and _asks(INLINE_MATH_RE.sub(" x ", block.text))
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


def stem_start(text: str, start: int, end: int) -> int:
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


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Spans:
    def __init__(self, text: str) -> None:
        self.text = text
        self.unmatched: list[TextSpan] = []
        self.prompts: list[TextSpan] = []

    def add(self, kind: str, start: int, end: int) -> None:
        start, end = trim_span(self.text, start, end)
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
