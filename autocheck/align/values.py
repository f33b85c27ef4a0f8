"""The values the checker reads in a part's writing, and the checks on how they read.

A value as read (:func:`clean`): crossed-out work, the OCR's layout tags and a student's
underline or circle left out. The options marked (:func:`marked_options`), the values written in
blanks (:func:`blank_values`) and table cells, labelled with the target they hold
(:func:`target_for_column`, :func:`labelled`); a blank's value as the printed line it fills
(:func:`filled_in`) or as the sentence's subject (:func:`answer_line`); option letters written
as such (:func:`option_letter`); digits the OCR read as letters inside a number
(:func:`as_number`). And the signs that a value may be misread: several options named
(:func:`options_named`), a number split by a space (:func:`split_number`) or broken over two
lines (:func:`broken_number`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from autocheck.align.place import Piece
from autocheck.align.printed import PrintedExam, PrintedPart
from autocheck.align.tokens import tokenize

__all__ = [
    "STRIKE_RE",
    "TAG_RE",
    "UNDERLINE_RE",
    "answer_line",
    "as_number",
    "blank_values",
    "broken_number",
    "clean",
    "filled_in",
    "labelled",
    "marked_options",
    "option_letter",
    "options_named",
    "split_number",
    "strip_crossed_out",
    "target_for_column",
]

STRIKE_RE = re.compile(
    r"~~.*?~~|<(s|del|strike)>.*?</\1>"
    r"|\\(?:sout|st|cancel|bcancel|xcancel|xout|strike)\s*\{(?:[^{}]|\{[^{}]*\})*\}",
    re.S,
)


TAG_RE = re.compile(r"</?\s*[A-Za-z][^<>]*>")


UNDERLINE_RE = re.compile(
    r"\\(?:underline|uline|textcircled|circled)\s*\{((?:[^{}]|\{[^{}]*\})*)\}"
)


def clean(text: str) -> str:
    """A value as read: crossed-out work and the OCR's HTML layout tags left out, and an
    underline or circle the student drew around it taken off."""
    text = UNDERLINE_RE.sub(r"\1", strip_crossed_out(text))
    text = TAG_RE.sub(" ", text)
    # what is left of a LaTeX table's row and cell separators around a cell's value
    return re.sub(r"^(?:\s|&|\\\\|\\hline)+|(?:\s|&|\\\\|\\hline)+$", "", text)


def strip_crossed_out(text: str) -> str:
    """``text`` without what the student crossed out (``~~...~~``, ``\\sout{...}``,
    ``\\cancel{...}``, ``<s>...</s>``)."""
    return STRIKE_RE.sub(" ", text)


def answer_line(value: str, part: PrintedPart, printed: PrintedExam) -> str:
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


def filled_in(part: PrintedPart, values: Sequence[str], printed: PrintedExam) -> str:
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


def as_number(line: str) -> str:
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


def broken_number(pieces: Sequence[Piece]) -> bool:
    """Free writing with a number broken over two lines: read as its second half, it would
    be judged on a number the student did not write. The same number again on the next line
    (the result restated) is not broken."""
    return any(
        p.kind == "text" and m.group(1) != m.group(2)
        for p in pieces
        for m in _BROKEN_NUMBER_RE.finditer(p.text)
    )


def split_number(text: str) -> bool:
    """A final value whose digits a space splits into groups that are no thousands (``-0 5``,
    ``1 25``): the OCR may have dropped a decimal point."""
    for line in text.splitlines():
        tail = line.rsplit("=", 1)[-1].strip(" $")
        if _SPLIT_NUMBER_RE.fullmatch(tail) or _SPLIT_LAST_RE.search(line):
            return True
    return False


def options_named(pieces: Sequence[Piece], options: Sequence[str]) -> list[str]:
    """The option letters a short written answer names ("B or C", "A/B")."""
    letters = [o for o in options if len(o) == 1]
    named: list[str] = []
    for piece in pieces:
        value = clean(piece.text)
        if piece.kind in ("mark", "label") or len(value) > 12:
            continue
        for letter in re.findall(r"(?<![A-Za-z])([A-Z])(?![A-Za-z])", value):
            if letter in letters and letter not in named:
                named.append(letter)
    return named


def option_letter(value: str, options: Sequence[str]) -> str:
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


def marked_options(pieces: Sequence[Piece], evidence: list[str]) -> list[str]:
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


def blank_values(part: PrintedPart, pieces: Sequence[Piece], evidence: list[str]) -> list[str]:
    values = ["" for _ in part.blanks]
    for piece in pieces:
        if piece.kind == "blank":
            k = int(piece.slot)
            value = clean(piece.text).strip("_\\ ")
            value = re.sub(r"^\\_|\\_$", "", value).strip()
            if value.count("|") == 1:  # a box's border beside the value, not an absolute value
                value = value.strip("| ")
            values[k] = (values[k] + " " + value).strip()
            evidence.append(f"blank {k + 1}: {value}")
    return values


def target_for_column(targets: Sequence, header: str) -> str:
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


def labelled(value: str, symbol: str, part: PrintedPart) -> str:
    """``symbol = value`` for a value written in a labelled slot (a column, a blank), so the
    checker reads it as that target's; the value alone when the part has one value."""
    if not symbol or len(part.prompt.targets) <= 1:
        return value
    return f"{symbol} = {value}"
