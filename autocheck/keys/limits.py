"""Bounds an answer key must keep, checked while its YAML is composed, before anything walks it.

A key is written by one instructor but read by the web server, the workers and the command
line, so a mistaken or hostile key must cost little and fail clearly. :func:`compose_key`
replaces ``yaml.compose``:

* **size**: the text (:data:`MAX_KEY_CHARS`), and the tree as every reader walks it, aliases
  expanded (:data:`MAX_VALUES`). An alias (``*params``) may reuse an anchored value, as keys
  do for a solver's parameters shared by two parts; nine lines of aliases of aliases
  ("billion laughs") would expand to 10^9 values, and are refused while composing, from
  sizes counted once per node. An alias inside its own anchor (a cycle) is refused too;
* **depth** (:data:`MAX_DEPTH`, aliases expanded): lists nested 20,000 deep would exhaust
  Python's stack;
* **numbers**: an integer of at most :data:`MAX_INT_DIGITS` digits, every number finite and
  within :data:`MAX_NUMBER`; points within :data:`MAX_POINTS` with at most two decimals
  (what the gradebook stores), rubric deductions alike;
* **text**: no NUL, other control characters or lone surrogates (PostgreSQL and UTF-8 refuse
  them); a length per field (:data:`FIELD_MAX_CHARS`: the sizes the gradebook stores), else
  :data:`MAX_TEXT_CHARS`;
* **tags**: only YAML's plain types (text, numbers, booleans, null, dates, lists, mappings),
  and mapping keys that are plain values, so that constructing the data cannot fail.

Every problem is a :class:`~autocheck.keys.model.KeyIssue` with its line and dotted field.
Problems with values are all collected; a structural one (too large, too deep, a cycle) stops
at once. :func:`key_size_issues` adds the bounds on a parsed key as a whole (parts, points).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from autocheck.keys.model import ExamKey, KeyFormatError, KeyIssue
from autocheck.mathparse import MAX_CHARS as MAX_MATH_CHARS

#: A key's text, in characters. The seed exams' keys are 4-6 KB; 500 parts fit in ~150 KB.
MAX_KEY_CHARS = 512 * 1024
#: Values (scalars, lists and mappings) of the key with its aliases expanded. The seed keys
#: have ~1,500; a 1,000-part key ~30,000.
MAX_VALUES = 200_000
#: Nesting of lists and mappings (a key with matrix answers and nested params is ~12 deep).
MAX_DEPTH = 32
#: Digits of an integer, and the magnitude of any number, written in a key.
MAX_INT_DIGITS = 18
MAX_NUMBER = 1e18
#: A number's written form, in characters (``-1.234567890123456e-300`` is 24).
MAX_NUMBER_CHARS = 40
#: Points of a question, part, target or rubric item: at most this, in hundredths.
MAX_POINTS = 10_000
#: The exam as a whole: parts, and points of all questions (bonus included).
MAX_PARTS = 1_000
MAX_EXAM_POINTS = 100_000
#: Text of a field not listed in FIELD_MAX_CHARS (prompts, guidance, conditions).
MAX_TEXT_CHARS = 10_000
#: A mapping key (a field or parameter name).
MAX_NAME_CHARS = 100
#: Lengths the gradebook stores for these fields (printed numbers, labels, titles, rubric
#: lines) and the maths autocheck reads, by the end of their dotted field.
FIELD_MAX_CHARS = (
    (re.compile(r"^questions\[\d+\](\.parts\[\d+\])?\.number$"), 16),
    (re.compile(r"\.label$"), 40),
    (re.compile(r"\.title$"), 200),
    (re.compile(r"\.rubric\[\d+\]\.text$"), 200),
    (re.compile(r"^exam\.id$"), 80),
    (re.compile(r"\.unit$"), 40),
    # Maths is read by autocheck.mathparse, which refuses more (and is slow to normalise it).
    (re.compile(r"\.answer\.(?:number|expression|(?:vector|matrix)(?:\[\d+\])+)$"), MAX_MATH_CHARS),
    (re.compile(r"\.predicate\.conditions(?:\[\d+\])?$"), MAX_MATH_CHARS),
)

#: Fields whose mappings are free-form data (solver parameters, example values, synonyms):
#: the per-field rules above apply to the key's own fields only.
_FREE_FORM = frozenset({"params", "example", "synonyms", "carry"})
_POINT_FIELDS = frozenset({"points", "total_points"})
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_COLLECTION_TAGS = frozenset({_TAG + "seq", _TAG + "map"})
# C0 controls but tab and newlines, DEL, C1 controls but NEL, and lone surrogates.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


def compose_key(text: str) -> Node | None:
    """The YAML node tree of a key's text, composed and checked under this module's limits.

    Returns None for an empty document.

    Raises
    ------
    KeyFormatError
        listing every limit the text passes (or its YAML syntax error), with lines and fields.
    """
    if len(text) > MAX_KEY_CHARS:
        raise KeyFormatError(
            [
                KeyIssue(
                    1,
                    "(document)",
                    f"{len(text):,} characters; a key has at most {MAX_KEY_CHARS:,}",
                )
            ]
        )
    loader = None
    try:
        loader = _BoundedLoader(text)  # reads the text: a character YAML refuses fails here
        root = loader.get_single_node()
    except _Fatal as fatal:
        raise KeyFormatError([fatal.issue]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        message = f"the character U+{exc.character:04X} is not allowed in YAML; remove it"
        raise KeyFormatError([KeyIssue(line, "(yaml)", message)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise KeyFormatError(
            [KeyIssue(line, "(yaml)", str(getattr(exc, "problem", exc)))]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is not None:
        issues = sorted(_Checker().issues(root), key=lambda issue: issue.line)
        if issues:
            raise KeyFormatError(issues)
    return root


def key_size_issues(key: ExamKey) -> Iterator[KeyIssue]:
    """Bounds on a parsed key as a whole: its number of parts and its total points."""
    parts = key.parts()
    if len(parts) > MAX_PARTS:
        yield KeyIssue(1, "questions", f"{len(parts):,} parts; an exam has at most {MAX_PARTS:,}")
    total = sum(q.points for q in key.questions)
    if total > MAX_EXAM_POINTS:
        yield KeyIssue(
            1,
            "questions",
            f"the questions add up to {total:,.2f} points; at most {MAX_EXAM_POINTS:,}",
        )


# --------------------------------------------------------------------------- composing


class _Fatal(Exception):
    def __init__(self, mark: Any, where: str, message: str) -> None:
        super().__init__(message)
        self.issue = _issue(mark, where, message)


def _issue(mark: Any, where: str, message: str) -> KeyIssue:
    if len(where) > 120:  # a field 30 levels deep: its start says where
        where = where[:100] + "..."
    return KeyIssue(mark.line + 1 if mark is not None else 1, where, message)


def _step(path: str, parent: Node | None, index: Any) -> str:
    """The dotted field of a child: ``index`` is a list position, a mapping's key node, or
    None for the key itself (which is reported at its mapping)."""
    if parent is None or index is None:
        return path
    if isinstance(index, int):
        return f"{path}[{index}]"
    name = str(index.value)[:MAX_NAME_CHARS] if isinstance(index, ScalarNode) else "?"
    return name if path == "" else f"{path}.{name}"


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing while it composes what would be too deep or too large
    once aliases are expanded. Each node's expanded size and height are counted once, when
    it is complete (its children, aliased ones included, are complete before it)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.path: list[str] = [""]
        self.open_anchors: set[str] = set()
        self.measure: dict[int, tuple[int, int]] = {}  # id(node) -> (values, height)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        path = _step(self.path[-1], parent, index)
        where = path or "key"
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.open_anchors:
            raise _Fatal(
                event.start_mark, where, f"the alias *{event.anchor} is inside its own anchor"
            )
        depth = len(self.path)  # of the node composed here; the root is at depth 1
        if depth > MAX_DEPTH:
            raise _Fatal(event.start_mark, where, f"nested more than {MAX_DEPTH} levels deep")
        anchor = None if isinstance(event, yaml.AliasEvent) else event.anchor
        if anchor is not None:
            self.open_anchors.add(anchor)
        self.path.append(path)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.path.pop()
            if anchor is not None:
                self.open_anchors.discard(anchor)
        if node is None:  # not reached: an event of the wrong kind is a YAML error first
            return None
        values, height = self._measured(node)
        if depth + height - 1 > MAX_DEPTH:
            raise _Fatal(
                event.start_mark,
                where,
                f"nested more than {MAX_DEPTH} levels deep (aliases expanded)",
            )
        if values > MAX_VALUES:
            raise _Fatal(
                event.start_mark,
                where,
                f"expands to more than {MAX_VALUES:,} values through its aliases (*name); "
                "write the values out or share less",
            )
        return node

    def _measured(self, node: Node) -> tuple[int, int]:
        known = self.measure.get(id(node))
        if known is not None:
            return known
        if isinstance(node, SequenceNode):
            children = [self.measure[id(child)] for child in node.value]
        elif isinstance(node, MappingNode):
            children = [self.measure[id(n)] for pair in node.value for n in pair]
        else:
            children = []
        result = (
            1 + sum(v for v, _ in children),
            1 + max((h for _, h in children), default=0),
        )
        self.measure[id(node)] = result
        return result


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class _Field:
    path: str
    free_form: bool = False

    @property
    def name(self) -> str:
        return re.split(r"[.\]]", self.path)[-1]

    def child(self, parent: Node, index: Any) -> _Field:
        path = _step(self.path, parent, index)
        name = path.rsplit(".", 1)[-1]
        return _Field(path, self.free_form or name in _FREE_FORM)


class _Checker:
    """Walks the composed tree, aliases expanded (bounded by the loader), checking values by
    their field."""

    def issues(self, root: Node) -> Iterator[KeyIssue]:
        stack: list[tuple[Node, _Field, bool]] = [(root, _Field(""), False)]
        while stack:
            node, field, is_key = stack.pop()
            yield from self._check(node, field, is_key=is_key)
            if isinstance(node, SequenceNode):
                stack.extend(
                    (child, field.child(node, i), False) for i, child in enumerate(node.value)
                )
            elif isinstance(node, MappingNode):
                for key, value in node.value:
                    stack.append((key, field, True))
                    stack.append((value, field.child(node, key), False))

    def _check(self, node: Node, field: _Field, *, is_key: bool) -> Iterator[KeyIssue]:
        where = field.path or "key"
        if isinstance(node, MappingNode | SequenceNode):
            if node.tag not in _COLLECTION_TAGS:
                yield _issue(node.start_mark, where, f"{_tag_name(node.tag)} is not allowed")
            if is_key:
                yield _issue(node.start_mark, where, "mapping keys must be plain names")
            return
        assert isinstance(node, ScalarNode)
        if node.tag not in _SCALAR_TAGS:
            yield _issue(node.start_mark, where, f"{_tag_name(node.tag)} is not allowed")
        elif is_key:
            yield from _text(node, where, MAX_NAME_CHARS, "the name")
        elif node.tag in (_TAG + "int", _TAG + "float"):
            yield from _number(node, field)
        else:
            yield from _text(node, where, _text_limit(field), "the text")
            if node.tag == _TAG + "timestamp":
                yield from _constructed(node, where, [])


def _tag_name(tag: str) -> str:
    if tag == _TAG + "merge":
        return "a merge key (<<)"
    return "the YAML tag " + ("!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag)


def _text_limit(field: _Field) -> int:
    if not field.free_form:
        for pattern, limit in FIELD_MAX_CHARS:
            if pattern.search(field.path):
                return limit
    return MAX_TEXT_CHARS


def _text(node: ScalarNode, where: str, limit: int, what: str) -> Iterator[KeyIssue]:
    value = node.value
    bad = _BAD_CHARS.search(value)
    if bad is not None:
        char = bad.group()
        name = "a NUL character" if char == "\x00" else f"the character U+{ord(char):04X}"
        kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
        yield _issue(node.start_mark, where, f"{what} contains {name} ({kind}); remove it")
    if len(value) > limit:
        yield _issue(
            node.start_mark, where, f"{what} is {len(value):,} characters long; at most {limit:,}"
        )


def _number(node: ScalarNode, field: _Field) -> Iterator[KeyIssue]:
    where, text = field.path or "key", node.value
    digits = sum(c.isdigit() for c in text)
    if node.tag == _TAG + "int" and digits > MAX_INT_DIGITS:
        yield _issue(
            node.start_mark, where, f"an integer of {digits:,} digits; at most {MAX_INT_DIGITS}"
        )
        return
    if len(text) > MAX_NUMBER_CHARS:
        yield _issue(
            node.start_mark,
            where,
            f"a number written with {len(text):,} characters; at most {MAX_NUMBER_CHARS}",
        )
        return
    got: list[Any] = []
    yield from _constructed(node, where, got)
    if not got:
        return
    value = got[0]
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        yield _issue(node.start_mark, where, f"{text} is out of range (a finite number up to 1e18)")
    elif field.name in _POINT_FIELDS and not field.free_form:
        limit = MAX_EXAM_POINTS if field.name == "total_points" else MAX_POINTS
        if abs(value) > limit:
            yield _issue(node.start_mark, where, f"{text} points; at most {limit:,}")
        elif Decimal(repr(value)) != Decimal(repr(value)).quantize(Decimal("0.01")):
            yield _issue(node.start_mark, where, f"{text} points: give at most two decimals")


def _constructed(node: ScalarNode, where: str, out: list[Any]) -> Iterator[KeyIssue]:
    """Construct one scalar as the parser will, appending it to ``out``, or report why not."""
    try:
        out.append(yaml.constructor.SafeConstructor().construct_object(node))
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        yield _issue(node.start_mark, where, f"cannot read {node.value!r}: {exc}")
