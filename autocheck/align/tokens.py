"""Tokens of a transcription, for aligning a copy with its printed exam.

Every token keeps its character span, so whatever the alignment decides about a token is
decided about those characters. ``norm`` is the form tokens are compared in: lower case, with
the characters OCR confuses most folded together (``l``, ``i``, ``|`` and ``!`` become ``1``,
``o`` becomes ``0``, ``rn`` becomes ``m``) on both sides alike, so ``Fa1se`` meets ``False`` and ``Q2.l`` meets
``Q2.1``. A few characters are split into the tokens they stand for: a circled letter
(``Ⓑ``) is a circle mark and the letter, a ballot box (``☑``) is a checkbox with a tick, an
answer sheet's empty bubble (``○``) compares as ``O`` and a filled one (``●``) is a mark.
Cell separators of Markdown, HTML and LaTeX tables all become ``|``, so a table the OCR
returned as HTML aligns with the printed Markdown one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["BUBBLES", "MARK_COMMANDS", "STRIKE_COMMANDS", "Token", "line_numbers", "tokenize"]

# LaTeX commands OCR services use for what a student drew around or under printed text.
MARK_COMMANDS = frozenset(
    (
        "\\textcircled",
        "\\circled",
        "\\circle",
        "\\bigcirc",
        "\\boxed",
        "\\fbox",
        "\\framebox",
        "\\underline",
        "\\uline",
        "\\checkmark",
        "\\tick",
        "\\surd",
        "\\leftarrow",
        "\\longleftarrow",
        "\\Leftarrow",
    )
)
STRIKE_COMMANDS = frozenset(
    ("\\sout", "\\st", "\\cancel", "\\bcancel", "\\xcancel", "\\xout", "\\strike")
)
_TICKS = "✓✔✗✘☓√"
# Answer-sheet bubbles: an empty one compares as the letter O the OCR often reads it as; a
# filled or crossed one is a mark.
BUBBLES = "○◯⚪"
_FILLED = "●◉⬤⊗⊙◍⦿"
_BOXES = {"☐": "", "□": "", "☑": "x", "☒": "x", "▣": "x", "■": "x"}
_CIRCLED = {
    **{chr(0x24B6 + i): chr(ord("A") + i) for i in range(26)},
    **{chr(0x24D0 + i): chr(ord("a") + i) for i in range(26)},
    **{chr(0x2460 + i): str(i + 1) for i in range(20)},
}
_FOLD = str.maketrans({"l": "1", "i": "1", "|": "1", "!": "1", "o": "0"})

_TOKEN_RE = re.compile(
    r"(?P<blank>(?:\\_){2,}|_{2,}|\\underline\{\\hspace\{[^{}]*\}\}|\\(?:h|v)?rule\{[^{}]*\})"
    r"|(?P<html></?\s*(?:td|th|tr|table|thead|tbody|br|p|div|span)\b[^>]*>)"
    # an environment's \\begin{name} or \\end{name} is one token: its name is no word written
    r"|(?P<command>\\(?:begin|end)\{[A-Za-z]+\*?\}|\\[A-Za-z]+|\\[^A-Za-z\s])"
    # a decimal or a grouped number, also with the letters OCR reads for digits (``O.9``,
    # ``l2,OOO``, ``l.O``) so that it meets the printed number it is
    r"|(?P<number>\d+(?:[.,]\d+)+|(?<![^\W\d_])(?=[\dlIO.,]*\d|[lIO]\.[lIO]\b)[\dlIO]+(?:[.,][\dlIO]+)+(?![^\W_]))"
    r"|(?P<word>[^\W_]+)"
    r"|(?P<markup>\*+|~~|#+|`+|\$+)"
    r"|(?P<punct>\S)",
    re.UNICODE,
)
_TABULAR_RE = re.compile(r"\\begin\{(tabular|array)\}.*?\\end\{\1\}", re.DOTALL)
# the line under a Markdown table's header: one token, so its pipes never stand in for a row's
_RULE_ROW_RE = re.compile(
    r"^[ \t]*\|?(?:[ \t]*:?-{2,}:?[ \t]*\|)+(?:[ \t]*:?-{2,}:?[ \t]*)?[ \t]*$", re.M
)


@dataclass(frozen=True)
class Token:
    """One token: ``text == source[start:end]``; ``kind`` is one of blank (a printed blank
    line to fill in), cell (a table separator), command, number, word, markup, mark (a tick,
    a circle or a checkbox's cross) or punct."""

    text: str
    norm: str
    start: int
    end: int
    kind: str

    @property
    def content(self) -> bool:
        """A word or number: something a student writes, not decoration."""
        return self.kind in ("word", "number")


def line_numbers(text: str, tokens: Sequence[Token]) -> tuple[int, ...]:
    """The 0-based line of each token (in linear time: long copies have many tokens)."""
    breaks = [m.start() for m in re.finditer("\n", text)]
    return tuple(bisect.bisect_left(breaks, t.start) for t in tokens)


def _norm(text: str) -> str:
    # "rn" read for "m" ("rnarks") is the OCR's most common split letter
    return text.lower().translate(_FOLD).replace("rn", "m")


def _special(char: str, start: int) -> list[Token] | None:
    """The tokens a single special character stands for, or None."""
    end = start + 1
    if char in _CIRCLED:
        letter = _CIRCLED[char]
        return [
            Token(char, "◯", start, end, "mark"),
            Token(char, _norm(letter), start, end, "word"),
        ]
    if char in _BOXES:
        inner = [Token(char, "x", start, end, "mark")] if _BOXES[char] else []
        return [
            Token(char, "[", start, end, "punct"),
            *inner,
            Token(char, "]", start, end, "punct"),
        ]
    if char in _TICKS:
        return [Token(char, "✓", start, end, "mark")]
    if char in BUBBLES:
        return [Token(char, "0", start, end, "punct")]
    if char in _FILLED:
        return [Token(char, "●", start, end, "mark")]
    return None


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` in order (whitespace is no token)."""
    tabular = [(m.start(), m.end()) for m in _TABULAR_RE.finditer(text)]
    rules = {m.start(): m for m in _RULE_ROW_RE.finditer(text) if m.group(0).strip()}
    out: list[Token] = []
    skip_to = 0
    for m in _TOKEN_RE.finditer(text):
        if m.start() < skip_to:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        rule = rules.get(line_start)
        if rule is not None and m.start() < rule.end():
            out.append(Token(rule.group(0).strip(), "|---|", m.start(), rule.end(), "markup"))
            skip_to = rule.end()
            continue
        kind = m.lastgroup or "punct"
        raw = m.group(0)
        start, end = m.start(), m.end()
        if kind == "punct" or kind == "word":
            special = _special(raw, start) if len(raw) == 1 else None
            if special is not None:
                out.extend(special)
                continue
        if kind == "word" and any(
            c in _CIRCLED or c in _BOXES or c in _TICKS or c in BUBBLES or c in _FILLED for c in raw
        ):
            for offset, char in enumerate(raw):
                special = _special(char, start + offset)
                out.extend(
                    special
                    or [Token(char, _norm(char), start + offset, start + offset + 1, "word")]
                )
            continue
        if kind == "html":
            tag = re.match(r"<\s*(/?)\s*(\w+)", raw)
            name = (tag.group(1) + tag.group(2).lower()) if tag else ""
            if name in ("td", "th", "/tr"):
                out.append(Token(raw, "|", start, end, "cell"))
            else:  # other tags (and closing cells) are layout only
                out.append(Token(raw, "<" + name + ">", start, end, "markup"))
            continue
        if raw == "|" or (
            any(a <= start < b for a, b in tabular) and raw in ("&", "\\\\", "\\hline")
        ):
            out.append(Token(raw, "|", start, end, "cell"))
            continue
        if kind == "blank":
            out.append(Token(raw, "____", start, end, "blank"))
            continue
        if kind == "markup" and raw.startswith("*"):
            out.append(Token(raw, "**" if len(raw) >= 2 else "*", start, end, "markup"))
            continue
        norm = raw if kind == "command" else _norm(raw)
        if kind == "number":
            norm = norm.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", raw) else norm
        out.append(Token(raw, norm, start, end, kind))
    return out
