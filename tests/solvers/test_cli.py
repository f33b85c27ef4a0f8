"""python -m solvers: list, describe, run (text and JSON), and parameter errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvers.cli import main, reference_markdown
from solvers.registry import names


def test_list_shows_every_solver(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in names():
        assert name in out


def test_run_prints_values_and_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("dataset_size: 20000\nbatch_size: 100\nsteps: 4000\n")
    assert main(["run", "training.schedule", str(params)]) == 0
    out = capsys.readouterr().out
    assert "epochs = 20" in out
    assert "Steps:" in out


def test_run_json_is_machine_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("probs: [0.25, 0.25, 0.3, 0.2]\ntarget_class: 3\n")
    assert main(["run", "loss.cross_entropy", str(params), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["values"]["loss"]["type"] == "Number"
    assert data["values"]["loss"]["exact"] == "-log(3/10)"
    assert data["steps"]


def test_parameter_error_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = tmp_path / "p.yaml"
    params.write_text(
        "input: [8, 8, 1]\nlayers:\n  - {type: conv, filters: 2, kernel: 3, stride: x}\n"
    )
    assert main(["run", "cnn.layers", str(params)]) == 2
    assert "layers[0].stride" in capsys.readouterr().err


def test_describe_shows_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["describe", "fc.params"]) == 0
    out = capsys.readouterr().out
    assert "hidden_rule" in out
    assert "Example parameters" in out


def test_docs_cover_every_solver() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "solvers.md"
    text = docs.read_text()
    for name in names():
        assert f"### `{name}`" in text, (
            f"docs/solvers.md lacks {name}; run python -m solvers reference"
        )


def test_docs_reference_is_the_generated_one() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "solvers.md"
    assert reference_markdown().strip() in docs.read_text(), (
        "docs/solvers.md's reference section is out of date: replace everything after "
        "'## Reference: every solver' and its first line with `python -m solvers reference`"
    )
