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
from autocheck.align.tokens import Token, tokenize

__all__ = ["CopyAlignment", "Run", "align_copy"]

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
    token it matched (-1: not found), the number of blocks found out of order, the share of
    the print's words found, and the words of stretches that look printed but could not be
    placed (columns read across each other)."""

    tokens: tuple[Token, ...]
    runs: tuple[Run, ...]
    matched: tuple[int, ...]
    moves: int
    share: float
    stray_words: int


def align_copy(printed: PrintedExam, text: str) -> CopyAlignment:
    """Align a copy's transcription with the printed exam."""
    ptoks = printed.tokens
    ctoks = tuple(tokenize(text))
    pkeys = [t.norm for t in ptoks]
    ckeys = _canonical(ptoks, ctoks)
    matched = [-1] * len(ptoks)
    runs = _diff(pkeys, ckeys, 0, len(pkeys), 0, len(ckeys), ptoks, ctoks, matched)
    runs, moves = _recover_moves(runs, pkeys, ckeys, ptoks, ctoks, matched)
    words = [i for i, t in enumerate(ptoks) if t.content]
    share = sum(matched[i] >= 0 for i in words) / len(words) if words else 1.0
    stray = _stray_words(runs, ptoks, ctoks, matched)
    runs.sort(key=lambda r: r.j1)
    return CopyAlignment(ctoks, tuple(runs), tuple(matched), moves, share, stray)


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
                best = process.extractOne(key, vocab, scorer=fuzz.ratio, score_cutoff=80)
                cache[key] = best[0] if best is not None else key
            key = cache[key]
        out.append(key)
    return out


def _diff(
    pkeys: Sequence[str],
    ckeys: Sequence[str],
    p1: int,
    p2: int,
    c1: int,
    c2: int,
    ptoks: Sequence[Token],
    ctoks: Sequence[Token],
    matched: list[int],
) -> list[Run]:
    """Runs of writing between ``pkeys[p1:p2]`` and ``ckeys[c1:c2]``; fills ``matched``."""
    runs = []
    for op in Levenshtein.opcodes(pkeys[p1:p2], ckeys[c1:c2]):
        i1, i2, j1, j2 = op.src_start + p1, op.src_end + p1, op.dest_start + c1, op.dest_end + c1
        if op.tag == "equal":
            for k in range(i2 - i1):
                matched[i1 + k] = j1 + k
        elif op.tag == "insert":
            runs.append(Run(j1, j2, i1, i1))
        elif op.tag == "replace":
            if _noisy_print(ptoks[i1:i2], ctoks[j1:j2]):
                for k in range(i1, i2):
                    matched[k] = min(j2 - 1, j1 + (k - i1))
            else:
                runs.append(Run(j1, j2, i1, i2))
    return runs


def _noisy_print(printed: Sequence[Token], copy: Sequence[Token]) -> bool:
    """A replaced stretch that is the printed text with OCR noise (split or merged words)."""
    a = "".join(t.norm for t in printed)
    b = "".join(t.norm for t in copy)
    return len(a) >= 3 and fuzz.ratio(a, b) >= 80


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
    runs: list[Run],
    pkeys: Sequence[str],
    ckeys: Sequence[str],
    ptoks: Sequence[Token],
    ctoks: Sequence[Token],
    matched: list[int],
) -> tuple[list[Run], int]:
    """Align large runs with the print left unmatched elsewhere: blocks read out of order."""
    moves = 0
    tried: set[tuple[int, int]] = set()
    while True:
        big = [r for r in runs if _words(ctoks[r.j1 : r.j2]) >= MOVE_MIN_WORDS]
        big = [r for r in big if (r.j1, r.j2) not in tried]
        ranges = _deleted_ranges(matched, ptoks)
        if not big or not ranges:
            return runs, moves
        run = max(big, key=lambda r: r.j2 - r.j1)
        tried.add((run.j1, run.j2))
        best = max(ranges, key=lambda rg: _common(pkeys, ckeys, rg, run))
        common = _common(pkeys, ckeys, best, run)
        size = min(_words(ptoks[best[0] : best[1]]), _words(ctoks[run.j1 : run.j2]))
        if common < MOVE_MIN_WORDS or common < 0.6 * size:
            continue
        runs.remove(run)
        runs.extend(_diff(pkeys, ckeys, best[0], best[1], run.j1, run.j2, ptoks, ctoks, matched))
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
