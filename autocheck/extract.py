"""Find the final answer in a messy worked answer, keeping every candidate and where it was.

Rules, strongest first (``Candidate.rule``):

``boxed``            ``\\boxed{...}``
``answer-label``     a line ``Answer: ...`` / ``Ans = ...``
``target-equation``  an equation whose left side is one of the part's target symbols
                     (``z_2 = ...``, ``L_{CE}(y, v) = ...``, "the shape of x: ...");
                     the last value of that chain of equalities is the answer
``leading-word``     a choice answered by the first word (``Yes. Because ...``)
``chain``            any chain of equalities; its last value
``math``/``shape``/``matrix``/``number``  a value of the expected kind standing alone

A part with several targets (``z1``, ``y``, ``loss``) uses only the labelled rules, so a
missing value is reported missing instead of being filled by its neighbour. Every candidate
keeps its character span in the answer text so a reviewer sees exactly what was read;
confidence drops when the strongest candidates disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from autocheck.mathparse import Unreadable, parse_number
from autocheck.normalise import normalise, symbol_key

if TYPE_CHECKING:
    from autocheck.kinds.base import Kind

PRIORITY = {
    "boxed": 0,
    "answer-label": 1,
    "target-equation": 2,
    "leading-word": 2,
    "labelled-choice": 2,
    "chain": 4,
    "shape": 4,
    "matrix": 4,
    "math": 5,
    "choice-word": 5,
    "keyword": 5,
    "number": 6,
}
WEAK = 4  # rules at or above this priority compete by position: the last one written wins


@dataclass(frozen=True)
class Candidate:
    """One value read from the answer: ``text`` is ``answer[start:end]``."""

    text: str
    start: int
    end: int
    rule: str
    label: str = ""
    final: bool = True  # the last value of its chain (intermediate values are kept too)
    chain: int = -1  # which chain of equalities it belongs to (-1: none)

    @property
    def priority(self) -> int:
        return PRIORITY[self.rule]

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "label": self.label,
            "final": self.final,
            "chain": self.chain,
        }


@dataclass(frozen=True)
class Extraction:
    """All candidates found, the one chosen as the final answer, and how sure we are."""

    candidates: tuple[Candidate, ...]
    chosen: Candidate | None
    confidence: float
    note: str = ""

    def others(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c is not self.chosen)


# --------------------------------------------------------------------------- statements

ENV_RE = re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
_LAYOUT_ENVS = {
    "aligned",
    "align",
    "gather",
    "gathered",
    "split",
    "eqnarray",
    "equation",
    "multline",
}
_DISPLAY_RE = re.compile(r"\$\$(.*?)\$\$|\\\[(.*?)\\\]", re.S)
_ARROWS = (
    r"\\Rightarrow|\\implies|\\rightarrow|\\longrightarrow|\\to(?![a-zA-Z])|\\therefore"
    r"|\\rightsquigarrow|\\leftarrow|\\Leftarrow|\\iff|\\Leftrightarrow|⇒|→|↳|\\Downarrow"
    # ASCII arrows as typed or read by the OCR: "0.1 -> 0.01", "=> 391"
    r"|(?<![<\-])-{1,2}>|={1,2}>"
    # Prose joining two statements: "z_1 = 3 and y = 3", "so epochs = 20".
    r"|(?<=\s)(?:and|so|thus|hence|then|therefore)(?=\s)"
)
_ARROW_RE = re.compile(_ARROWS)
_SYMBOL_ARROW_RE = re.compile(_ARROWS.split("|(?<=")[0])
_LIMIT_RE = re.compile(r"\\to(?![a-zA-Z])|\\rightarrow|\\longrightarrow|→|(?<![<\-])-{1,2}>")
# "\text{ and }" joins two statements like a bare "and" does.
_TEXT_JOIN_RE = re.compile(r"\\text\s*\{(\s*(?:and|or)\s*)\}")
# Relations that chain equal values. ":" labels a value ("shape of x: 126 x 126").
_REL_RE = re.compile(
    r"\\approx|\\simeq|\\equiv|≈|(?<![<>!=:\\])=(?![=])|(?<![:\\])(?<!\d):(?![=\d])|(?<=\s)~(?=\s)"
    # In prose: "the number of epochs is 20", "the loss equals 1.2".
    r"|(?<=\s)(?:is|equals|becomes)(?=\s)"
)


@dataclass(frozen=True)
class _Statement:
    start: int
    end: int


def _mask(text: str) -> str:
    """Same length as ``text``, with environments and the insides of brackets blanked to
    ``#``, so that separators inside a matrix, ``f(x, y)`` or ``\\sum_{i=1}`` are not seen.
    A line break closes open ``(``/``[`` (OCR often loses one) but not ``{``."""
    text = _TEXT_JOIN_RE.sub(lambda m: " " * (len(m.group(0)) - len(m.group(1))) + m.group(1), text)
    chars = list(text)
    for m in ENV_RE.finditer(text):
        if m.group(1).rstrip("*") in _LAYOUT_ENVS:
            # Layout environments hold equations: hide only their \begin/\end tokens.
            for tok in re.finditer(r"\\(?:begin|end)\{[^}]*\}", m.group(0)):
                for i in range(m.start() + tok.start(), m.start() + tok.end()):
                    chars[i] = "#"
            continue
        for i in range(m.start(), m.end()):
            if chars[i] != "\n":
                chars[i] = "#"
    stack: list[str] = []
    for i, ch in enumerate(text):
        if ch == "\n":
            stack = [c for c in stack if c == "{"]
            continue
        if ch in "()[]" and i and text[i - 1] == "\\":
            continue  # \( \) \[ \] delimit maths; they open no bracket
        if ch in "({[":
            if stack:
                chars[i] = "#"
            stack.append(ch)
        elif ch in ")}]":
            if stack:
                stack.pop()
            if stack:
                chars[i] = "#"
        elif stack:
            chars[i] = "#"
    return "".join(chars)


def _statements(text: str, masked: str) -> list[_Statement]:
    """Split into statements: display blocks by ``\\\\``, other text by lines; then by
    implication arrows, ``;``, and ``,`` where the next piece is itself an equation."""
    spans: list[tuple[int, int]] = []
    covered = [False] * len(text)
    for m in _DISPLAY_RE.finditer(text):
        inner_start = m.start() + 2
        inner_end = m.end() - 2
        for i in range(m.start(), m.end()):
            covered[i] = True
        pos = inner_start
        for sep in re.finditer(r"\\\\", masked[inner_start:inner_end]):
            spans.append((pos, inner_start + sep.start()))
            pos = inner_start + sep.end()
        spans.append((pos, inner_end))
    line_start = 0
    for i, ch in enumerate(text + "\n"):
        if ch == "\n" or i == len(text) or (i < len(text) and covered[i]):
            if line_start < i:
                spans.append((line_start, i))
            line_start = i + 1
    spans.sort()
    out: list[_Statement] = []
    for a, b in spans:
        for piece in _split_arrows(masked, a, b):
            for sub in _split_by(masked, piece[0], piece[1], re.compile(r";|\\quad|\\qquad")):
                out.extend(_split_commas(masked, sub[0], sub[1]))
    return [s for s in out if text[s.start : s.end].strip(" $\t")]


def _split_arrows(masked: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split at implication arrows and joining words; an arrow with no equation on either
    side is a limit (``f(x) \\to 0``) and stays inside its statement."""
    arrows = list(_ARROW_RE.finditer(masked, a, b))
    pieces, pos = [], a
    for i, m in enumerate(arrows):
        if _LIMIT_RE.fullmatch(m.group(0)):
            before = arrows[i - 1].end() if i else a
            after = arrows[i + 1].start() if i + 1 < len(arrows) else b
            if not _REL_RE.search(masked, before, m.start()) and not _REL_RE.search(
                masked, m.end(), after
            ):
                continue
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, b))
    return pieces


def _split_by(masked: str, a: int, b: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    pieces, pos = [], a
    for m in pattern.finditer(masked, a, b):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, b))
    return pieces


def _split_commas(masked: str, a: int, b: int) -> list[_Statement]:
    cuts = [m.start() for m in re.finditer(r",\s", masked[a:b])]
    out: list[_Statement] = []
    pos = a
    for c in cuts:
        nxt_end = next((a + x for x in cuts if a + x > a + c), b)
        piece_after = masked[a + c + 1 : nxt_end]
        if _REL_RE.search(piece_after) and _REL_RE.search(masked[pos : a + c]):
            out.append(_Statement(pos, a + c))
            pos = a + c + 1
    out.append(_Statement(pos, b))
    return out


@dataclass(frozen=True)
class _Chain:
    lhs: tuple[int, int]
    values: tuple[tuple[int, int], ...]


def _chains(text: str) -> list[_Chain]:
    """Chains of equalities; a statement that starts with ``=`` continues the previous one."""
    masked = _mask(text)
    chains: list[_Chain] = []
    last_end = -1  # where the statement that made or continued the last chain ends
    for st in _statements(text, masked):
        # A statement with no relation may state a limit: "f(x) \to 0" says f(x) tends to 0.
        equalities = list(_REL_RE.finditer(masked, st.start, st.end))
        rels = equalities or list(_LIMIT_RE.finditer(masked, st.start, st.end))[-1:]
        between = masked[last_end : st.start] if chains and last_end >= 0 else ""
        if not equalities and between and "\n" not in between and _ARROW_RE.search(between):
            # "\eta: 0.1 \to 0.01 \to 0.001": values after an arrow continue the chain
            prev = chains.pop()
            steps = _split_by(masked, st.start, st.end, _LIMIT_RE)
            chains.append(_Chain(prev.lhs, (*prev.values, *steps)))
            last_end = st.end
            continue
        if not rels:
            continue
        last_end = st.end
        bounds = [st.start] + [x for r in rels for x in (r.start(), r.end())] + [st.end]
        segs = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
        lhs, values = segs[0], segs[1:]
        if not text[lhs[0] : lhs[1]].strip(" $\t&") and chains:
            prev = chains.pop()
            chains.append(_Chain(prev.lhs, prev.values + tuple(values)))
        else:
            chains.append(_Chain(lhs, tuple(values)))
    return chains


# --------------------------------------------------------------------------- what looks like a value

_PROSE_RE = re.compile(
    r"(?<![\\A-Za-z])(?!(?:ln|log|exp|sqrt|sin|cos|tan|tanh|pi|max|min|approx|infty"
    r"|percent|percentage|pct)\b)[A-Za-z]{3,}"
)
# The end of a sentence after a value ("120. I hope it is correct"), or a chat template's tag.
_SENTENCE_END_RE = re.compile(r"(?<=[\d}$)\]])\s*\.\s+(?=[A-Z])|<\|")
_MATH_RE = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_BARE_NUMBER_RE = re.compile(
    r"(?<![\w.^_{/])[-+−]?(?:\d+(?:\.\d+)?/\d+(?:\.\d+)?(?![/\w.(])"  # a fraction: 5/3
    r"|\d{1,3}(?:(?:[ \u2009\u202f]|\{,\}|,)\d{3})+(?:\.\d+)?"
    r"|\d+(?:[.,]\d+)*|(?<!\d)\.\d+)(?:[eE][-+]?\d+)?(?![\w.]*\d)"
    r"(?:\s*(?:\\?%|percent(?:age)?\b|pct\b))?"
)


_LAYOUT_TOKEN_RE = re.compile(r"\\(?:begin|end)\{(?:" + "|".join(_LAYOUT_ENVS) + r")\*?\}")
_COMMAND_ARG_RE = re.compile(r"\\[a-zA-Z]+\s*\{[a-zA-Z* ]*\}")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span to its value: strip ``$``, spaces, trailing punctuation and prose."""
    seg = text[start:end]
    tok = _LAYOUT_TOKEN_RE.search(seg)
    while tok is not None and not seg[: tok.start()].strip(" \t\r\n$&"):
        start += tok.end()  # a leading \begin{aligned} is not part of the value
        seg = text[start:end]
        tok = _LAYOUT_TOKEN_RE.search(seg)
    if tok is not None:
        end = start + tok.start()  # \end{aligned} ends the value
        seg = text[start:end]
    m = _SENTENCE_END_RE.search(seg)
    if m:
        end = start + m.start()
        seg = text[start:end]
    dollars = [m.start() for m in re.finditer(r"(?<!\\)\$", seg)]
    lone = next((d for d in dollars if seg[:d].strip(" \t$")), -1)
    if lone > 0 and len(dollars) % 2 == 1:
        end = start + lone  # "2,74 $ a..": an unpaired $ after the value ends it
        seg = text[start:end]
    m = _PROSE_RE.search(_COMMAND_ARG_RE.sub(lambda g: " " * len(g.group(0)), seg))
    if m:
        end = start + m.start()
        seg = text[start:end]
    left = len(seg) - len(seg.lstrip(" \t\r\n$*&"))
    right = len(seg.rstrip(" \t\r\n$*.,;:&"))
    # Math delimiters around the value: \( 9 \), \[ 9 \].
    while seg.startswith(("\\(", "\\["), left):
        left += 2
        left = len(seg) - len(seg[left:].lstrip(" \t\r\n$*&"))
    while right - 2 >= left and seg[right - 2 : right] in ("\\)", "\\]"):
        right = len(seg[: right - 2].rstrip(" \t\r\n$*.,;:&"))
    return start + left, start + max(left, right)


# --------------------------------------------------------------------------- public API


def extract(
    text: str,
    *,
    kind: Kind,
    symbols: Sequence[str] = (),
    multi: bool = False,
    sibling_symbols: Sequence[str] = (),
) -> Extraction:
    """Candidates for one target of ``kind`` in ``text`` and the chosen final answer.

    Parameters
    ----------
    kind : Kind
        The answer kind (``autocheck.kinds``): its ``looks_like`` says which values count,
        its ``standalone`` finds values written outside an equation.
    symbols : sequence of str
        The target's names as a student may write them (``z_2``, ``\\hat{x}``, ``epochs``).
    multi : bool
        The part asks for several values: only labelled candidates count.
    sibling_symbols : sequence of str
        The other targets' names: a label matches this target case-folded (``Pa`` for
        ``P_A``, as OCR reads it) only when none of them folds to the same spelling.
    """
    cands: list[Candidate] = []
    cands += _boxed(text, kind, symbols, multi)
    cands += _answer_labels(text, kind, multi)
    keys = {symbol_key(s) for s in symbols if symbol_key(s)}
    loose = _loose_keys(keys, sibling_symbols)
    for chain_no, chain in enumerate(_chains(text)):
        label = _LAYOUT_TOKEN_RE.sub("", text[chain.lhs[0] : chain.lhs[1]]).strip(" $\t\r\n&")
        matched = bool(keys) and _label_matches(label, keys, loose)
        if multi and not matched:
            continue
        rule = "target-equation" if matched else "chain"
        vals = []
        for a, b in chain.values:
            ta, tb = _trim(text, a, b)
            if kind.looks_like(text[ta:tb]):
                vals.append((ta, tb))
        for i, (a, b) in enumerate(vals):
            cands.append(
                Candidate(text[a:b], a, b, rule, label, final=i == len(vals) - 1, chain=chain_no)
            )
    if not multi:
        cands += kind.standalone(text)
    return _choose(dedupe(_outside_notes(text, cands, kind)))


# A value's note: words or an equation in brackets after it ("391 (the last batch has 40)",
# "78 (10000 = 78·128 + 16)", "3 (= 6/2)"), anything in brackets after a value and its word
# ("67 parameters (40 + 27)"), or the value an option letter stands for ("B (200)").
_NOTE_AFTER_RE = re.compile(r"(?:[\d%}$]|(?<![A-Za-z\\])[A-E])[ \t]*$")
_NOTE_INSIDE_RE = re.compile(r"[=≈<>]|\\(?:approx|le|ge|leq|geq|neq)\b")
_NOTE_WORD_RE = re.compile(r"[A-Za-z]{3,}")
_VALUE_WORD_RE = re.compile(r"\d[ \t]*[A-Za-z]{2,}[ \t]*$")


def _notes(text: str) -> list[tuple[int, int]]:
    """The spans of notes in brackets written after a value on its line."""
    out = []
    for m in re.finditer(r"\(", text):
        line = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        after = _NOTE_AFTER_RE.search(line)
        # after a value and its unit or word ("67 parameters (40 + 27)") brackets are a note
        worded = _VALUE_WORD_RE.search(line) is not None
        if after is None and not worded:
            continue
        close = text.find(")", m.end())
        if close < 0 or "\n" in text[m.end() : close] or "(" in text[m.end() : close]:
            continue
        inner = text[m.end() : close]
        letter = after is not None and after.group(0).strip(" \t").isalpha()
        prose = _NOTE_WORD_RE.search(re.sub(r"\\[A-Za-z]+", " ", inner))
        if worded or letter or prose or _NOTE_INSIDE_RE.search(inner) or _restates(line, inner):
            out.append((m.start(), close + 1))
    return out


_LAST_NUMBER_RE = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-−]?\d+)?[ \t]*$")


def _restates(line: str, inner: str) -> bool:
    """Whether the brackets after a number work it out: ``0.499 (0.5 − 1.2e-3)`` is 0.499
    with its working, not a product (what the brackets come to rounds to the number)."""
    m = _LAST_NUMBER_RE.search(line)
    if m is None or not re.search(r"\d\s*[-−+×*/x]\s*\d", inner):
        return False
    try:
        value = parse_number(normalise(m.group(0).strip()))
        worked = parse_number(normalise(inner))
    except (Unreadable, ValueError):
        return False
    places = value.last_place if value.last_place is not None else 0
    return abs(value.value - worked.value) <= 0.5 * 10.0**places


def _outside_notes(text: str, cands: list[Candidate], kind: Kind) -> list[Candidate]:
    """Candidates with the notes after their values left out: a value inside a note is
    working (not final), a candidate running into a note ends before it."""
    notes = _notes(text)
    if not notes:
        return cands
    out = []
    for c in cands:
        inside = next((n for n in notes if n[0] <= c.start and c.end <= n[1]), None)
        if inside is not None:
            out.append(replace(c, final=False))
            continue
        cut = next((n for n in notes if c.start < n[0] < c.end), None)
        if cut is not None:
            a, b = _trim(text, c.start, cut[0])
            if b <= a or not kind.looks_like(text[a:b]):
                continue
            c = replace(c, text=text[a:b], start=a, end=b)
        out.append(c)
    return out


def extract_statements(text: str, kind: Kind) -> Extraction:
    """Candidates that are whole statements (an equation, an inequality), never split at
    their relations: each box, the "Answer:" line, each maths span and each statement of
    the working that looks like ``kind``; the strongest, then the last, is chosen."""
    cands: list[Candidate] = []
    for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        end = balanced_group(text, m.end() - 1)
        if end > 0:
            a, b = _trim(text, m.end(), end - 1)
            if kind.looks_like(text[a:b]):
                cands.append(Candidate(text[a:b], a, b, "boxed"))
    for m in _ANSWER_LABEL_RE.finditer(text):
        a, b = _trim(text, m.start(1), m.end(1))
        if kind.looks_like(text[a:b]):
            cands.append(Candidate(text[a:b], a, b, "answer-label"))
    for m in _MATH_RE.finditer(text):
        grp = next(i for i in range(1, 5) if m.group(i) is not None)
        a, b = _trim(text, m.start(grp), m.end(grp))
        if kind.looks_like(text[a:b]):
            cands.append(Candidate(text[a:b], a, b, "math"))
    masked = _mask(text)
    for st in _statements(text, masked):
        a, b = _trim(text, st.start, st.end)
        if kind.looks_like(text[a:b]):
            cands.append(Candidate(text[a:b], a, b, "chain"))
    return _choose(dedupe(cands))


_JOIN_GAP_RE = re.compile(
    r"^(?:\s|\$|,|;|\\[()\[\]]|\\q?quad|\\text\s*\{\s*(?:and|or|,)?\s*\}|\\[,;!]"
    r"|(?<![\w])(?:and|or)(?![\w]))*$"
)


def join_math_spans(text: str, ex: Extraction) -> Extraction:
    """Maths spans written side by side as one answer (``$21, 16$ or $11$``, ``$x \\le -3$
    or $x \\ge 2$``): the run ending at the chosen span becomes one candidate."""
    chosen = ex.chosen
    if chosen is None or chosen.rule != "math":
        return ex
    spans = [c for c in ex.candidates if c.rule == "math" and c.end <= chosen.end]
    run = [chosen]
    for c in reversed(spans[:-1] if spans and spans[-1] is chosen else spans):
        if not _JOIN_GAP_RE.match(text[c.end : run[0].start]):
            break
        run.insert(0, c)
    if len(run) < 2:
        return ex
    joined = Candidate(text[run[0].start : chosen.end], run[0].start, chosen.end, "math")
    return Extraction((*ex.candidates, joined), joined, ex.confidence, ex.note)


def label_tail(label: str) -> str:
    """The symbol a label ends with (``the roots are $x`` -> ``x``)."""
    words = label.replace("$", " ").split()
    return symbol_key(words[-1]) if words else ""


def _loose_keys(keys: set[str], sibling_symbols: Sequence[str]) -> set[str]:
    """The keys case-folded, for OCR that flattens subscripts and case (``P_A`` read ``Pa``,
    ``PA`` or ``p_a``), except where another target of the part folds to the same spelling."""
    return {k.lower() for k in keys} - {symbol_key(s).lower() for s in sibling_symbols}


def _label_matches(label: str, keys: set[str], loose: AbstractSet[str] = frozenset()) -> bool:
    def hit(word: str) -> bool:
        key = symbol_key(word)
        return key in keys or key.lower() in loose

    if hit(label):
        return True
    words = re.split(r"\s+", label.replace("$", " ").strip())
    # "The shape of x", "# epochs", "number of epochs": the label ends with the symbol.
    return len(label) <= 60 and bool(words) and hit(words[-1])


def balanced_group(text: str, open_at: int) -> int:
    """Index just past the brace group starting at ``text[open_at] == '{'``, or -1."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _boxed(text: str, kind: Kind, symbols: Sequence[str], multi: bool) -> list[Candidate]:
    """One candidate per box; a box holding several named values (``\\boxed{a_3 = 2,
    a_{37} = 19}``) gives one candidate per value, each with its own name."""
    out = []
    keys = {symbol_key(s) for s in symbols}
    for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        end = balanced_group(text, m.end() - 1)
        if end < 0 and "\n" not in text[m.end() :]:
            # a box left open at the end: the printed box's closing brace went with the print
            end = len(text) + 1
        if end < 0:
            continue
        a, b = m.end(), end - 1
        inner = text[a:b]
        masked = _mask(inner)
        named = [
            st for st in _statements(inner, masked) if _REL_RE.search(masked, st.start, st.end)
        ]
        if len(named) < 2:
            named = [_Statement(0, len(inner))]
        found = []
        for st in named:
            rel = list(_REL_RE.finditer(masked, st.start, st.end))
            label, va = "", a + st.start
            if rel:
                label = inner[st.start : rel[0].start()].strip(" $\t\r\n&")
                va = a + rel[-1].end()
            va, vb = _trim(text, va, a + st.end)
            found.append(Candidate(text[va:vb], va, vb, "boxed", label))
        if multi:
            found = [c for c in found if c.label and _label_matches(c.label, keys)]
        elif keys and len(found) > 1:
            found = [c for c in found if _label_matches(c.label, keys)] or found
        out += found
    return out


# "Answer: ..." at the start of a line, or "the final answer is ..." anywhere.
_ANSWER_LABEL_RE = re.compile(
    r"(?im)(?:^(?:[^\S\n]|[*#>-])*(?:final\s+)?(?:answer|ans)|\bfinal\s+answer)\b\**\.?\s*(?:[:=]|is\b)\**\s*(.+)$"
)


def _answer_labels(text: str, kind: Kind, multi: bool) -> list[Candidate]:
    if multi:
        return []
    out = []
    for m in _ANSWER_LABEL_RE.finditer(text):
        a, b = m.start(1), m.end(1)
        end = _SENTENCE_END_RE.search(text, a, b)
        b = end.start() if end else b
        label = ""
        rels = list(_REL_RE.finditer(_mask(text[a:b])))
        if rels:  # "Answer: epochs = 20" -> 20
            label = text[a : a + rels[0].start()].strip()
            a += rels[-1].end()
        a, b = _trim(text, a, b)
        if kind.looks_like(text[a:b]):
            out.append(Candidate(text[a:b], a, b, "answer-label", label))
    return out


def math_candidates(text: str, kind: Kind, *, bare_numbers: bool) -> list[Candidate]:
    """Values standing alone: each ``$...$`` span that looks like ``kind`` and holds no
    relation, and (``bare_numbers``) each number written outside maths."""
    out: list[Candidate] = []
    for m in _MATH_RE.finditer(text):
        grp = next(i for i in range(1, 5) if m.group(i) is not None)
        a, b = _trim(text, m.start(grp), m.end(grp))
        seg = text[a:b]
        if (
            not _REL_RE.search(_mask(seg))
            and not _SYMBOL_ARROW_RE.search(seg)
            and kind.looks_like(seg)
        ):
            out.append(Candidate(seg, a, b, "math"))
    if not _MATH_RE.search(text):
        # Maths written without $ on a line of its own: \frac{10}{9}, 0.99 w_i, {1, 2}.
        for m in re.finditer(r"[^\n]+", text):
            a, b = _trim(text, m.start(), m.end())
            seg = text[a:b]
            if (
                b - a == len(m.group(0).strip(" \t.$"))
                and kind.looks_like(seg)
                and not _PROSE_RE.search(_COMMAND_ARG_RE.sub("", seg))
                and not _REL_RE.search(_mask(seg))
            ):
                out.append(Candidate(seg, a, b, "math"))
    if bare_numbers:
        math_spans = [(m.start(), m.end()) for m in _MATH_RE.finditer(text)]
        for m in _BARE_NUMBER_RE.finditer(text):
            if not any(a <= m.start() < b for a, b in math_spans):
                out.append(Candidate(m.group(0), m.start(), m.end(), "number"))
    return out


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span to its value: strip ``$``, spaces, trailing punctuation and prose."""
    return _trim(text, start, end)


def dedupe(cands: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per span: the strongest rule that found it."""
    best: dict[tuple[int, int], Candidate] = {}
    for c in cands:
        old = best.get((c.start, c.end))
        if old is None or c.priority < old.priority:
            best[(c.start, c.end)] = c
    out = sorted(best.values(), key=lambda c: (c.start, c.end))
    # A weak candidate lying inside a stronger one's span is part of it, not another answer.
    strong = [c for c in out if c.priority < WEAK]
    return [
        c
        for c in out
        if c.priority < WEAK or not any(s.start <= c.start and c.end <= s.end for s in strong)
    ]


def _choose(cands: list[Candidate]) -> Extraction:
    finals = [c for c in cands if c.final]
    if not finals:
        return Extraction(tuple(cands), None, 0.0, "no value of the expected kind found")
    top = min(c.priority for c in finals)
    boxes = [c for c in finals if c.rule == "boxed"]
    later = [c for c in finals if c.rule == "answer-label" and boxes and c.start > boxes[-1].end]
    if later:
        # "The final answer is ..." after every box: the boxes held intermediate results.
        top = PRIORITY["answer-label"]
        finals = [c for c in finals if c.rule != "boxed"]
    if top < WEAK:
        group = [c for c in finals if c.priority == top]
        chosen = group[-1]
        confidence = {0: 1.0, 1: 0.95, 2: 0.9, 3: 0.85}.get(top, 0.85)
    else:
        group = [c for c in finals if c.priority >= WEAK]
        chosen = max(group, key=lambda c: (c.end, -c.priority))
        confidence = 0.75
    note = ""
    same_rule = [c for c in group if c is not chosen and c.rule == chosen.rule]
    if top < WEAK and any(_norm(c.text) != _norm(chosen.text) for c in same_rule):
        confidence -= 0.25
        note = f"{len(same_rule) + 1} {chosen.rule} candidates disagree; the last one was taken"
    intermediates = [
        c for c in cands if not c.final and c.label == chosen.label and c.start < chosen.start
    ]
    if intermediates and chosen.rule in ("target-equation", "chain"):
        note = note or "the final value of the chain of equalities was taken"
    return Extraction(tuple(cands), chosen, max(confidence, 0.1), note)


def _norm(s: str) -> str:
    return re.sub(r"[\s$]", "", s)
