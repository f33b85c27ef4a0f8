"""The normaliser: one rewrite per row, as a table."""

from __future__ import annotations

import pytest

from autocheck.normalise import normalise, symbol_key


@pytest.mark.parametrize(
    ("raw", "kind", "log_base", "out"),
    [
        (r"-\log 0.3", "number", "e", r"-\ln 0.3"),
        (r"-\log 0.3", "number", "10", r"-\log_{10} 0.3"),
        (r"\log_{2} 8", "number", "e", r"\log_{2} 8"),
        ("-log(0.3)", "number", "e", r"-\ln(0.3)"),
        ("-In 0.3", "number", "e", r"-\ln 0.3"),
        ("In the end 3", "number", "e", "In the end 3"),
        (r"1.2 \times 10^{-3}", "number", "e", "1.2e-3"),
        (r"1.2 \cdot 10^{-3}", "number", "e", "1.2e-3"),
        ("10^{-3}", "number", "e", "1e-3"),
        ("200,000,100", "number", "e", "200000100"),
        ("200 000 100", "number", "e", "200000100"),
        ("200{,}000", "number", "e", "200000"),
        (r"3\,\text{cm}", "number", "e", "3"),
        (r"\left( 2 \right)", "number", "e", "( 2 )"),
        (r"\dfrac{1}{2}", "number", "e", r"\frac{1}{2}"),
        (r"2808 \times 33 \times 64", "shape", "e", r"2808 \times 33 \times 64"),
        (r"2 \times 3", "number", "e", r"2 \cdot 3"),
        ("20 x 32 + 32", "number", "e", r"20 \cdot 32 + 32"),
        ("(3x3) X 4", "integer", "e", r"(3 \cdot 3) \cdot 4"),
        ("2 x + 1", "number", "e", "2 x + 1"),
        ("32 x 32 x 10", "shape", "e", "32 x 32 x 10"),
        ("(2, 2)", "vector", "e", "(2, 2)"),
        ("$20$.", "integer", "e", "20"),
        ("3 − 1", "number", "e", "3 - 1"),
        (r"\mathbf{x}", "expression", "e", "x"),
    ],
)
def test_normalise(raw: str, kind: str, log_base: str, out: str):
    assert normalise(raw, kind=kind, log_base=log_base) == out


def test_an_unknown_function_in_text_stays_visible():
    # \text{ReLU}(3) must not silently become (3): the candidate has to stay unreadable.
    assert "ReLU" in normalise(r"\text{ReLU}(3)")


def test_thousands_commas_are_kept_for_vectors():
    assert normalise("(200,000)", kind="vector") == "(200,000)"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (r"\hat{x}", r"\hat x"),
        ("z_{2}", "z_2"),
        ("z_2", "z2"),
        (r"L_{CE}(q, q)", "L_{CE}"),
        (r"\mathcal{L}_{CE}[\hat{y}, y]", "L_CE"),
        (r"\# epochs", "epochs"),
        (r"\mathbf{W}", "W"),
    ],
)
def test_symbol_keys_agree(a: str, b: str):
    assert symbol_key(a) == symbol_key(b)


def test_symbol_keys_keep_case():
    assert symbol_key("W") != symbol_key("w")
