"""Fixtures for the auto-checker tests: a small demo exam and a fake solver, so the tests
do not depend on the real solver registry's coverage."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import pytest

from autocheck.keys import ExamKey, parse_key
from solvers.core import ParameterError, Solution, Step
from solvers.values import Integer, Number, Shape

DEMO_KEY = textwrap.dedent(
    r"""
    format: 1
    key_version: 1
    exam: {id: demo, total_points: 40}
    questions:
      - number: 1
        points: 20
        parts:
          - number: a
            points: 4
            solver: demo.fc
            params: {input: 20, hidden: [40], output: 4, bias: true}
            value: params
            symbols: [params, N]
          - number: b
            points: 4
            solver: demo.conv
            params: {size: 128, kernel: 3, padding: 1, stride: 1}
            value: output
            symbols: [shape]
          - number: c
            points: 6
            solver: demo.forward
            params: {x: [4, 2], w: 0.5}
            targets:
              - {name: z1, value: z1, symbols: [z_1]}
              - {name: y, value: y, symbols: [y]}
              - {name: loss, value: L, symbols: [L, loss]}
          - number: d
            points: 6
            depends_on: [1.c]
            solver: demo.scale
            params: {z: 3, factor: 2}
            carry: {z: "1.c:z1"}
            value: out
            symbols: [out]
      - number: 2
        points: 20
        parts:
          - {number: a, points: 4, answer: {number: -\ln 0.3}, symbols: [L]}
          - {number: b, points: 4, answer: {vector: [-8, -4]}}
          - {number: c, points: 4, answer: {choice: "No", options: ["Yes", "No"]}}
          - {number: d, points: 4, descriptive: explain}
          - number: e
            points: 4
            answer: {integer: 1949}
            alternatives:
              - {answer: {integer: 1943}, note: three sigmoid outputs}
    """
)


def fake_solve(name: str, params: Mapping[str, Any]) -> Solution:
    """Tiny stand-ins for registry solvers, with the params the mistake table knows."""
    if name == "demo.fc":
        widths = [params["input"], *params["hidden"], params["output"]]
        weights = sum(a * b for a, b in pairwise(widths))
        biases = sum(widths[1:]) if params["bias"] else 0
        return Solution(
            {"params": Integer(weights + biases)}, (Step(f"weights {weights}, biases {biases}"),)
        )
    if name == "demo.conv":
        out = (params["size"] + 2 * params["padding"] - params["kernel"]) // params["stride"] + 1
        return Solution({"output": Shape((out, out, 1), "HWC")})
    if name == "demo.forward":
        x = params["x"]
        z1 = params["w"] * sum(x)
        return Solution({"z1": Number.of(z1), "y": Number.of(max(z1, 0.0)), "L": Number.of(4)})
    if name == "demo.scale":
        return Solution({"out": Number.of(params["z"] * params["factor"])})
    raise ParameterError("solver", f"unknown solver {name!r}")


@pytest.fixture
def demo_key() -> ExamKey:
    return parse_key(DEMO_KEY)
