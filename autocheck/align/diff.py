"""Align a copy's tokens with its printed exam's: what matches print is printed, the rest is
the student's writing, each piece placed at a position of the print.

The edit alignment is rapidfuzz's Levenshtein opcodes over token sequences (a C++ bit-parallel
implementation, linear in memory). OCR noise is absorbed before and after it: tokens are
compared in a folded form (:mod:`autocheck.align.tokens`); a copy word the print does not
have but that is close to a printed word (``Ture`` for ``True``) is compared as that word; and
a replaced stretch whose text is nearly the printed text (``Po ints`` for ``Points``) counts
as printed. Blocks of print the OCR read out of order (a two-column page read right column
first) come out as a deletion and an insertion; they are found again by aligning each large
inserted stretch with the deleted print, and aligned there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from autocheck.align.printed import PrintedExam
from autocheck.align.tokens import Token, line_numbers, tokenize

__all__ = ["CopyAlignment", "Run", "align_copy", "stray_lines"]

# a stretch of this many words or more can be a moved block of print
MOVE_MIN_WORDS = 6


@dataclass(frozen=True)
class Run:
    """Copy tokens ``[j1, j2)`` that are not printed text, written before the printed token
    ``at``; when they replace printed tokens (a filled-in blank), those are ``[at, over)``."""

    j1: int
    j2: int
    at: int
    over: int


@dataclass(frozen=True)
class CopyAlignment:
    """The copy's tokens, its runs of writing in copy order, for each printed token the copy
    token it matched (-1: not found) and for each copy token the printed token it is (-1:
    writing), the number of blocks found out of order, the share of
    the print's words found, and the words of stretches that look printed but could not be
    placed (columns read across each other)."""

    tokens: tuple[Token, ...]
    runs: tuple[Run, ...]
    matched: tuple[int, ...]
    printed: tuple[int, ...]
    moves: int
    share: float
    stray_words: int


def align_copy(printed: PrintedExam, text: str) -> CopyAlignment:
    """Align a copy's transcription with the printed exam."""
    ptoks = printed.tokens
    ctoks = tuple(tokenize(text))
    pkeys = [t.norm for t in ptoks]
    ckeys = _canonical(ptoks, ctoks)
    _lookalike_labels(printed, ctoks, text, ckeys)
    link = _Link([-1] * len(ptoks), [-1] * len(ctoks))
    _diff(pkeys, ckeys, (0, len(pkeys)), (0, len(ckeys)), ptoks, ctoks, link)
    _anchor_labels(printed, pkeys, ckeys, link)
    _fill_gaps(pkeys, ckeys, ptoks, ctoks, link)
    moves = _recover_moves(pkeys, ckeys, ptoks, ctoks, link)
    _slide_right(ptoks, ctoks, link, text)
    _keep_print_together(ctoks, link)
    _labels_with_their_text(printed, ctoks, link)
    _keep_labels_whole(ptoks, ctoks, link)
    _brackets_inside_writing(ptoks, ctoks, link, text)
    runs = _runs(link)
    words = [i for i, t in enumerate(ptoks) if t.content]
    share = sum(link.p[i] >= 0 for i in words) / len(words) if words else 1.0
    stray = _stray_words(runs, ptoks, ctoks, link.p)
    return CopyAlignment(ctoks, tuple(runs), tuple(link.p), tuple(link.c), moves, share, stray)


@dataclass
class _Link:
    """The alignment so far: for each printed token its copy token (``p``) and for each copy
    token the printed token it is (``c``), -1 where there is none."""

    p: list[int]
    c: list[int]

    def join(self, i: int, j: int) -> None:
        self.p[i] = j
        self.c[j] = i


def _runs(link: _Link) -> list[Run]:
    """Maximal stretches of copy tokens that are not print, each placed after the printed
    token that precedes it in the copy (over the printed tokens it replaced, if any)."""
    runs = []
    j = 0
    n = len(link.c)
    while j < n:
        if link.c[j] >= 0:
            j += 1
            continue
        j1 = j
        while j < n and link.c[j] < 0:
            j += 1
        before = link.c[j1 - 1] if j1 > 0 else -1
        after = link.c[j] if j < n else len(link.p)
        if before < 0:
            runs.append(Run(j1, j, after, after))
            continue
        # writing follows the print it comes after (even when the next print was read out of
        # order); it is written over that print's next tokens when the copy lacks them
        at = over = before + 1
        while over < len(link.p) and link.p[over] < 0 and over < after:
            over += 1
        runs.append(Run(j1, j, at, over if over == after else at))
    return runs


def _anchor_labels(
    printed: PrintedExam, pkeys: Sequence[str], ckeys: Sequence[str], link: _Link
) -> None:
    """Part labels anchor the alignment. A printed label left unmatched while the copy has it
    (with what follows it in print) further on lost to a coincidence: a student's ``64``
    matched to a ``64`` in the next question's text, whose print the OCR lost. The label is
    matched, the matches it crosses are undone, and the print around it is aligned again."""
    ptoks = printed.tokens
    for part in sorted(printed.parts, key=lambda p: p.start):
        if not part.found or part.table:
            continue
        s = next(
            (i for i in range(part.start, min(part.end, part.start + 3)) if ptoks[i].content), -1
        )
        if s < 0 or link.p[s] >= 0 or s + 1 >= len(pkeys):
            continue
        before = next((link.p[i] for i in range(s - 1, -1, -1) if link.p[i] >= 0), -1)
        j = _label_in_copy(pkeys, ckeys, link, s, before)
        if j < 0:
            continue
        for i in range(s + 1, len(link.p)):
            if 0 <= link.p[i] < j:
                link.c[link.p[i]] = -1
                link.p[i] = -1
        link.join(s, j)


def _fill_gaps(
    pkeys: Sequence[str],
    ckeys: Sequence[str],
    ptoks: Sequence[Token],
    ctoks: Sequence[Token],
    link: _Link,
) -> None:
    """Align again each stretch of unmatched print with the unmatched copy between the same
    matched neighbours (after matches were undone)."""
    i = 0
    while i < len(link.p):
        if link.p[i] >= 0:
            i += 1
            continue
        i1 = i
        while i < len(link.p) and link.p[i] < 0:
            i += 1
        c1 = link.p[i1 - 1] + 1 if i1 > 0 else 0
        c2 = link.p[i] if i < len(link.p) else len(link.c)
        if c1 < c2 and all(link.c[j] < 0 for j in range(c1, c2)):
            _diff(pkeys, ckeys, (i1, i), (c1, c2), ptoks, ctoks, link)


def _label_in_copy(
    pkeys: Sequence[str], ckeys: Sequence[str], link: _Link, s: int, after: int
) -> int:
    """The copy's unmatched token after ``after`` that is printed token ``s`` followed by one
    of the two printed tokens after it; -1 when none."""
    context = set(pkeys[s + 1 : s + 3])
    for j in range(after + 1, len(ckeys) - 1):
        if link.c[j] < 0 and ckeys[j] == pkeys[s] and context & set(ckeys[j + 1 : j + 3]):
            return j
    return -1


def _slide_right(ptoks: Sequence[Token], ctoks: Sequence[Token], link: _Link, text: str) -> None:
    """Move a punctuation match that splits a piece of writing to the same token further
    right, before the next print: in ``ReLU(2) = 2 ... (b)`` the printed ``(`` of ``(b)`` is
    the last ``(``, not the student's. Writing follows its question, so ties go right."""
    for i, j in enumerate(link.p):
        if j <= 0 or j + 1 >= len(ctoks) or ptoks[i].content:
            continue
        if link.c[j + 1] >= 0:
            continue  # no writing after it
        if link.c[j - 1] >= 0 and "\n" not in text[ctoks[j - 1].end : ctoks[j].start]:
            continue  # print before it on its line: not inside writing
        nxt = j + 1
        while nxt < len(ctoks) and link.c[nxt] < 0:
            nxt += 1
        later = [k for k in range(j + 1, nxt) if ctoks[k].norm == ctoks[j].norm]
        if later:
            link.c[j] = -1
            link.join(i, later[-1])


def _keep_print_together(ctoks: Sequence[Token], link: _Link) -> None:
    """Printed neighbours stay neighbours: when printed token ``i`` matched a copy token
    ``j`` whose printed neighbour ``i + 1`` matched further on, past writing that holds the
    same token again, ``i`` is that later one. In ``4. 1/8   8. 1.25`` the printed label
    ``8.`` is the second ``8``, not the student's denominator."""
    for i in range(len(link.p) - 1):
        j, after = link.p[i], link.p[i + 1]
        if j < 0 or after <= j + 1:
            continue
        if j > 0 and link.c[j - 1] == i - 1 and i > 0:
            continue  # its left neighbour in print is its left neighbour in the copy
        if any(link.c[k] >= 0 for k in range(j + 1, after)):
            continue
        same = [k for k in range(j + 1, after) if ctoks[k].norm == ctoks[j].norm]
        if same:
            link.c[j] = -1
            link.join(i, same[-1])


def _labels_with_their_text(printed: PrintedExam, ctoks: Sequence[Token], link: _Link) -> None:
    """A part's printed label is the copy's same label right before the part's printed text,
    not the student's own one written above it: ``2.2: 0.25`` answered early, under 2.1, leaves
    the printed ``2.2 What fraction ...`` whole, however the print before both matched."""
    ptoks = printed.tokens
    for part in printed.parts:
        if not part.found or part.table:
            continue
        i = next(
            (k for k in range(part.start, min(part.end, part.start + 3)) if ptoks[k].content), -1
        )
        if i < 0 or i + 1 >= len(link.p):
            continue
        j, after = link.p[i], link.p[i + 1]
        if j < 0 or after <= j + 1 or link.c[after - 1] >= 0:
            continue
        if ctoks[after - 1].norm != ctoks[j].norm:
            continue
        if any(link.c[k] >= 0 for k in range(j + 1, after - 1)):
            continue
        link.c[j] = -1
        link.join(i, after - 1)


def _keep_labels_whole(ptoks: Sequence[Token], ctoks: Sequence[Token], link: _Link) -> None:
    """A printed word matched past writing that holds it with its printed punctuation, while
    that punctuation found no match after it, is the earlier one: in ``5. 5`` written over
    ``5. ____`` the label is the first ``5.``, and the second ``5`` the student's answer."""
    for i in range(len(link.p) - 1):
        j = link.p[i]
        if j <= 0 or link.p[i + 1] >= 0 or ptoks[i + 1].kind != "punct":
            continue
        k = j - 2
        while k >= 0 and link.c[k] < 0 and link.c[k + 1] < 0:
            if ctoks[k].norm == ctoks[j].norm and ctoks[k + 1].norm == ptoks[i + 1].norm:
                link.c[j] = -1
                link.join(i, k)
                link.join(i + 1, k + 1)
                break
            k -= 1


def _brackets_inside_writing(
    ptoks: Sequence[Token], ctoks: Sequence[Token], link: _Link, text: str
) -> None:
    """A printed bracket matched to one with writing right before and after it on its line
    is the student's: in ``\\frac{1}{2}`` written above a printed empty box, the box's ``}``
    is not the fraction's, which cut it (and the whole value) in two."""
    for i, j in enumerate(link.p):
        if j <= 0 or j + 1 >= len(ctoks) or ptoks[i].text not in _BRACKETS:
            continue
        if link.c[j - 1] >= 0 or link.c[j + 1] >= 0:
            continue
        if "\n" in text[ctoks[j - 1].start : ctoks[j + 1].end]:
            continue
        link.p[i] = -1
        link.c[j] = -1


_BRACKETS = frozenset("{}()[]")


def _canonical(ptoks: Sequence[Token], ctoks: Sequence[Token]) -> list[str]:
    """Copy tokens as compared: a word the print lacks but nearly has is that printed word."""
    vocab = sorted({t.norm for t in ptoks if t.kind == "word" and len(t.norm) >= 4})
    known = {t.norm for t in ptoks}
    cache: dict[str, str] = {}
    out = []
    for t in ctoks:
        key = t.norm
        if t.kind == "word" and len(key) >= 4 and key not in known and vocab:
            if key not in cache:
                best = process.extractOne(key, vocab, scorer=fuzz.ratio, score_cutoff=75)
                cache[key] = best[0] if best is not None else key
            key = cache[key]
        out.append(key)
    return out


# letters and digits the OCR mistakes for each other in a bracketed label ((6) for (b)), in
# the tokens' folded form (l, i and o are folded already)
_LOOKALIKES = {"6": "b", "8": "b", "9": "g", "5": "s", "2": "z"}


def _lookalike_labels(
    printed: PrintedExam, ctoks: Sequence[Token], text: str, ckeys: list[str]
) -> None:
    """A bracketed character opening a copy's line (``(6) How many...``) that the OCR
    mistakes for the letter of a label printed so (``(b)`` opening a printed line) is that
    label: print, not a value written there."""
    labels = set()
    for i in range(1, len(printed.tokens) - 1):
        before, t, after = printed.tokens[i - 1 : i + 2]
        if before.text == "(" and after.text == ")" and _opens_line(printed.text, before.start):
            labels.add(t.norm)
    for j in range(1, len(ctoks) - 1):
        letter = _LOOKALIKES.get(ckeys[j], "")
        if (
            letter in labels
            and ctoks[j - 1].text == "("
            and ctoks[j + 1].text == ")"
            and _opens_line(text, ctoks[j - 1].start)
        ):
            ckeys[j] = letter


def _opens_line(text: str, pos: int) -> bool:
    return not text[text.rfind("\n", 0, pos) + 1 : pos].strip()


def _diff(
    pkeys: Sequence[str],
    ckeys: Sequence[str],
    prange: tuple[int, int],
    crange: tuple[int, int],
    ptoks: Sequence[Token],
    ctoks: Sequence[Token],
    link: _Link,
) -> None:
    """Link the print of ``prange`` with the copy's ``crange``: the words and numbers first
    (informative tokens: a bracket or a dot of the student's must not pull the alignment
    across a page), then every token between two linked words."""
    (p1, p2), (c1, c2) = prange, crange
    pw = [i for i in range(p1, p2) if ptoks[i].content]
    cw = [j for j in range(c1, c2) if ctoks[j].content]
    anchors = []
    for op in Levenshtein.opcodes([pkeys[i] for i in pw], [ckeys[j] for j in cw]):
        if op.tag == "equal":
            for k in range(op.src_end - op.src_start):
                anchors.append((pw[op.src_start + k], cw[op.dest_start + k]))
    prev_i, prev_j = p1 - 1, c1 - 1
    for i, j in [*anchors, (p2, c2)]:
        _diff_tokens(pkeys, ckeys, (prev_i + 1, i), (prev_j + 1, j), ptoks, ctoks, link)
        if i < p2:
            link.join(i, j)
        prev_i, prev_j = i, j


def _diff_tokens(
    pkeys: Sequence[str],
    ckeys: Sequence[str],
    prange: tuple[int, int],
    crange: tuple[int, int],
    ptoks: Sequence[Token],
    ctoks: Sequence[Token],
    link: _Link,
) -> None:
    """Link the equal tokens of ``pkeys[prange]`` and ``ckeys[crange]``; in each stretch
    between them, the print that is there with OCR noise."""
    (p1, p2), (c1, c2) = prange, crange
    if p1 >= p2 or c1 >= c2:
        return
    gap: list[int] | None = None  # [i1, i2, j1, j2] of the stretch between equal runs
    for op in Levenshtein.opcodes(pkeys[p1:p2], ckeys[c1:c2]):
        i1, i2, j1, j2 = op.src_start + p1, op.src_end + p1, op.dest_start + c1, op.dest_end + c1
        if op.tag != "equal":
            gap = [gap[0], i2, gap[2], j2] if gap else [i1, i2, j1, j2]
            continue
        if gap:
            _noisy_print(ptoks, ctoks, gap, link)
            gap = None
        for k in range(i2 - i1):
            link.join(i1 + k, j1 + k)
    if gap:
        _noisy_print(ptoks, ctoks, gap, link)


def _noisy_print(
    ptoks: Sequence[Token], ctoks: Sequence[Token], gap: Sequence[int], link: _Link
) -> None:
    """Link the printed tokens of a stretch to the copy tokens at its end or start that are
    them with OCR noise (a word split or two merged, a dot lost, a letter misread): a few
    tokens, nearly the same characters. The rest of the stretch stays writing."""
    i1, i2, j1, j2 = gap
    if not 0 < i2 - i1 <= 4 or j2 == j1:
        return
    a = "".join(t.norm for t in ptoks[i1:i2])
    if len(a) < 3:
        return
    for size in range(1, min(6, j2 - j1) + 1):
        for k1, k2 in ((j2 - size, j2), (j1, j1 + size)):
            b = "".join(t.norm for t in ctoks[k1:k2])
            if 0.6 <= len(b) / len(a) <= 1.67 and fuzz.ratio(a, b) >= 80:
                for k in range(k1, k2):
                    link.c[k] = min(i2 - 1, i1 + (k - k1))
                for k in range(i1, i2):
                    link.p[k] = min(k2 - 1, k1 + (k - i1))
                return


def _deleted_ranges(matched: Sequence[int], ptoks: Sequence[Token]) -> list[tuple[int, int]]:
    ranges = []
    start = -1
    for i, j in enumerate([*matched, 0]):
        if j < 0 and start < 0:
            start = i
        elif j >= 0 and start >= 0:
            if sum(t.content for t in ptoks[start:i]) >= MOVE_MIN_WORDS:
                ranges.append((start, i))
            start = -1
    return ranges


def _words(tokens: Sequence[Token]) -> int:
    return sum(t.content for t in tokens)


def _recover_moves(
    pkeys: Sequence[str],
    ckeys: Sequence[str],
    ptoks: Sequence[Token],
    ctoks: Sequence[Token],
    link: _Link,
) -> int:
    """Align large stretches of writing with the print left unmatched elsewhere: blocks of
    print read out of order. Returns the number of blocks found."""
    moves = 0
    tried: set[tuple[int, int]] = set()
    while True:
        runs = [r for r in _runs(link) if (r.j1, r.j2) not in tried]
        big = [r for r in runs if _words(ctoks[r.j1 : r.j2]) >= MOVE_MIN_WORDS]
        ranges = _deleted_ranges(link.p, ptoks)
        if not big or not ranges:
            return moves
        run = max(big, key=lambda r: r.j2 - r.j1)
        tried.add((run.j1, run.j2))
        best = max(ranges, key=lambda rg: _common(pkeys, ckeys, rg, run))
        common = _common(pkeys, ckeys, best, run)
        size = min(_words(ptoks[best[0] : best[1]]), _words(ctoks[run.j1 : run.j2]))
        if common < MOVE_MIN_WORDS or common < 0.6 * size:
            continue
        _diff(pkeys, ckeys, best, (run.j1, run.j2), ptoks, ctoks, link)
        moves += 1


def _common(pkeys: Sequence[str], ckeys: Sequence[str], rg: tuple[int, int], run: Run) -> int:
    """Tokens a printed range and a run have in common, in order."""
    a, b = rg
    ops = Levenshtein.opcodes(pkeys[a:b], ckeys[run.j1 : run.j2])
    return sum(op.src_end - op.src_start for op in ops if op.tag == "equal")


def _stray_words(
    runs: Sequence[Run], ptoks: Sequence[Token], ctoks: Sequence[Token], matched: Sequence[int]
) -> int:
    """Words of writing that are printed words left unmatched: print the alignment could not
    place (a page or columns read across each other), which must not pass for answers."""
    missing = Counter(t.norm for i, t in enumerate(ptoks) if t.content and matched[i] < 0)
    stray = 0
    for run in runs:
        words = [t.norm for t in ctoks[run.j1 : run.j2] if t.content]
        if len(words) < MOVE_MIN_WORDS:
            continue
        printed = sum(min(n, missing[w]) for w, n in Counter(words).items())
        if printed >= 0.6 * len(words):
            stray += printed
    return stray


def stray_lines(printed: PrintedExam, aligned: CopyAlignment, text: str) -> list[tuple[int, int]]:
    """Lines of the copy's writing that read as a printed line the alignment left unmatched
    (three words or more): print read out of its order, as when the OCR alternates two
    columns' lines, which must not pass for an answer. Their spans in the copy."""
    ptoks, ctoks = printed.tokens, aligned.tokens
    rows: dict[int, list[int]] = {}
    for i, token in enumerate(ptoks):
        if token.content:
            rows.setdefault(printed.lines[i], []).append(i)
    lost = [
        " ".join(ptoks[i].norm for i in words)
        for words in rows.values()
        if len(words) >= 3 and sum(aligned.matched[i] < 0 for i in words) >= 0.8 * len(words)
    ]
    if not lost:
        return []
    lines: dict[int, list[int]] = {}
    for j, line in enumerate(line_numbers(text, ctoks)):
        lines.setdefault(line, []).append(j)
    out = []
    for js in lines.values():
        if any(aligned.printed[j] >= 0 for j in js):
            continue
        words = " ".join(ctoks[j].norm for j in js if ctoks[j].content)
        if words.count(" ") >= 2 and max(fuzz.ratio(words, w) for w in lost) >= 90:
            out.append((ctoks[js[0]].start, ctoks[js[-1]].end))
    return out
