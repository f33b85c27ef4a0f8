"""What an answer kind declares, and the registry that finds a kind by name or by value.

A kind is one module in this package holding one :class:`Kind` subclass, registered with
:func:`register`. It declares, in one place:

- **key syntax and validation**: its name (``answer: {number: ...}`` in a key),
  :meth:`Kind.key_literal` (the YAML value, validated with line numbers),
  :attr:`Kind.key_fields` (further fields such as ``unit``) and :meth:`Kind.from_key`
  (the typed expected value);
- **extractor**: :meth:`Kind.extract` (the candidates in a student's text, and the one
  chosen) and :meth:`Kind.read` (a candidate read into a value);
- **comparator and tolerance rules**: :meth:`Kind.compare`;
- **diagnoses**: :meth:`Kind.diagnose` (known wrong computations on the expected value);
- **serialisation and LaTeX**: :meth:`Kind.display`, :meth:`Kind.latex`, :meth:`Kind.to_dict`;
- **OCR form**: :meth:`Kind.ocr_form` (what a read of a handwritten box of it may look like).

The check of one target (``autocheck.check``) runs the same steps for every kind; a kind's
class attributes say where it departs from them (a missing keyword goes to a person instead
of being wrong, a choice has no "right value elsewhere in the working"...).
"""

from __future__ import annotations

import enum
import importlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from autocheck.outcome import Comparison, Diagnosis, Read

if TYPE_CHECKING:
    from autocheck.extract import Candidate, Extraction
    from autocheck.keys.model import LiteralAnswer, Tolerance


class UnknownKind(KeyError):
    """No kind has this name, or no kind claims this value."""


class OcrForm(enum.StrEnum):
    """What a handwritten answer box may read as, for the OCR's form check and repairs."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    SHAPE = "shape"
    EXPRESSION = "expression"
    #: A real number whose expected value happens to be whole: "22", "-4.0".
    NUMBER = "number"

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The whole read must match this (``None``: any text is of this form)."""
        return _OCR_PATTERNS.get(self)


_OCR_PATTERNS = {
    OcrForm.INTEGER: re.compile(r"^-?\d+$"),
    OcrForm.DECIMAL: re.compile(r"^-?\d*\.\d+$"),
    OcrForm.SHAPE: re.compile(r"^\(?\d+(\s*x\s*\d+)*\)?$", re.IGNORECASE),
    OcrForm.NUMBER: re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$"),
}


@dataclass(frozen=True)
class Reading:
    """How a course writes its answers: what an unsubscripted ``log`` means (``"e"`` or
    ``"10"``), and whether its decimal sign is a comma (``True``), a point (``False``) or
    unknown (``None``: ``1,204`` reads both ways, and a person decides when that matters)."""

    log_base: str = "e"
    decimal_comma: bool | None = None


@dataclass(frozen=True)
class Target:
    """What the extractor knows of the value it looks for: the names a student may give it
    (``z_2``, ``epochs``), whether the part asks for several values (then only labelled
    candidates count), and the other values' names (where a labelled choice ends)."""

    symbols: Sequence[str] = ()
    multi: bool = False
    siblings: Sequence[str] = ()


@dataclass(frozen=True)
class Hints:
    """What a diagnosis may use beyond the two values: the part's flags, and the batch size
    when the part's solver has one."""

    flags: Mapping[str, Any] = field(default_factory=dict)
    batch_size: float | None = None


class KeyReader(Protocol):
    """The YAML reader of ``autocheck.keys.parse``: converts nodes and collects every problem
    with its line, so a kind validates its key syntax the way the rest of the key is."""

    def error(self, node: Any, where: str, message: str) -> None: ...
    def scalar(self, node: Any, where: str, types: type | tuple[type, ...]) -> Any: ...
    def sequence(self, node: Any, where: str) -> list[Any]: ...
    def text(self, node: Any, where: str) -> str | None: ...
    def strings(self, node: Any, where: str) -> tuple[str, ...]: ...
    def data(self, node: Any) -> Any: ...


class Kind:
    """One answer kind. Subclasses set :attr:`name` and :attr:`value_type` and override what
    differs from these defaults."""

    #: The kind's name: ``answer: {<name>: ...}`` in a key, ``Read.kind``, statistics.
    name: ClassVar[str]
    #: The expected value's class (solvers' values, or a kind's own frozen dataclass).
    value_type: ClassVar[type]
    #: Further fields of a literal answer of this kind (``unit``, ``options``...).
    key_fields: ClassVar[tuple[str, ...]] = ()
    #: Written in a key as a literal (``answer: {name: ...}``); False for kinds only a solver
    #: or another answer form produces.
    literal: ClassVar[bool] = True
    #: Answered with numbers: an answer with no digit at all is blank.
    numeric: ClassVar[bool] = False
    #: A wrong value is "a person should read it" rather than "incorrect" (a paraphrase of
    #: a keyword is possible).
    wrong_needs_person: ClassVar[bool] = False
    #: A wrong final value with a right value elsewhere in the working goes to a person.
    check_working: ClassVar[bool] = True
    #: A student's value of this kind can stand in for a solver parameter (error carried
    #: forward) and be checked against a key's alternatives.
    carries: ClassVar[bool] = True

    # ----------------------------------------------------------------------- key

    def claims(self, value: object) -> bool:
        """Whether ``value`` (an expected value) is of this kind."""
        return isinstance(value, self.value_type)

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        """The literal's value as plain data (tuples for lists), validated; ``None`` after
        reporting a problem with ``r.error``."""
        return r.scalar(node, where, (int, float, str))

    def key_extra(self, r: KeyReader, name: str, node: Any, where: str) -> Any:
        """One of the kind's own :attr:`key_fields` (besides ``unit``, ``convention``,
        ``options`` and ``synonyms``, which every kind reads the same way)."""
        return r.data(node)

    def check_key(self, r: KeyReader, spec: LiteralAnswer, node: Any, where: str) -> None:
        """Check the literal as a whole (its fields together), reporting with ``r.error``."""

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Any:
        """The typed expected value of a literal answer; raises ``ValueError`` (or
        ``Unreadable``) when the value cannot be read."""
        raise NotImplementedError(f"kind {self.name!r} is not written as a literal")

    # ----------------------------------------------------------------------- text

    def extract(self, text: str, expected: Any, target: Target) -> Extraction:
        """Every candidate for the value in ``text``, and the one chosen as the answer."""
        from autocheck.extract import extract

        return extract(
            text,
            kind=self,
            symbols=target.symbols,
            multi=target.multi,
            sibling_symbols=[s for s in target.siblings if s not in target.symbols],
        )

    def looks_like(self, s: str) -> bool:
        """Whether ``s`` could be a value of this kind (not whether it reads)."""
        return bool(s.strip())

    def standalone(self, text: str) -> list[Candidate]:
        """Candidates standing alone in the text (not in an equation), weakest rules."""
        return []

    def read(
        self, expected: Any, found: Candidate, extraction: Extraction, reading: Reading
    ) -> Read:
        """The chosen candidate read into a value; raises ``Unreadable``."""
        return self.read_text(expected, found.text, reading)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        """One candidate's text read into a value; raises ``Unreadable``."""
        raise NotImplementedError

    # ----------------------------------------------------------------------- judge

    def compare(
        self, expected: Any, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        """Compare a read value with the expected one (may raise ``Unreadable``)."""
        raise NotImplementedError

    def diagnose(self, expected: Any, got: Read, tol: Tolerance, hints: Hints) -> Diagnosis | None:
        """The known mistake whose recomputed value matches the student's, or ``None``."""
        return None

    def convention_question(self, cmp: Comparison, flags: Mapping[str, Any]) -> bool:
        """A wrong comparison that is a question of convention for a person to decide."""
        return False

    def as_param(self, got: Read) -> Any:
        """A read value in the form solver parameters take (error carried forward)."""
        return got.value

    # ----------------------------------------------------------------------- show

    def display(self, value: Any) -> str:
        """Plain text of an expected value, as a student is shown it."""
        return str(value.display())

    def latex(self, value: Any) -> str:
        """LaTeX of an expected value."""
        return str(value.latex())

    def to_dict(self, value: Any) -> dict[str, Any]:
        """JSON-ready fields of an expected value (besides ``type``, ``display``, ``latex``)."""
        return dict(value.fields())

    def ocr_form(self, value: Any) -> OcrForm | None:
        """The form an OCR read of a handwritten answer box of this value should have."""
        return None


_KINDS: dict[str, Kind] = {}


def register(kind: type[Kind]) -> type[Kind]:
    """Class decorator: add a kind to the registry (its name must be new)."""
    if kind.name in _KINDS:
        raise ValueError(f"answer kind {kind.name!r} registered twice")
    _KINDS[kind.name] = kind()
    return kind


def get(name: str) -> Kind:
    """The kind called ``name``; :class:`UnknownKind` if there is none."""
    _load()
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


def kind_for(value: object) -> Kind:
    """The kind of an expected value (the first registered kind that claims it)."""
    _load()
    for kind in _KINDS.values():
        if kind.claims(value):
            return kind
    raise UnknownKind(f"no answer kind for {type(value).__name__}")


def all_kinds() -> Iterator[Kind]:
    """Every registered kind, in registration order."""
    _load()
    return iter(tuple(_KINDS.values()))


def literal_names() -> tuple[str, ...]:
    """The kinds a key may write as a literal answer, in registration order."""
    return tuple(k.name for k in all_kinds() if k.literal)


def _load() -> None:
    if not _KINDS:
        # Importing the package registers every kind. By name, as the package imports its
        # kind modules: the registry is what the kinds plug into, not a module they need.
        importlib.import_module("autocheck.kinds")
