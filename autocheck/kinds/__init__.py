"""The answer kinds, one module each: everything about a kind is declared in its module.

Look a kind up with :func:`get` (by name, as a key writes it) or :func:`kind_for` (by an
expected value). ``docs/answer-keys.md`` ("Adding an answer kind") says how to add one:
a module here with a registered :class:`~autocheck.kinds.base.Kind` subclass, and its tests.
Every module of this package is imported (and so registered) on first use.
"""

from __future__ import annotations

import importlib
import pkgutil

from autocheck.kinds.base import (
    Hints,
    KeyReader,
    Kind,
    OcrForm,
    Reading,
    Target,
    UnknownKind,
    all_kinds,
    get,
    kind_for,
    literal_names,
    register,
)

# The order of registration is the order kinds claim a value in: the built-in kinds first.
_FIRST = ("number", "integer", "tensor", "shape", "expression", "choice", "keywords", "predicate")
for _name in (*_FIRST, *sorted(m.name for m in pkgutil.iter_modules(__path__))):
    if _name != "base" and not _name.startswith("_"):
        importlib.import_module(f"{__name__}.{_name}")

__all__ = [
    "Hints",
    "KeyReader",
    "Kind",
    "OcrForm",
    "Reading",
    "Target",
    "UnknownKind",
    "all_kinds",
    "get",
    "kind_for",
    "literal_names",
    "register",
]
