"""Parameter schemas: conversion, defaults, unknown keys and dotted error paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest
import sympy

from solvers.core import ParameterError
from solvers.schema import Scalar, build, param


@dataclass(frozen=True)
class Inner:
    stride: int = param("stride", 1)
    padding: int | str | list[int] = param("padding", 0)


@dataclass(frozen=True)
class Outer:
    name: str = param("name")
    layers: list[Inner] = param("layers", factory=list)
    rate: Scalar = param("rate", 0.5)
    kind: Literal["a", "b"] = param("kind", "a")
    limit: int | None = param("limit", None)
    table: dict[str, int] = param("table", factory=dict)

    def check(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise ParameterError("limit", "must not be negative")


def test_builds_nested_values_with_exact_scalars() -> None:
    obj = build(Outer, {"name": "n", "layers": [{"stride": 2}, {"padding": "same"}], "rate": "1/3"})
    assert obj.layers == [Inner(2, 0), Inner(1, "same")]
    assert obj.rate == sympy.Rational(1, 3)


def test_plain_number_default_of_an_exact_field_is_made_exact() -> None:
    assert build(Outer, {"name": "n"}).rate == sympy.Rational(1, 2)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "name"),
        ({"name": 3}, "name"),
        ({"name": "n", "layers": [{}, {"stride": "two"}]}, "layers[1].stride"),
        ({"name": "n", "layers": [{"stride": True}]}, "layers[0].stride"),
        ({"name": "n", "layers": [{"padding": [1, "x"]}]}, "layers[0].padding[1]"),
        ({"name": "n", "layers": [{"pad": 1}]}, "layers[0].pad"),
        ({"name": "n", "kind": "c"}, "kind"),
        ({"name": "n", "limit": -1}, "limit"),
        ({"name": "n", "table": {"a": "x"}}, "table.a"),
        ({"name": "n", "rate": "import os"}, "rate"),
        ({"name": "n", "layers": {"stride": 1}}, "layers"),
    ],
)
def test_errors_name_the_dotted_field(data: dict, field: str) -> None:
    with pytest.raises(ParameterError) as info:
        build(Outer, data)
    assert info.value.field == field


def test_integral_float_is_accepted_for_an_int() -> None:
    assert build(Inner, {"stride": 2.0}).stride == 2
