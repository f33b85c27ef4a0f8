"""Training arithmetic: dataset size, batch size, iterations per epoch, epochs and steps,
in every direction, and the scaling of gradient noise with the batch size.

Relations used (N samples, batch size B, I iterations per epoch, E epochs, S steps):

* ``I = N / B`` when B divides N; otherwise ``ceil(N / B)`` (the last, smaller batch is
  kept, PyTorch ``drop_last=False``) or ``floor(N / B)`` with ``drop_last``;
* ``S = E * I`` (one optimizer step per mini-batch);
* the standard deviation of a mini-batch gradient mean of B i.i.d. per-sample gradients is
  ``sigma / sqrt(B)``, so multiplying B by k divides the noise std by ``sqrt(k)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from solvers.core import ParameterError, Solution
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.worked import Worked, number, show, tex, value_of


@dataclass(frozen=True)
class LogPoint:
    """One line of a training log: after ``iteration`` optimizer steps, ``epoch`` epochs
    (whole or fractional) were complete."""

    epoch: Scalar = param("epochs completed at this log line")
    iteration: int = param("optimizer steps (iterations) completed at this log line")


@dataclass(frozen=True)
class ScheduleParams:
    dataset_size: int | None = param("N, training samples", None)
    batch_size: int | None = param("B, samples per mini-batch", None)
    iterations_per_epoch: int | None = param("I, mini-batches (steps) per epoch", None)
    epochs: Scalar | None = param("E, passes over the data (may be fractional)", None)
    steps: int | None = param("S, optimizer steps (iterations) in total", None)
    drop_last: bool = param("drop the last incomplete batch (floor) instead of keeping it", False)
    log: list[LogPoint] | None = param("two or more training-log lines, to infer I", None)

    def check(self) -> None:
        for name in ("dataset_size", "batch_size", "iterations_per_epoch", "steps"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ParameterError(name, "must be positive")
        if self.epochs is not None and not (self.epochs.is_number and self.epochs > 0):
            raise ParameterError("epochs", "must be a positive number")
        if self.log is not None and len(self.log) < 2:
            raise ParameterError("log", "give at least two log lines")


@solver(
    "training.schedule",
    ScheduleParams,
    example={"dataset_size": 20000, "batch_size": 100, "steps": 4000},
)
def schedule(p: ScheduleParams) -> Solution:
    """Fill in N, B, I, E and S from whichever of them are given (and check consistency).

    Values: ``dataset_size``, ``batch_size``, ``iterations_per_epoch``, ``epochs``,
    ``steps`` and ``samples_seen`` (S * B), as far as they are determined.
    """
    w = Worked()
    n, b, i, s = p.dataset_size, p.batch_size, p.iterations_per_epoch, p.steps
    e: sympy.Expr | None = p.epochs
    if i is None and p.log is not None:
        first, last = p.log[0], p.log[-1]
        d_epoch = last.epoch - first.epoch
        if d_epoch == 0:
            raise ParameterError("log", "the log lines must span a change of epoch")
        ratio = sympy.Rational(last.iteration - first.iteration) / d_epoch
        if not ratio.is_Integer:
            raise ParameterError("log", f"iterations per epoch would be {ratio}, not an integer")
        i = int(ratio)
        w.step(
            f"Iterations per epoch from the log: I = ({last.iteration} - {first.iteration}) / "
            f"({last.epoch} - {first.epoch}) = {i}",
            rf"I = \frac{{{last.iteration} - {first.iteration}}}{{{sympy.latex(last.epoch)} - "
            rf"{sympy.latex(first.epoch)}}} = {i}",
        )
    for _ in range(3):  # each pass can unlock another relation
        if i is None and n is not None and b is not None:
            exact = sympy.Rational(n, b)
            if exact.is_Integer:
                i = int(exact)
                w.step(
                    f"Mini-batches per epoch: I = N / B = {n} / {b} = {i}",
                    rf"I = \frac{{N}}{{B}} = \frac{{{n}}}{{{b}}} = {i}",
                )
            else:
                i = int(sympy.floor(exact)) if p.drop_last else int(sympy.ceiling(exact))
                how, sym = ("floor", r"\lfloor") if p.drop_last else ("ceil", r"\lceil")
                close = r"\rfloor" if p.drop_last else r"\rceil"
                w.step(
                    f"Mini-batches per epoch: I = {how}(N / B) = {how}({n} / {b}) = {i}",
                    rf"I = {sym} \frac{{{n}}}{{{b}}} {close} = {i}",
                )
                w.note(
                    "B does not divide N: the last incomplete batch is "
                    + ("dropped." if p.drop_last else "kept (a smaller final batch).")
                )
        if i is None and s is not None and e is not None:
            ratio = sympy.Rational(s) / e
            if not ratio.is_Integer:
                raise ParameterError(
                    "steps", f"S / E = {ratio} iterations per epoch is not an integer"
                )
            i = int(ratio)
            w.step(
                f"Iterations per epoch: I = S / E = {s} / {e} = {i}", rf"I = \frac{{S}}{{E}} = {i}"
            )
        if i is not None and n is None and b is not None:
            n = i * b
            w.step(
                f"Training-set size: N = I * B = {i} * {b} = {n}",
                rf"N = I \cdot B = {i} \cdot {b} = {n}",
            )
            if not p.drop_last:
                w.note(
                    f"Assuming full batches; with a smaller last batch any N in ({n - b}, {n}] fits."
                )
        if i is not None and b is None and n is not None:
            exact = sympy.Rational(n, i)
            b = int(exact) if exact.is_Integer else int(sympy.ceiling(exact))
            w.step(
                f"Batch size: B = N / I = {n} / {i} = {show(exact)}"
                + ("" if exact.is_Integer else f", so B = {b}"),
                rf"B = \frac{{N}}{{I}} = {tex(exact)}",
            )
        if e is None and s is not None and i is not None:
            e = sympy.Rational(s, i)
            w.step(
                f"Epochs: E = S / I = {s} / {i} = {show(e)}",
                rf"E = \frac{{S}}{{I}} = \frac{{{s}}}{{{i}}} = {tex(e)}",
            )
        if s is None and e is not None and i is not None:
            total = e * i
            if not total.is_Integer:
                raise ParameterError("epochs", f"E * I = {total} steps is not a whole number")
            s = int(total)
            w.step(
                f"Steps: S = E * I = {e} * {i} = {s}",
                rf"S = E \cdot I = {sympy.latex(e)} \cdot {i} = {s}",
            )
    if s is not None and e is not None and i is not None and e * i != s:
        raise ParameterError("steps", f"inconsistent: E * I = {e * i} but S = {s}")
    if n is not None and b is not None and i is not None:
        expected = (
            sympy.floor(sympy.Rational(n, b))
            if p.drop_last
            else sympy.ceiling(sympy.Rational(n, b))
        )
        if expected != i:
            where = (
                "iterations_per_epoch"
                if p.iterations_per_epoch is not None
                else ("log" if p.log is not None else "batch_size")
            )
            raise ParameterError(
                where,
                f"inconsistent: N = {n} and B = {b} give {expected} iterations per epoch, not {i}",
            )
    for name, value in (
        ("dataset_size", n),
        ("batch_size", b),
        ("iterations_per_epoch", i),
        ("steps", s),
    ):
        if value is not None:
            w.value(name, number(int(value)))
    if e is not None:
        w.value("epochs", number(e))
    if s is not None and b is not None:
        w.value("samples_seen", number(s * b))
    if len(w.values) <= 1:
        raise ParameterError("params", "not enough quantities given to determine anything")
    return w.solution()


@dataclass(frozen=True)
class NoiseParams:
    batch_size: Scalar = param(
        "B1, the original batch size (a number or a symbol like K_b)",
        sympy.Symbol("B", positive=True),
    )
    new_batch_size: Scalar | None = param("B2, the new batch size", None)
    factor: Scalar | None = param("k with B2 = k * B1 (alternative to new_batch_size)", None)
    sigma: Scalar | None = param("std of one per-sample gradient (number or symbol)", None)

    def check(self) -> None:
        for name in ("batch_size", "new_batch_size", "factor", "sigma"):
            value = getattr(self, name)
            if value is not None and value.is_number and not value > 0:
                raise ParameterError(name, "must be positive")
        if (self.new_batch_size is None) == (self.factor is None):
            raise ParameterError("factor", "give exactly one of new_batch_size or factor")


@solver("training.gradient_noise", NoiseParams, example={"factor": 2})
def gradient_noise(p: NoiseParams) -> Solution:
    """How the standard deviation of the mini-batch gradient noise scales with batch size.

    The mean of B i.i.d. per-sample gradients with std sigma has std ``sigma / sqrt(B)``.
    Values: ``std_ratio`` (new std / old std), ``reduction_factor`` (old / new, e.g.
    ``sqrt(2)`` when B doubles), ``variance_ratio``, and ``old_std`` / ``new_std`` when sigma
    is given.
    """
    w = Worked()
    b1 = p.batch_size
    b2 = p.new_batch_size if p.new_batch_size is not None else p.factor * b1
    w.step(
        "The mini-batch gradient is the mean of B independent per-sample gradients, so its "
        "variance is sigma^2 / B and its standard deviation sigma / sqrt(B).",
        r"\operatorname{Var}\Big[\tfrac{1}{B}\sum_{i=1}^{B} g_i\Big] = \frac{\sigma^2}{B}, "
        r"\quad \operatorname{std} = \frac{\sigma}{\sqrt{B}}",
    )
    ratio = sympy.simplify(sympy.sqrt(b1 / b2))
    w.step(
        f"New std / old std = sqrt(B1 / B2) = sqrt({b1} / {b2}) = {show(ratio)}",
        rf"\frac{{\sigma/\sqrt{{{sympy.latex(b2)}}}}}{{\sigma/\sqrt{{{sympy.latex(b1)}}}}} = {tex(ratio)}",
    )
    w.value("std_ratio", value_of(ratio))
    reduction = sympy.simplify(1 / ratio)
    w.step(
        f"The noise std is divided by {show(reduction)}.",
        rf"\text{{reduction factor}} = {tex(reduction)}",
    )
    w.value("reduction_factor", value_of(reduction))
    var_ratio = sympy.simplify(b1 / b2)
    w.value("variance_ratio", value_of(var_ratio))
    if p.sigma is not None:
        old, new = p.sigma / sympy.sqrt(b1), p.sigma / sympy.sqrt(b2)
        w.step(f"std: {show(old)} -> {show(new)}", rf"{tex(old)} \to {tex(new)}")
        w.value("old_std", value_of(old))
        w.value("new_std", value_of(new))
    return w.solution()
