"""Units as people write them, with their dimensions: ``cm^2``, ``\\text{ m/s}^2``, ``km/h``,
``^\\circ``, ``\\mu m``, ``MB``. Used by the ``quantity`` kind (dimension-aware comparison) and
by the numeric kinds (a unit after a number is not part of its value).

A unit word not in the table (``yuan``, ``apples``) is its own dimension: it equals only
itself. Single letters not in the table are not units (``2e``, ``3x`` stay unreadable).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from autocheck.mathparse import Unreadable

# Dimensions: length, mass, time, current, temperature, amount, luminosity, angle,
# information, and one slot per unknown unit word (added on the fly).
_BASE = ("m", "kg", "s", "A", "K", "mol", "cd", "rad", "bit")
Dims = tuple[tuple[str, int], ...]


def _d(**dims: int) -> Dims:
    return tuple(sorted((k, v) for k, v in dims.items() if v))


#: symbol -> (factor to SI, dimensions, takes SI prefixes)
UNITS: dict[str, tuple[float, Dims, bool]] = {
    "m": (1.0, _d(m=1), True),
    "g": (1e-3, _d(kg=1), True),
    "t": (1e3, _d(kg=1), False),
    "s": (1.0, _d(s=1), True),
    "sec": (1.0, _d(s=1), False),
    "min": (60.0, _d(s=1), False),
    "h": (3600.0, _d(s=1), False),
    "hr": (3600.0, _d(s=1), False),
    "day": (86400.0, _d(s=1), False),
    "A": (1.0, _d(A=1), True),
    "K": (1.0, _d(K=1), True),
    "mol": (1.0, _d(mol=1), True),
    "cd": (1.0, _d(cd=1), False),
    "Hz": (1.0, _d(s=-1), True),
    "N": (1.0, _d(kg=1, m=1, s=-2), True),
    "J": (1.0, _d(kg=1, m=2, s=-2), True),
    "W": (1.0, _d(kg=1, m=2, s=-3), True),
    "Pa": (1.0, _d(kg=1, m=-1, s=-2), True),
    "V": (1.0, _d(kg=1, m=2, s=-3, A=-1), True),
    "C": (1.0, _d(A=1, s=1), True),
    "ohm": (1.0, _d(kg=1, m=2, s=-3, A=-2), True),
    "L": (1e-3, _d(m=3), True),
    "l": (1e-3, _d(m=3), False),
    "rad": (1.0, _d(rad=1), True),
    "deg": (math.pi / 180, _d(rad=1), False),
    "bit": (1.0, _d(bit=1), True),
    "b": (1.0, _d(bit=1), False),
    "B": (8.0, _d(bit=1), True),
    "byte": (8.0, _d(bit=1), False),
    "in": (0.0254, _d(m=1), False),
    "ft": (0.3048, _d(m=1), False),
    "mi": (1609.344, _d(m=1), False),
    "mile": (1609.344, _d(m=1), False),
    "miles": (1609.344, _d(m=1), False),
    "km": (1e3, _d(m=1), False),
}
_PREFIXES = {
    "T": 1e12,
    "G": 1e9,
    "M": 1e6,
    "k": 1e3,
    "h": 1e2,
    "c": 1e-2,
    "d": 1e-1,
    "m": 1e-3,
    "u": 1e-6,
    "n": 1e-9,
    "p": 1e-12,
    "Ki": 1024.0,
    "Mi": 1024.0**2,
    "Gi": 1024.0**3,
}


@dataclass(frozen=True)
class Unit:
    """A unit as written, its factor to SI and its dimensions."""

    written: str
    factor: float
    dims: Dims

    def same_dimension(self, other: Unit) -> bool:
        return self.dims == other.dims


_UNIT_CLEAN = (
    (
        re.compile(r"\\(?:text|mathrm|textrm|mbox|textnormal|operatorname|mathit)\s*\{([^{}]*)\}"),
        r" \1 ",
    ),
    (re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b|\\circ\b"), " deg "),
    (re.compile(r"\\mu\s*|µ|μ"), "u"),
    (re.compile(r"\\Omega|Ω"), "ohm"),
    (re.compile(r"²"), "^2"),
    (re.compile(r"³"), "^3"),
    (re.compile(r"\\cdot|\\times|·|\*"), " "),
    (re.compile(r"\\[,;!: ]|\\q?quad\b|~"), " "),
    (re.compile(r"[{}$]"), " "),
)
_FACTOR_RE = re.compile(r"([A-Za-z]+)\s*(?:\^\s*\(?\s*([-+]?\d+)\s*\)?)?")


def parse_unit(text: str) -> Unit:
    """Read a unit such as ``cm^2``, ``m/s^2``, ``kg m s^{-2}`` (``Unreadable`` if not)."""
    s = text
    for pattern, repl in _UNIT_CLEAN:
        s = pattern.sub(repl, s)
    s = s.strip()
    if not s:
        raise Unreadable("no unit")
    factor, dims = 1.0, dict[str, int]()
    for i, part in enumerate(s.split("/")):
        sign = 1 if i == 0 else -1
        pos = 0
        part = part.strip()
        while pos < len(part):
            if part[pos].isspace():
                pos += 1
                continue
            m = _FACTOR_RE.match(part, pos)
            if m is None or m.end() == pos:
                raise Unreadable(f"not a unit: {text!r}")
            f, d = _symbol(m.group(1))
            power = sign * int(m.group(2) or 1)
            factor *= f**power
            for k, v in d:
                dims[k] = dims.get(k, 0) + v * power
            pos = m.end()
    return Unit(text.strip(), factor, tuple(sorted((k, v) for k, v in dims.items() if v)))


def _symbol(sym: str) -> tuple[float, Dims]:
    if sym in UNITS:
        return UNITS[sym][0], UNITS[sym][1]
    for prefix, scale in sorted(_PREFIXES.items(), key=lambda p: -len(p[0])):
        base = sym[len(prefix) :]
        if sym.startswith(prefix) and base in UNITS and UNITS[base][2]:
            return scale * UNITS[base][0], UNITS[base][1]
    if len(sym) >= 2:
        return 1.0, ((f"word:{sym.lower()}", 1),)  # a unit word we do not know: itself
    raise Unreadable(f"unknown unit {sym!r}")


_NUMBER_PART_RE = re.compile(
    r"^\s*([-+−]?\s*(?:\\frac\s*\{[^{}]*\}\s*\{[^{}]*\}|\\sqrt\s*\{[^{}]*\}|(?:[\d.,\s{}]|\\[!,])+"
    r"(?:\s*(?:\\times|\\cdot|x)\s*10\s*\^\s*\{?\s*[-+]?\d+\s*\}?)?(?:[eE][-+]?\d+)?))"
    r"\s*(.*?)\s*\.?\s*$",
    re.S,
)


_UNIT_WORD = r"(?:[A-Za-zµΩ]+|°|\\circ)(?:\s*\^\s*\{?\s*-?\d+\s*\}?|[²³])?"
#: A unit right after a number: "cm^2", "m/s^2", "km / h", "°", "miles".
UNIT_AFTER_RE = re.compile(rf"\s*({_UNIT_WORD}(?:\s*[/·*]\s*{_UNIT_WORD})*)")


def split_quantity(text: str) -> tuple[str, str]:
    """(number, unit) of ``15\\text{ cm}^2``, ``2\\,\\text{m/s}^2``, ``90^\\circ``."""
    s = text.replace("$", " ").strip()
    m = _NUMBER_PART_RE.match(s)
    if m is None or not re.search(r"\d", m.group(1)):
        raise Unreadable("no number")
    number, unit = m.group(1).strip(), m.group(2).strip()
    # "1,000.99m²": trailing digits of a group belong to the number, not the unit.
    return number.rstrip("{\\ "), unit
