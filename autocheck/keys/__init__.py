"""Answer keys: a versioned, human-writable YAML file per exam, parsed into frozen dataclasses.

The format is documented in ``docs/answer-keys.md``. In short::

    format: 1
    key_version: 3
    exam: {id: dl-midterm-2025, title: ..., total_points: 100}
    defaults: {tolerance: {rtol: 0.01}, log_base: e}
    questions:
      - number: "4"
        points: 10
        parts:
          - number: "1"          # part id "4.1"
            points: 5
            solver: training.schedule
            params: {dataset_size: 20000, batch_size: 100, steps: 4000}
            value: epochs
            symbols: [epochs, E]

Modules: :mod:`~autocheck.keys.model` (the dataclasses), :mod:`~autocheck.keys.parse`
(``parse_key``: composes the YAML node tree so every problem is reported with its line and
dotted field, all problems at once), :mod:`~autocheck.keys.diff` (``parts_changed`` between
two versions), :mod:`~autocheck.keys.export` (``export_key``;
``parse_key(export_key(k)) == k``) and :mod:`~autocheck.keys.expected` (typed expected values,
each solver call run once per key).
"""

from autocheck.keys.diff import parts_changed
from autocheck.keys.expected import (
    ExpectedAnswer,
    ExpectedTarget,
    SolveFn,
    carry_overrides,
    get_path,
    literal_value,
    predicate_value,
    resolve_expected,
    resolve_with,
)
from autocheck.keys.export import export_key, key_to_data
from autocheck.keys.model import (
    DEFAULT_TOLERANCE,
    FORMAT_VERSION,
    KNOWN_FLAGS,
    Alternative,
    AnswerSpec,
    DescriptiveAnswer,
    ExamKey,
    ExamMeta,
    FrozenMap,
    KeyFormatError,
    KeyIssue,
    LiteralAnswer,
    PartKey,
    PredicateAnswer,
    QuestionKey,
    Region,
    RubricItem,
    SolverCall,
    SolverValue,
    Target,
    Tolerance,
)
from autocheck.keys.parse import load_key, parse_key, read_key
from autocheck.keys.validate import validate_key

__all__ = [
    "DEFAULT_TOLERANCE",
    "FORMAT_VERSION",
    "KNOWN_FLAGS",
    "Alternative",
    "AnswerSpec",
    "DescriptiveAnswer",
    "ExamKey",
    "ExamMeta",
    "ExpectedAnswer",
    "ExpectedTarget",
    "FrozenMap",
    "KeyFormatError",
    "KeyIssue",
    "LiteralAnswer",
    "PartKey",
    "PredicateAnswer",
    "QuestionKey",
    "Region",
    "RubricItem",
    "SolveFn",
    "SolverCall",
    "SolverValue",
    "Target",
    "Tolerance",
    "carry_overrides",
    "export_key",
    "get_path",
    "key_to_data",
    "literal_value",
    "load_key",
    "parse_key",
    "parts_changed",
    "predicate_value",
    "read_key",
    "resolve_expected",
    "resolve_with",
    "validate_key",
]
