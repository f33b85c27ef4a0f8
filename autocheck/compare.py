"""Comparing a student's value with the expected one: the real-number rules every numeric
kind shares, and the entry points that hand a value to its kind (``autocheck.kinds``).

Reals (:func:`compare_number`) are right within a relative/absolute tolerance (default rtol
1e-2, atol 1e-6 for an expected 0 only), *or* by the significant-figure rule: an answer
within half a unit of the last digit the student wrote is right (PrairieLearn), provided
they wrote at least two significant figures (so ``1`` is not accepted for 1.204). Each kind's
own rules (component-wise vectors, shapes as tuples, expressions by spot-checks, ...) live in
its module.

Reading the student's text into a value raises :class:`~autocheck.mathparse.Unreadable`
when it cannot be read; that is a ``needs_review``, not a wrong answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from autocheck.mathparse import ParsedNumber
from autocheck.outcome import Comparison, Read

if TYPE_CHECKING:
    from autocheck.keys.model import Tolerance

MIN_SIG_FIGS = 2
DEFAULT_ATOL = 1e-6


def sig_figs(text: str) -> int:
    """Significant figures the student wrote in a plain decimal (trailing zeros of an
    integer count: ``200`` has 3)."""
    m = re.search(r"(\d+(?:\.\d*)?|\.\d+)", text)
    if not m:
        return 0
    digits = m.group(1).replace(".", "").lstrip("0")
    return len(digits) or 1


def compare_number(expected: float, student: ParsedNumber | float, tol: Tolerance) -> Comparison:
    """Real numbers: tolerance, or the student's own written precision, or ``sig_figs``.

    A percentage (``50%``) is right if either 50 or 0.5 is: whether the key counts in percent
    is the key's business, not a reason to mark the student wrong.
    """
    if isinstance(student, ParsedNumber) and student.percent:
        as_written = replace(student, percent=False)
        first = compare_number(expected, as_written, tol)
        if first.equal:
            return first
        scaled = replace(as_written, value=as_written.value / 100, last_place=None)
        return compare_number(expected, scaled, tol)
    s = student.value if isinstance(student, ParsedNumber) else float(student)
    e = float(expected)
    diff = abs(s - e)
    rtol = 1e-2 if tol.rtol is None else tol.rtol
    # The default absolute tolerance only serves an expected 0 (where a relative one cannot);
    # elsewhere it would make 1e-7 equal 2e-7. A key's explicit atol is used as written.
    atol = tol.atol if tol.atol is not None else (DEFAULT_ATOL if e == 0 else 0.0)
    if diff <= atol + rtol * abs(e):
        return Comparison(True, 1.0, "within_tolerance")
    if tol.sig_figs and e != 0:
        unit = 10.0 ** (math.floor(math.log10(abs(e))) - tol.sig_figs + 1)
        if diff <= 0.5 * unit * (1 + 1e-9):
            return Comparison(True, 1.0, "sig_figs", f"equal to {tol.sig_figs} significant figures")
    if (
        isinstance(student, ParsedNumber)
        and student.last_place is not None
        and tol.student_digits is not False
        and sig_figs(student.text) >= max(MIN_SIG_FIGS, tol.sig_figs or 0)
        and diff <= 0.5 * 10.0**student.last_place * (1 + 1e-9)
    ):
        return Comparison(True, 1.0, "rounded", "correct to the digits written")
    return Comparison(False, 0.0, "not_equal", f"{s:.6g} differs from {e:.6g}")


def kind_of(value: object) -> str:
    """The name of an expected value's answer kind."""
    from autocheck.kinds import kind_for

    return kind_for(value).name


def read(kind: str, text: str, *, log_base: str = "e") -> Read:
    """Read ``text`` (one extracted candidate) as a value of the kind called ``kind``."""
    from autocheck.kinds import Reading, get

    return get(kind).read_text(None, text, Reading(log_base=log_base))


def compare(
    expected: object, got: Read, tol: Tolerance, *, flags: Mapping[str, Any] | None = None
) -> Comparison:
    """Compare a read student value with the expected value, by the expected value's kind."""
    from autocheck.kinds import kind_for

    return kind_for(expected).compare(expected, got, tol, flags or {})


__all__ = ["Comparison", "Read", "compare", "compare_number", "kind_of", "read", "sig_figs"]
