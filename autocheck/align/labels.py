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
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from autocheck.align.anchors import (
    ANSWER_MARKER_RE,
    BLANK_AHEAD_RE,
    POINTS_AHEAD_RE,
    POINTS_BELOW_RE,
    POINTS_RE,
    SOLUTION_LINE_RE,
    LabelCandidate,
    TextLine,
    label_pattern,
    label_similarity,
    normalise,
    split_lines,
    tail_end,
)
from autocheck.align.cutting import Spans, prompt_end, stem_start, trim_span
from autocheck.align.headers import (
    find_headers,
    header_candidates,
    question_headers,
    question_scopes,
    scoped,
)
from autocheck.align.model import Alignment, AnswerText, PartPrompt
from autocheck.structure import clean_markup

__all__ = ["align", "locate"]


def _label_patterns(label: str) -> list[tuple[re.Pattern[str], float]]:
    """The label's pattern, and for a compound label ("4(b)", "Q2.1") the innermost numbering
    alone ("(b)", "1."), weaker: a key may label a part more fully than the paper prints it."""
    patterns = []
    if (full := label_pattern(label)) is not None:
        patterns.append((full, 1.0))
    tokens = re.findall(r"[A-Za-z]+|\d+", clean_markup(label))
    if tokens and tokens[0].isalpha() and (len(tokens[0]) > 1 or tokens[0] in "Qq"):
        tokens = tokens[1:]
    if len(tokens) >= 2:
        inner = f"({tokens[-1]})" if tokens[-1].isalpha() else f"{tokens[-1]}."
        if (short := label_pattern(inner)) is not None:
            patterns.append((short, 0.7))
    return patterns


def _candidates(
    text: str, lines: list[TextLine], parts: Sequence[PartPrompt]
) -> list[LabelCandidate]:
    found: list[LabelCandidate] = []
    line_starts = [line.start for line in lines]
    flat_lines = [normalise(text[line.body : line.end]) for line in lines]
    heads = [normalise(part.prompt)[:60] for part in parts]
    # prompt similarity of every part against every line's start, in one vectorised call
    prompt_sims = process.cdist(
        heads, [flat[:160] for flat in flat_lines], scorer=fuzz.partial_ratio, score_cutoff=80
    )
    for index, part in enumerate(parts):
        head = heads[index]
        best: dict[int, LabelCandidate] = {}  # by position
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
                    POINTS_AHEAD_RE.match(text, match.end(), line.end)
                    or (at_start and POINTS_BELOW_RE.match(text, line.end))
                )
                # a label inside a line counts when its points or its blank follow it
                blank_after = bool(BLANK_AHEAD_RE.match(text, match.end(), line.end))
                if not (at_start or points_after or blank_after):
                    continue
                label_end = tail_end(text, match.end(), line.end)
                exact = weight == 1.0 and (
                    normalise(match.group(0)).strip("().") == normalise(part.label).strip("().")
                )
                strong = at_start or blank_after
                label_score = weight * ((1.0 if exact else 0.85) if strong else 0.75)
                points = 1.0 if points_after else 0.0
                if head:
                    window = normalise(text[label_end : label_end + 2 * len(head) + 60])
                    sim = label_similarity(head, window)
                    score = 0.45 * label_score + 0.45 * sim + 0.1 * points
                    method = "label+prompt" if sim >= 0.8 else "label"
                else:
                    score = 0.85 * label_score + 0.15 * points
                    method = "label"
                pos = line.start if at_start else match.start()
                bare = at_start and not POINTS_RE.search(text, match.end(), line.end)
                candidate = LabelCandidate(
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
            points = 1.0 if POINTS_RE.search(text, line.body, line.end) else 0.0
            weight = 0.45 if patterns else 0.9
            score = weight * sim + 0.1 * points
            found.append(
                LabelCandidate(index, line.start, line.body, line.end, score, "prompt", False)
            )
    return [candidate for candidate in found if candidate.score >= 0.4]


def _best_chain(candidates: list[LabelCandidate]) -> list[LabelCandidate]:
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
    text: str, candidates: list[LabelCandidate], primary: dict[int, LabelCandidate]
) -> list[LabelCandidate]:
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
        if SOLUTION_LINE_RE.search(between):
            eligible.append(candidate)
    return _best_chain(eligible)


_UNKNOWN_PART_RE = re.compile(
    r"(?:(?:\(\s*[a-z]\s*\)|[a-z]\)|\d{1,2}\s*[.)]|q\s*\d{1,2}(?:\.\d{1,2})?)\s*)?"
    r"[\[(]?\s*\d{1,3}(?:\.\d+)?\s*(?:points?|pts?|marks?)\b\s*[\])]?\s*[A-Za-z]",
    re.IGNORECASE,
)


def _unknown_parts(text: str, lines: list[TextLine], taken: list[int]) -> list[int]:
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
    text: str, lines: list[TextLine], count: int, primary: dict[int, LabelCandidate]
) -> dict[int, LabelCandidate]:
    """Anchors for runs of parts not found by label or prompt: where exactly as many printed
    parts (label or points, then text) sit between the found neighbours, take them in order.
    A guess, so its confidence stays below 0.5."""
    placed: dict[int, LabelCandidate] = {}
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
                placed[part] = LabelCandidate(
                    part, pos, line.body, line.end, 0.45, "position", False
                )
        index = run_end
    return placed


@dataclass(frozen=True)
class _Located:
    """Where the parts' printed labels are: anchors by part index (primary: the printed part;
    secondary: its label again in a solution block) and the question header lines."""

    lines: list[TextLine]
    primary: dict[int, LabelCandidate]
    secondary: dict[int, LabelCandidate]
    headers: list[int]


def _locate(text: str, parts: Sequence[PartPrompt]) -> _Located:
    lines = split_lines(text)
    found_headers = find_headers(text, lines, parts)
    scopes = question_scopes(parts, found_headers, len(text))
    candidates = _candidates(text, lines, parts) + header_candidates(text, parts, found_headers)
    candidates = scoped(candidates, scopes)
    primary = {c.part: c for c in _best_chain(candidates)}
    placed = scoped(list(_by_position(text, lines, len(parts), primary).values()), scopes)
    primary.update({c.part: c for c in placed})
    secondary = {c.part: c for c in _solution_chain(text, candidates, primary)}
    anchors = [*primary.values(), *secondary.values()]
    headers = set(question_headers(text, lines, parts, anchors))
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
    spans = Spans(text)
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
    text: str, lines: list[TextLine], spans: Spans, kind: str, pos: int, end: int
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
    printed = LabelCandidate(-1, pos, line.body, line.end, 0.0, "", False)
    answer_start, _ = prompt_end(text, printed, end, "")
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
    spans: Spans,
) -> AnswerText:
    """One part's answer between its anchor and the next event; the printed text around it
    goes to ``spans`` as prompt."""
    if kind == "prompt":
        candidate = located.primary[index]
        answer_start, guessed = prompt_end(text, candidate, end, part.prompt)
        method, confidence = candidate.method, min(candidate.score, 1.0)
    else:
        candidate = located.secondary[index]
        answer_start, guessed = min(candidate.label_end, end), False
        method, confidence = "solution_block", 0.9 * candidate.label_score
    marker = ANSWER_MARKER_RE.match(text, answer_start, end)
    if marker:
        answer_start = marker.end()
    spans.add("prompt", pos, answer_start)
    stem = stem_start(text, answer_start, end)
    spans.stem(stem, end)
    start, stop = trim_span(text, answer_start, stem)
    if guessed:
        confidence *= 0.9
    if stem < end:
        confidence *= 0.9
    return AnswerText(part.part_id, text[start:stop], start, stop, round(confidence, 3), method)
