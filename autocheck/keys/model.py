"""The answer-key data model: frozen dataclasses, and the error a malformed key raises."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1
KNOWN_FLAGS: Mapping[str, type | tuple[type, ...]] = {
    # what an unsubscripted log means: "e" (default) or "10"
    "log_base": (str, int),
    # a column vector answered as a row is wrong (default: accepted)
    "orientation_matters": bool,
    # share of the points for an answer consistent with the student's own earlier value
    "ecf_credit": (int, float),
    # the order of vector components does not matter (answers to "which values...")
    "unordered": bool,
    # a shape in another axis order (or without size-1 axes) is wrong, not a convention question
    "strict_convention": bool,
    # the course writes decimals with a comma (1,5); false: with a point; unset: 1,204 is
    # ambiguous and goes to a person when its two readings judge differently
    "decimal_comma": bool,
}


# --------------------------------------------------------------------------- data model


class FrozenMap(Mapping[str, Any]):
    """An immutable, hashable mapping (nested lists become tuples, dicts FrozenMaps)."""

    __slots__ = ("_items",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        items = {str(k): _freeze(v) for k, v in (data or {}).items()}
        self._items: tuple[tuple[str, Any], ...] = tuple(items.items())

    def __getitem__(self, key: str) -> Any:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return dict(self._items) == dict(other._items)
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({dict(self._items)!r})"

    def thaw(self) -> dict[str, Any]:
        """A plain ``dict``/``list`` copy, as solvers and YAML expect."""
        return {k: thaw_value(v) for k, v in self._items}


def _freeze(v: Any) -> Any:
    if isinstance(v, Mapping):
        return FrozenMap(v)
    if isinstance(v, list | tuple):
        return tuple(_freeze(x) for x in v)
    return v


def thaw_value(v: Any) -> Any:
    if isinstance(v, FrozenMap):
        return v.thaw()
    if isinstance(v, tuple):
        return [thaw_value(x) for x in v]
    return v


@dataclass(frozen=True)
class Tolerance:
    """How close a real answer must be. ``None`` fields inherit from the enclosing level.

    ``rtol``/``atol``: relative and absolute tolerance (``|a - b| <= atol + rtol |b|``).
    ``sig_figs``: also accept an answer equal to the expected value at this many significant
    figures. ``student_digits``: accept an answer within half a unit of the last digit the
    student wrote (``1.20`` for 1.204 is right; the PrairieLearn rule).
    """

    rtol: float | None = None
    atol: float | None = None
    sig_figs: int | None = None
    student_digits: bool | None = None

    def over(self, base: Tolerance) -> Tolerance:
        """This tolerance with unset fields taken from ``base``."""
        return Tolerance(
            base.rtol if self.rtol is None else self.rtol,
            base.atol if self.atol is None else self.atol,
            base.sig_figs if self.sig_figs is None else self.sig_figs,
            base.student_digits if self.student_digits is None else self.student_digits,
        )


# atol stays unset: the comparator applies its default (1e-6) only to an expected 0.
DEFAULT_TOLERANCE = Tolerance(rtol=1e-2, atol=None, sig_figs=None, student_digits=True)


@dataclass(frozen=True)
class RubricItem:
    """One line of the marking scheme a TA applies (``points`` may be negative: deductions)."""

    points: float
    text: str


@dataclass(frozen=True)
class SolverCall:
    """``solver: name`` with its ``params``; ``lines`` maps param paths to YAML lines."""

    name: str
    params: FrozenMap
    lines: FrozenMap = field(default_factory=FrozenMap, compare=False, repr=False)


@dataclass(frozen=True)
class LiteralAnswer:
    """A value written in the key: ``kind`` names an answer kind (``autocheck.kinds``) that
    a key may write as a literal; ``extras`` holds the kind's further fields."""

    kind: str
    value: Any
    unit: str = ""
    convention: str = ""
    options: tuple[str, ...] = ()
    synonyms: FrozenMap = field(default_factory=FrozenMap)
    extras: FrozenMap = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class PredicateAnswer:
    """Any values of ``variables`` satisfying all ``conditions`` (LaTeX relations such as
    ``\\beta = -\\alpha/2`` or ``\\alpha \\neq 0``) are right; ``example`` is shown as the
    expected answer."""

    variables: tuple[str, ...]
    conditions: tuple[str, ...]
    example: FrozenMap
    description: str = ""


@dataclass(frozen=True)
class SolverValue:
    """The named value ``value`` of the part's solver call."""

    value: str


@dataclass(frozen=True)
class DescriptiveAnswer:
    """A person grades it; ``guidance`` is what the TA should look for."""

    guidance: str = ""


AnswerSpec = LiteralAnswer | PredicateAnswer | SolverValue | DescriptiveAnswer


@dataclass(frozen=True)
class Alternative:
    """Another accepted answer (a different valid design), with a note and its credit."""

    answer: LiteralAnswer
    note: str = ""
    credit: float = 1.0


@dataclass(frozen=True)
class Target:
    """One value asked for in a part. Single-answer parts have one target named ``answer``;
    multi-value parts (``z1``, ``y``, ``loss``) have one per value. An ``optional`` target is
    welcome but not required: it earns no points and its absence costs none. ``column`` is the
    printed header of the table column where the value is written (a part that is a table
    row)."""

    name: str
    answer: AnswerSpec
    symbols: tuple[str, ...] = ()
    points: float | None = None
    alternatives: tuple[Alternative, ...] = ()
    line: int = field(default=0, compare=False, repr=False)
    optional: bool = False
    column: str = ""


@dataclass(frozen=True)
class Region:
    """Where a part's answer is written on the printed copy: ``page`` (1-based) and ``box``
    (x0, y0, x1, y1) as fractions of the page's width and height, y downwards."""

    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class PartKey:
    """One printed part. ``id`` is the printed numbering, lower-cased, question and part
    joined by a dot (``"3.3"``, ``"4.a"``); ``carry`` maps a solver param to the earlier
    answer it comes from (``{"x": "3.2:z1"}``) so error carried forward can be recognised.
    ``column`` is the printed header of the table column holding the part's answer, for a part
    that is one cell of a table whose row is named by ``label``."""

    id: str
    question: str
    number: str
    label: str
    points: float
    targets: tuple[Target, ...]
    prompt: str = ""
    solver: SolverCall | None = None
    tolerance: Tolerance = Tolerance()
    partial_credit: bool = True
    depends_on: tuple[str, ...] = ()
    carry: FrozenMap = field(default_factory=FrozenMap)
    flags: FrozenMap = field(default_factory=FrozenMap)
    rubric: tuple[RubricItem, ...] = ()
    region: Region | None = None
    line: int = field(default=0, compare=False, repr=False)
    column: str = ""

    @property
    def descriptive(self) -> bool:
        return all(isinstance(t.answer, DescriptiveAnswer) for t in self.targets)

    def flag(self, name: str, default: Any = None) -> Any:
        return self.flags.get(name, default)


@dataclass(frozen=True)
class QuestionKey:
    number: str
    points: float
    parts: tuple[PartKey, ...]
    label: str = ""
    title: str = ""
    bonus: bool = False


@dataclass(frozen=True)
class ExamMeta:
    id: str
    title: str = ""
    course: str = ""
    date: str = ""
    total_points: float | None = None


@dataclass(frozen=True)
class ExamKey:
    """A whole answer key. ``key_version`` is the author's revision of this key."""

    key_version: str
    exam: ExamMeta
    questions: tuple[QuestionKey, ...]
    tolerance: Tolerance = Tolerance()
    flags: FrozenMap = field(default_factory=FrozenMap)

    def parts(self) -> tuple[PartKey, ...]:
        return tuple(p for q in self.questions for p in q.parts)

    def part(self, part_id: str) -> PartKey:
        for p in self.parts():
            if p.id == part_id:
                return p
        raise KeyError(part_id)


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class KeyIssue:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class KeyFormatError(ValueError):
    """A malformed answer key; ``issues`` lists every problem with its line and field."""

    def __init__(self, issues: Sequence[KeyIssue]) -> None:
        self.issues = tuple(issues)
        head = "invalid answer key" if len(issues) != 1 else "invalid answer key:"
        super().__init__(
            head + (" " if len(issues) == 1 else ":\n  ") + "\n  ".join(map(str, issues))
        )
