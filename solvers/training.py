"""Training arithmetic: dataset size, batch size, iterations per epoch, epochs and steps,
in every direction, and the scaling of gradient noise with the batch size.

Relations used (N samples, batch size B, I iterations per epoch, E epochs, S steps):

* ``I = N / B`` when B divides N; otherwise ``ceil(N / B)`` (the last, smaller batch is
  kept, PyTorch ``drop_last=False``) or ``floor(N / B)`` with ``drop_last``;
* ``S = E * I`` (one optimizer step per mini-batch); the samples seen are whole epochs of N
  plus full mini-batches into the next (``S * B`` overcounts when the last batch is partial);
* ``I`` mini-batches of ``B`` fit any N in ``((I - 1) B, I B]``, or ``[I B, I B + B - 1]``
  with ``drop_last``;
* the standard deviation of a mini-batch gradient mean of B i.i.d. per-sample gradients is
  ``sigma / sqrt(B)``, so multiplying B by k divides the noise std by ``sqrt(k)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


DROP_LAST = {
    False: "keep the last, smaller mini-batch: I = ceil(N / B) (PyTorch DataLoader default)",
    True: "drop the last incomplete mini-batch: I = floor(N / B) (DataLoader(drop_last=True))",
}


@dataclass(frozen=True)
class ScheduleParams:
    dataset_size: int | None = param("N, training samples", None)
    batch_size: int | None = param("B, samples per mini-batch", None)
    iterations_per_epoch: int | None = param("I, mini-batches (steps) per epoch", None)
    epochs: Scalar | None = param("E, passes over the data (may be fractional)", None)
    steps: int | None = param("S, optimizer steps (iterations) in total", None)
    drop_last: bool = param(
        "what happens to the last incomplete mini-batch", False, choices=DROP_LAST
    )
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


# The quantities by their letter; values are ints, except E (an exact number).
Known = dict[str, Any]
NAMES = {
    "N": "dataset_size",
    "B": "batch_size",
    "I": "iterations_per_epoch",
    "S": "steps",
    "E": "epochs",
}


@dataclass(frozen=True)
class Derived:
    """A quantity found from others: its value, which case of the relation applied (the
    worked step's template), and any intermediate the step shows."""

    value: Any
    case: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def _i_from_n_b(q: Known, p: ScheduleParams) -> Derived:
    exact = sympy.Rational(q["N"], q["B"])
    if exact.is_Integer:
        return Derived(int(exact), "exact")
    if not p.drop_last:
        return Derived(int(sympy.ceiling(exact)), "ceil")
    if exact < 1:
        raise ParameterError(
            "batch_size", f"with drop_last, B = {q['B']} > N = {q['N']} leaves no mini-batch"
        )
    return Derived(int(sympy.floor(exact)), "floor")


def _i_from_s_e(q: Known, p: ScheduleParams) -> Derived:
    ratio = sympy.Rational(q["S"]) / q["E"]
    if not ratio.is_Integer:
        raise ParameterError("steps", f"S / E = {ratio} iterations per epoch is not an integer")
    return Derived(int(ratio))


def _n_from_i_b(q: Known, p: ScheduleParams) -> Derived:
    return Derived(q["I"] * q["B"])


def _b_from_n_i(q: Known, p: ScheduleParams) -> Derived:
    exact = sympy.Rational(q["N"], q["I"])
    if exact.is_Integer:
        return Derived(int(exact), "exact", {"ratio": exact})
    return Derived(int(sympy.ceiling(exact)), "ceil", {"ratio": exact})


def _e_from_s_i(q: Known, p: ScheduleParams) -> Derived:
    return Derived(sympy.Rational(q["S"], q["I"]))


def _s_from_e_i(q: Known, p: ScheduleParams) -> Derived:
    total = q["E"] * q["I"]
    if not total.is_Integer:
        raise ParameterError("epochs", f"E * I = {total} steps is not a whole number")
    return Derived(int(total))


@dataclass(frozen=True)
class Relation:
    """``target`` from the quantities ``needs`` (all known)."""

    target: str
    needs: tuple[str, ...]
    compute: Callable[[Known, ScheduleParams], Derived]


# In the order a student tries them; each pass over the table can unlock another relation.
RELATIONS = (
    Relation("I", ("N", "B"), _i_from_n_b),
    Relation("I", ("S", "E"), _i_from_s_e),
    Relation("N", ("I", "B"), _n_from_i_b),
    Relation("B", ("N", "I"), _b_from_n_i),
    Relation("E", ("S", "I"), _e_from_s_i),
    Relation("S", ("E", "I"), _s_from_e_i),
)

# Worked-step text and LaTeX per (quantity, case), formatted with the known quantities.
STEPS: dict[tuple[str, str], tuple[str, str]] = {
    ("I", "exact"): (
        "Mini-batches per epoch: I = N / B = {N} / {B} = {I}",
        r"I = \frac{{N}}{{B}} = \frac{{{N}}}{{{B}}} = {I}",
    ),
    ("I", "ceil"): (
        "Mini-batches per epoch: I = ceil(N / B) = ceil({N} / {B}) = {I} "
        "(drop_last: false, the last smaller mini-batch is kept)",
        r"I = \lceil \frac{{{N}}}{{{B}}} \rceil = {I}",
    ),
    ("I", "floor"): (
        "Mini-batches per epoch: I = floor(N / B) = floor({N} / {B}) = {I} "
        "(drop_last: true, the last incomplete mini-batch is dropped)",
        r"I = \lfloor \frac{{{N}}}{{{B}}} \rfloor = {I}",
    ),
    ("I", ""): ("Iterations per epoch: I = S / E = {S} / {E} = {I}", r"I = \frac{{S}}{{E}} = {I}"),
    ("N", ""): (
        "Training-set size: N = I * B = {I} * {B} = {N}",
        r"N = I \cdot B = {I} \cdot {B} = {N}",
    ),
    ("B", "exact"): (
        "Batch size: B = N / I = {N} / {I} = {ratio_show}",
        r"B = \frac{{N}}{{I}} = {ratio_tex}",
    ),
    ("B", "ceil"): (
        "Batch size: B = N / I = {N} / {I} = {ratio_show}, so B = {B}",
        r"B = \frac{{N}}{{I}} = {ratio_tex}",
    ),
    ("E", ""): (
        "Epochs: E = S / I = {S} / {I} = {E_show}",
        r"E = \frac{{S}}{{I}} = \frac{{{S}}}{{{I}}} = {E_tex}",
    ),
    ("S", ""): ("Steps: S = E * I = {E} * {I} = {S}", r"S = E \cdot I = {E_latex} \cdot {I} = {S}"),
}
NOTES = {
    (
        "I",
        "ceil",
    ): "B does not divide N: the last incomplete batch is kept (a smaller final batch).",
    ("I", "floor"): "B does not divide N: the last incomplete batch is dropped.",
}


def _fmt(q: Known, extra: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in q.items() if v is not None}
    if q.get("E") is not None:
        e = q["E"]
        out |= {"E_show": show(e), "E_tex": tex(e), "E_latex": sympy.latex(e)}
    if "ratio" in extra:
        out |= {"ratio_show": show(extra["ratio"]), "ratio_tex": tex(extra["ratio"])}
    return out


def _from_log(log: list[LogPoint]) -> tuple[int, str, str]:
    """I from two log lines, with its step text and LaTeX."""
    first, last = log[0], log[-1]
    d_epoch = last.epoch - first.epoch
    if d_epoch == 0:
        raise ParameterError("log", "the log lines must span a change of epoch")
    ratio = sympy.Rational(last.iteration - first.iteration) / d_epoch
    if not ratio.is_Integer:
        raise ParameterError("log", f"iterations per epoch would be {ratio}, not an integer")
    i = int(ratio)
    text = (
        f"Iterations per epoch from the log: I = ({last.iteration} - {first.iteration}) / "
        f"({last.epoch} - {first.epoch}) = {i}"
    )
    latex = (
        rf"I = \frac{{{last.iteration} - {first.iteration}}}{{{sympy.latex(last.epoch)} - "
        rf"{sympy.latex(first.epoch)}}} = {i}"
    )
    return i, text, latex


def _check_consistent(q: Known, p: ScheduleParams) -> None:
    s, e, i, n, b = q["S"], q["E"], q["I"], q["N"], q["B"]
    if s is not None and e is not None and i is not None and e * i != s:
        raise ParameterError("steps", f"inconsistent: E * I = {e * i} but S = {s}")
    if n is not None and b is not None and i is not None:
        exact = sympy.Rational(n, b)
        expected = sympy.floor(exact) if p.drop_last else sympy.ceiling(exact)
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


def solve_schedule(p: ScheduleParams, w: Worked) -> Known:
    """Fill in N, B, I, E, S by :data:`RELATIONS`; each finding becomes a worked step."""
    q: Known = {
        "N": p.dataset_size,
        "B": p.batch_size,
        "I": p.iterations_per_epoch,
        "E": p.epochs,
        "S": p.steps,
    }
    if q["I"] is None and p.log is not None:
        q["I"], text, latex = _from_log(p.log)
        w.step(text, latex)
    for _ in range(3):
        for rel in RELATIONS:
            if q[rel.target] is not None or any(q[k] is None for k in rel.needs):
                continue
            found = rel.compute(q, p)
            q[rel.target] = found.value
            text, latex = STEPS[(rel.target, found.case)]
            fmt = _fmt(q, found.extra)
            w.step(text.format(**fmt), latex.format(**fmt))
            if (rel.target, found.case) in NOTES:
                w.note(NOTES[(rel.target, found.case)])
    _check_consistent(q, p)
    return q


@dataclass(frozen=True)
class Epoch:
    """What one epoch looks like once N, B and I are known (N given, not assumed)."""

    last_batch: int  # size of the last mini-batch an epoch uses
    dropped: int  # samples left out of every epoch (drop_last only)
    per_epoch: int  # samples an epoch actually uses


def epoch_of(n: int, b: int, i: int, drop_last: bool) -> Epoch:
    """The last mini-batch and the samples used per epoch (PyTorch's BatchSampler)."""
    if drop_last:
        return Epoch(b, n - i * b, i * b)
    return Epoch(n - (i - 1) * b, 0, n)


def samples_seen(steps: int, b: int, i: int, epoch: Epoch | None) -> int:
    """Samples the optimizer has seen after ``steps`` mini-batches: whole epochs of
    ``epoch.per_epoch``, then full mini-batches into the next one (only an epoch's last
    mini-batch can be partial). Without a known epoch every mini-batch counts ``B``."""
    if epoch is None:
        return steps * b
    full, rest = divmod(steps, i)
    return full * epoch.per_epoch + rest * b


def dataset_range(b: int, i: int, drop_last: bool) -> tuple[int, int]:
    """Every N that ``I`` mini-batches of ``B`` are consistent with."""
    if drop_last:
        return i * b, i * b + b - 1
    return (i - 1) * b + 1, i * b


@solver(
    "training.schedule",
    ScheduleParams,
    example={"dataset_size": 20000, "batch_size": 100, "steps": 4000},
)
def schedule(p: ScheduleParams) -> Solution:
    """Fill in N, B, I, E and S from whichever of them are given (and check consistency).

    Values: ``dataset_size``, ``batch_size``, ``iterations_per_epoch``, ``epochs``,
    ``steps``, as far as they are determined; ``samples_seen`` (whole epochs of N samples,
    plus full mini-batches: S * B only when no batch is partial); with N given,
    ``last_batch_size`` (and ``samples_dropped`` per epoch with drop_last); with N found from
    I and B, ``dataset_size_min`` and ``dataset_size_max``, the range of N consistent with I.
    """
    w = Worked()
    q = solve_schedule(p, w)
    n, b, i, s = q["N"], q["B"], q["I"], q["S"]
    for letter in ("N", "B", "I", "S"):
        if q[letter] is not None:
            w.value(NAMES[letter], number(int(q[letter])))
    if q["E"] is not None:
        w.value("epochs", number(q["E"]))
    epoch = None
    if p.dataset_size is not None and b is not None and i is not None:
        epoch = epoch_of(n, b, i, p.drop_last)
    if s is not None and b is not None and i is not None:
        seen = samples_seen(s, b, i, epoch)
        _write_samples_seen(w, s, b, i, seen, epoch)
        w.value("samples_seen", number(seen))
    if epoch is not None:
        _write_epoch(w, n, b, i, epoch, p.drop_last)
        w.value("last_batch_size", number(epoch.last_batch))
        if p.drop_last:
            w.value("samples_dropped", number(epoch.dropped))
    elif p.dataset_size is None and b is not None and i is not None:
        low, high = dataset_range(b, i, p.drop_last)
        _write_range(w, b, i, low, high, p.drop_last)
        w.value("dataset_size_min", number(low))
        w.value("dataset_size_max", number(high))
    if len(w.values) <= 1:
        raise ParameterError("params", "not enough quantities given to determine anything")
    return w.solution()


def _write_samples_seen(w: Worked, s: int, b: int, i: int, seen: int, epoch: Epoch | None) -> None:
    if epoch is None or seen == s * b:
        w.step(f"Samples seen: S * B = {s} * {b} = {seen}", rf"S \cdot B = {s} \cdot {b} = {seen}")
        return
    full, rest = divmod(s, i)
    w.step(
        f"Samples seen: S = {s} steps are {full} whole epochs of {epoch.per_epoch} samples "
        f"(the last mini-batch has {epoch.last_batch}) and {rest} more mini-batches of {b}: "
        f"{full} * {epoch.per_epoch} + {rest} * {b} = {seen} (not S * B = {s * b})",
        rf"\lfloor S / I \rfloor N + (S \bmod I) B = {full} \cdot {epoch.per_epoch} + "
        rf"{rest} \cdot {b} = {seen}",
    )


def _write_epoch(w: Worked, n: int, b: int, i: int, epoch: Epoch, drop_last: bool) -> None:
    if drop_last:
        w.step(
            f"drop_last: every mini-batch has B = {b} samples; N - I * B = {n} - {i} * {b} = "
            f"{epoch.dropped} samples are left out of each epoch",
            rf"N - I B = {n} - {i} \cdot {b} = {epoch.dropped}",
        )
        return
    w.step(
        f"Last mini-batch of an epoch: N - (I - 1) * B = {n} - {i - 1} * {b} = {epoch.last_batch}",
        rf"N - (I - 1) B = {n} - {i - 1} \cdot {b} = {epoch.last_batch}",
    )


def _write_range(w: Worked, b: int, i: int, low: int, high: int, drop_last: bool) -> None:
    if drop_last:
        how = f"up to B - 1 = {b - 1} samples may have been dropped"
    else:
        how = "the last mini-batch may be smaller"
    w.step(
        f"N is not fixed by I and B alone ({how}): any N from {low} to {high} gives I = {i}",
        rf"{low} \le N \le {high}",
    )
    w.note(
        f"dataset_size = I * B = {i * b} is N when every mini-batch is full "
        f"(the {'smallest' if drop_last else 'largest'} N that fits)."
    )


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
    b1 = p.batch_size
    b2 = p.new_batch_size if p.new_batch_size is not None else p.factor * b1
    ratio = sympy.simplify(sympy.sqrt(b1 / b2))
    reduction = sympy.simplify(1 / ratio)
    stds = None if p.sigma is None else (p.sigma / sympy.sqrt(b1), p.sigma / sympy.sqrt(b2))
    w = Worked()
    w.step(
        "The mini-batch gradient is the mean of B independent per-sample gradients, so its "
        "variance is sigma^2 / B and its standard deviation sigma / sqrt(B).",
        r"\operatorname{Var}\Big[\tfrac{1}{B}\sum_{i=1}^{B} g_i\Big] = \frac{\sigma^2}{B}, "
        r"\quad \operatorname{std} = \frac{\sigma}{\sqrt{B}}",
    )
    w.step(
        f"New std / old std = sqrt(B1 / B2) = sqrt({b1} / {b2}) = {show(ratio)}",
        rf"\frac{{\sigma/\sqrt{{{sympy.latex(b2)}}}}}{{\sigma/\sqrt{{{sympy.latex(b1)}}}}} = {tex(ratio)}",
    )
    w.value("std_ratio", value_of(ratio))
    w.step(
        f"The noise std is divided by {show(reduction)}.",
        rf"\text{{reduction factor}} = {tex(reduction)}",
    )
    w.value("reduction_factor", value_of(reduction))
    w.value("variance_ratio", value_of(sympy.simplify(b1 / b2)))
    if stds is not None:
        old, new = stds
        w.step(f"std: {show(old)} -> {show(new)}", rf"{tex(old)} \to {tex(new)}")
        w.value("old_std", value_of(old))
        w.value("new_std", value_of(new))
    return w.solution()
