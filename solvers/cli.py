"""Command-line front end: ``python -m solvers {list,describe,run,reference}``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from solvers.core import ParameterError, Solution
from solvers.registry import describe, get, names, solve
from solvers.schema import conventions, show_option
from solvers.serialize import solution_to_dict, to_yaml


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (2 for a parameter error)."""
    parser = argparse.ArgumentParser(
        prog="python -m solvers",
        description="Recompute exam answers (values and worked steps) from answer-key parameters.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the registered solvers with their one-line summary")
    d = sub.add_parser("describe", help="show a solver's parameter schema and an example")
    d.add_argument("name")
    r = sub.add_parser("run", help="run a solver on a YAML (or JSON) parameter file")
    r.add_argument("name")
    r.add_argument("params", help="YAML file with the parameters ('-' reads standard input)")
    r.add_argument("--json", action="store_true", help="print the solution as JSON")
    sub.add_parser(
        "reference", help="print the Markdown reference of every solver (for docs/solvers.md)"
    )
    args = parser.parse_args(argv)

    try:
        if args.command == "list":
            for name in names():
                summary = get(name).summary.splitlines()
                print(f"{name:32s} {summary[0] if summary else ''}")
            return 0
        if args.command == "describe":
            print(describe(args.name))
            return 0
        if args.command == "reference":
            print(reference_markdown())
            return 0
        text = sys.stdin.read() if args.params == "-" else Path(args.params).read_text()
        params: Any = yaml.safe_load(text) or {}
        solution = solve(args.name, params)
    except ParameterError as exc:
        print(f"parameter error: {exc}", file=sys.stderr)
        return 2
    except (OSError, yaml.YAMLError) as exc:
        print(f"cannot read parameters: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(solution_to_dict(solution), indent=2))
    else:
        print(render_text(solution))
    return 0


def render_text(solution: Solution) -> str:
    """Values first, then the numbered steps, then notes: what a grader wants to read."""
    data = solution_to_dict(solution)
    lines = ["Values:"]
    for name, value in data["values"].items():
        lines.append(f"  {name} = {value['display']}")
    if data["steps"]:
        lines += ["", "Steps:"]
        lines += [f"  {i}. {s['text']}" for i, s in enumerate(data["steps"], 1)]
    if data["notes"]:
        lines += ["", "Notes:"]
        lines += [f"  - {n}" for n in data["notes"]]
    return "\n".join(lines)


def conventions_markdown() -> str:
    """A table of every convention parameter: solver, parameter, default, options."""
    rows = [
        "### Conventions at a glance\n",
        "Each is a parameter; the worked steps name the option used.\n",
        "| solver | parameter | default | options |",
        "| --- | --- | --- | --- |",
    ]
    for name in names():
        for field, default, choices in conventions(get(name).params):
            options = "<br>".join(f"`{show_option(o)}`: {m}" for o, m in choices.items())
            cells = [f"`{name}`", f"`{field}`", f"`{show_option(default)}`", options]
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"


def reference_markdown() -> str:
    """Markdown reference: the conventions table, then per solver its documentation, schema,
    example and worked output."""
    parts = [conventions_markdown()]
    for name in names():
        info = get(name)
        parts.append(f"### `{name}`\n")
        parts.append(info.summary + "\n")
        parts.append("Parameters:\n\n```text")
        parts.append(
            "\n".join(
                describe(name).split("Parameters:\n", 1)[1].split("\n\nExample")[0].splitlines()
            )
        )
        parts.append("```\n")
        parts.append("Example parameters:\n\n```yaml")
        parts.append(to_yaml(dict(info.example)).rstrip())
        parts.append("```\n")
        parts.append(f"`python -m solvers run {name} params.yaml` prints:\n\n```text")
        parts.append(render_text(solve(name, info.example)))
        parts.append("```\n")
        if name == "graph.backprop":
            parts.append(_ops_table())
    return "\n".join(parts)


def _ops_table() -> str:
    from solvers.graph.ops import OPS

    rows = ["Operations a graph may use (as `f(...)` in equations or `op:` in node records):\n"]
    rows.append("| op | arguments | meaning | local backward (upstream gradient g) |")
    rows.append("| --- | --- | --- | --- |")
    for op in sorted({id(o): o for o in OPS.values()}.values(), key=lambda o: o.name):
        aliases = sorted(k for k, o in OPS.items() if o is op and k != op.name)
        name = f"`{op.name}`" + (f" (`{'`, `'.join(aliases)}`)" if aliases else "")
        args = ", ".join(["tensor"] * op.arity + list(op.attrs))
        rule = "; ".join(
            f"arg {i + 1}: `{r.format('a', 'b', g='g', out='out')}`"
            for i, r in enumerate(op.rules)
            if i not in op.labels
        )
        cells = [name, args, op.doc, rule]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    rows.append("")
    rows.append(
        "Infix: `a + b` (add), `a - b` (sub), `a * b` (mul), `a / b` (div), `A @ B` (matmul),"
    )
    rows.append("`-a` (neg), `a ** p` / `a ^ p` (pow), `A.T` (transpose).\n")
    return "\n".join(rows)
