"""The loss solvers against torch.nn.functional and autograd.

Numbers are multiples of 1/8 (exact in float64, so a hinge's kink is where both sides see
it). Label smoothing is checked against ``F.cross_entropy(label_smoothing=eps)`` (the uniform
style) and soft-target cross-entropy (the others style); the multiclass hinge against
``F.multi_margin_loss`` (mean over classes; the CS231n sum is that times C); logarithms in
base 2 or 10 by dividing PyTorch's natural-log losses by ln b.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from solvers.registry import solve
from tests.solvers.crosscheck.common import (
    assert_close,
    assert_int,
    crosscheck,
    dyadic,
    key,
    keys,
    t64,
    torch,
)

F = torch.nn.functional
LN = {"e": 1.0, "2": math.log(2), "10": math.log(10)}


def logits(k: int) -> st.SearchStrategy[list[Fraction]]:
    return st.lists(dyadic(-4, 4), min_size=k, max_size=k)


@st.composite
def distributions(draw: Any, k: int, positive: bool = True) -> list[Fraction]:
    """Exact probabilities summing to 1 (all positive unless told otherwise)."""
    weights = [draw(st.integers(1 if positive else 0, 8)) for _ in range(k)]
    if sum(weights) == 0:
        weights[0] = 1
    return [Fraction(w, sum(weights)) for w in weights]


def probabilities(k: int) -> st.SearchStrategy[list[Fraction]]:
    """Per-label probabilities strictly inside (0, 1)."""
    return st.lists(st.integers(1, 15).map(lambda v: Fraction(v, 16)), min_size=k, max_size=k)


# --- softmax and cross-entropy ---------------------------------------------------------


@given(st.integers(2, 6).flatmap(logits), st.sampled_from([1, 2, Fraction(1, 2), Fraction(3, 4)]))
@crosscheck("loss.softmax")
def test_softmax_of_logits_matches_torch(z: list[Fraction], temperature: Fraction) -> None:
    values = solve("loss.softmax", {"logits": keys(z), "temperature": key(temperature)}).values
    scaled = t64(z) / float(temperature)
    assert_close(values["probs"], F.softmax(scaled, 0), "probs")
    assert_close(values["log_probs"], F.log_softmax(scaled, 0), "log_probs")
    assert_int(values["predicted_class"], int(torch.argmax(scaled)) + 1, "predicted_class")


@given(st.integers(2, 6).flatmap(distributions), st.sampled_from([1, 2, Fraction(1, 2)]))
@crosscheck("loss.softmax")
def test_logits_recovered_from_probabilities_give_them_back(p: list[Fraction], t: Fraction) -> None:
    values = solve("loss.softmax", {"probs": keys(p), "temperature": key(t)}).values
    z = t64(values["logits"].values)  # type: ignore[union-attr]
    assert_close(values["probs"], F.softmax(z / float(t), 0), "softmax(logits / T)")
    assert_close(values["logit_differences"], z - z[0], "logit_differences")


@st.composite
def ce_cases(draw: Any) -> dict:
    k = draw(st.integers(2, 6))
    case: dict[str, Any] = {"base": draw(st.sampled_from(["e", "e", "2", "10"]))}
    if draw(st.booleans()):
        case["logits"] = draw(logits(k))
    else:
        case["probs"] = draw(distributions(k))
    if draw(st.integers(0, 3)) == 0:
        case["target"] = draw(distributions(k, positive=False))
    else:
        case["target_class"] = draw(st.integers(1, k))
    if draw(st.booleans()):
        case["label_smoothing"] = draw(st.integers(1, 12).map(lambda v: Fraction(v, 16)))
        style = "others" if "target_class" in case and draw(st.booleans()) else "uniform"
        case["smoothing_style"] = style
    return case


@given(ce_cases())
@crosscheck("loss.cross_entropy")
def test_cross_entropy_and_gradient_match_torch(case: dict) -> None:
    params = {
        k: (keys(v) if isinstance(v, list) else key(v) if isinstance(v, Fraction) else v)
        for k, v in case.items()
    }
    from_logits = "logits" in case
    leaf = t64(case["logits"] if from_logits else case["probs"], grad=True)
    k = leaf.shape[0]
    # As logits: softmax(log p) = p for a distribution, so F.cross_entropy works on both.
    z = leaf if from_logits else torch.log(leaf)
    eps = float(case.get("label_smoothing", 0))
    style = case.get("smoothing_style", "uniform")
    event(f"{'logits' if from_logits else 'probs'}, smoothing {style if eps else 'none'}")
    if "target_class" in case and style == "others" and eps:
        target = torch.full((k,), eps / (k - 1), dtype=torch.float64)
        target[case["target_class"] - 1] = 1 - eps
        loss = F.cross_entropy(z[None], target[None])
    elif "target_class" in case:
        loss = F.cross_entropy(
            z[None], torch.tensor([case["target_class"] - 1]), label_smoothing=eps
        )
    else:
        loss = F.cross_entropy(z[None], t64(case["target"])[None], label_smoothing=eps)
    loss = loss / LN[case["base"]]
    values = solve("loss.cross_entropy", params).values
    assert_close(values["loss"], loss, "loss")
    if from_logits:
        loss.backward()
        assert_close(values["grad_logits"], leaf.grad, "grad_logits")
        assert_close(values["probs"], F.softmax(leaf, 0), "probs")
    elif "grad_probs" in values:
        # dL/dp with p free (not renormalised): -y / (p ln b), y the (smoothed) target.
        smoothed = values.get("targets")
        y_t = t64(smoothed.values) if smoothed is not None else _one_hot_or_target(case, k)  # type: ignore[union-attr]
        (-(y_t * torch.log(leaf)).sum() / LN[case["base"]]).backward()
        assert_close(values["grad_probs"], leaf.grad, "grad_probs")


def _one_hot_or_target(case: dict, k: int) -> Any:
    if "target" in case:
        return t64(case["target"])
    y = torch.zeros(k, dtype=torch.float64)
    y[case["target_class"] - 1] = 1
    return y


@st.composite
def bce_cases(draw: Any) -> dict:
    n = draw(st.integers(1, 5))
    case: dict[str, Any] = {
        "reduction": draw(st.sampled_from(["sum", "mean"])),
        "base": draw(st.sampled_from(["e", "2", "10"])),
    }
    if draw(st.booleans()):
        case["logits"] = draw(logits(n))
    else:
        case["probs"] = draw(probabilities(n))
    soft = draw(st.booleans())
    target = (
        st.integers(0, 8).map(lambda v: Fraction(v, 8))
        if soft
        else st.sampled_from([Fraction(0), Fraction(1)])
    )
    case["targets"] = draw(st.lists(target, min_size=n, max_size=n))
    return case


@given(bce_cases())
@crosscheck("loss.binary_cross_entropy")
def test_binary_cross_entropy_matches_torch(case: dict) -> None:
    params = {k: keys(v) if isinstance(v, list) else v for k, v in case.items()}
    from_logits = "logits" in case
    leaf = t64(case["logits"] if from_logits else case["probs"], grad=True)
    y = t64(case["targets"])
    fn = F.binary_cross_entropy_with_logits if from_logits else F.binary_cross_entropy
    terms = fn(leaf, y, reduction="none") / LN[case["base"]]
    loss = fn(leaf, y, reduction=case["reduction"]) / LN[case["base"]]
    loss.backward()
    values = solve("loss.binary_cross_entropy", params).values
    assert_close(values["loss"], loss, "loss")
    assert_close(values["terms"], terms, "terms")
    assert_close(values["grad_logits" if from_logits else "grad_probs"], leaf.grad, "gradient")


@given(
    st.integers(1, 6).flatmap(lambda n: st.tuples(logits(n), logits(n))),
    st.sampled_from(["mean", "sum", "half_sum"]),
)
@crosscheck("loss.mse")
def test_squared_error_matches_torch(
    pair: tuple[list[Fraction], list[Fraction]], reduction: str
) -> None:
    a, y = t64(pair[0], grad=True), t64(pair[1])
    loss = F.mse_loss(a, y, reduction="mean" if reduction == "mean" else "sum")
    loss = loss / 2 if reduction == "half_sum" else loss
    loss.backward()
    values = solve(
        "loss.mse", {"predictions": keys(pair[0]), "targets": keys(pair[1]), "reduction": reduction}
    ).values
    assert_close(values["loss"], loss, "loss")
    assert_close(values["residuals"], a - y, "residuals")
    assert_close(values["grad"], a.grad, "grad")


# --- hinge ------------------------------------------------------------------------------


@st.composite
def hinge_cases(draw: Any) -> dict:
    k = draw(st.integers(2, 6))
    return {
        "scores": draw(logits(k)),
        "target_class": draw(st.integers(1, k)),
        "margin": draw(dyadic(0, 2, 4)),
        "power": draw(st.sampled_from([1, 2])),
        "class_reduction": draw(st.sampled_from(["sum", "mean"])),
    }


def _torch_hinge(scores: Any, targets: Any, case: dict, reduction: str = "mean") -> Any:
    """PyTorch's multi_margin_loss divides by C; the CS231n convention is that times C."""
    loss = F.multi_margin_loss(
        scores, targets, p=case["power"], margin=float(case["margin"]), reduction=reduction
    )
    return loss * scores.shape[1] if case["class_reduction"] == "sum" else loss


@given(hinge_cases())
@crosscheck("loss.hinge")
def test_hinge_loss_in_both_conventions_matches_multi_margin_loss(case: dict) -> None:
    s = t64(case["scores"], grad=True)
    loss = _torch_hinge(s[None], torch.tensor([case["target_class"] - 1]), case)
    loss.backward()
    params = {**case, "scores": keys(case["scores"]), "margin": key(case["margin"])}
    values = solve("loss.hinge", params).values
    event(f"class_reduction {case['class_reduction']}, power {case['power']}")
    assert_close(values["loss"], loss, "loss")
    assert_close(values["grad_scores"], s.grad, "grad_scores")


# --- batches ----------------------------------------------------------------------------


@st.composite
def batch_cases(draw: Any) -> dict:
    kind = draw(
        st.sampled_from(
            ["loss.cross_entropy", "loss.hinge", "loss.binary_cross_entropy", "loss.mse"]
        )
    )
    size = draw(st.integers(1, 4))
    width = draw(st.integers(2, 5))
    case: dict[str, Any] = {"loss": kind, "reduction": draw(st.sampled_from(["mean", "sum"]))}
    if kind == "loss.cross_entropy":
        case["rows"] = [draw(logits(width)) for _ in range(size)]
        case["targets"] = [draw(st.integers(1, width)) for _ in range(size)]
        case["smoothing"] = draw(st.sampled_from([Fraction(0), Fraction(1, 8), Fraction(1, 4)]))
    elif kind == "loss.hinge":
        case["rows"] = [draw(logits(width)) for _ in range(size)]
        case["targets"] = [draw(st.integers(1, width)) for _ in range(size)]
        case["hinge"] = draw(hinge_cases())
    elif kind == "loss.binary_cross_entropy":
        case["rows"] = [draw(probabilities(width)) for _ in range(size)]
        case["targets"] = [
            draw(st.lists(st.sampled_from([0, 1]), min_size=width, max_size=width))
            for _ in range(size)
        ]
    else:
        case["rows"] = [draw(logits(width)) for _ in range(size)]
        case["targets"] = [draw(logits(width)) for _ in range(size)]
    return case


def _batch_params(case: dict) -> dict:
    kind, rows, targets = case["loss"], case["rows"], case["targets"]
    shared: dict[str, Any] = {}
    if kind == "loss.cross_entropy":
        examples = [
            {"logits": keys(r), "target_class": t} for r, t in zip(rows, targets, strict=True)
        ]
        shared = {"label_smoothing": key(case["smoothing"])}
    elif kind == "loss.hinge":
        examples = [
            {"scores": keys(r), "target_class": t} for r, t in zip(rows, targets, strict=True)
        ]
        h = case["hinge"]
        shared = {
            "margin": key(h["margin"]),
            "power": h["power"],
            "class_reduction": h["class_reduction"],
        }
    elif kind == "loss.binary_cross_entropy":
        examples = [{"probs": keys(r), "targets": t} for r, t in zip(rows, targets, strict=True)]
    else:
        examples = [
            {"predictions": keys(r), "targets": keys(t)} for r, t in zip(rows, targets, strict=True)
        ]
    return {"loss": kind, "examples": examples, "shared": shared, "reduction": case["reduction"]}


def _batch_reference(case: dict) -> tuple[Any, Any]:
    """Per-example losses and the batch loss, computed by PyTorch on the whole batch."""
    kind, x = case["loss"], t64(case["rows"])
    if kind == "loss.cross_entropy":
        classes = torch.tensor([t - 1 for t in case["targets"]])
        per = F.cross_entropy(
            x, classes, reduction="none", label_smoothing=float(case["smoothing"])
        )
        batch = F.cross_entropy(
            x, classes, reduction=case["reduction"], label_smoothing=float(case["smoothing"])
        )
        return per, batch
    if kind == "loss.hinge":
        classes = torch.tensor([t - 1 for t in case["targets"]])
        per = _torch_hinge(x, classes, case["hinge"], reduction="none")
        return per, _torch_hinge(x, classes, case["hinge"], reduction=case["reduction"])
    y = t64(case["targets"])
    if kind == "loss.binary_cross_entropy":  # per example: the sum over labels
        per = F.binary_cross_entropy(x, y, reduction="none").sum(1)
    else:  # per example: the mean over entries
        per = F.mse_loss(x, y, reduction="none").mean(1)
    return per, per.mean() if case["reduction"] == "mean" else per.sum()


@given(batch_cases())
@crosscheck("loss.batch")
def test_batch_losses_match_torch_reductions(case: dict) -> None:
    event(case["loss"])
    per, batch = _batch_reference(case)
    values = solve("loss.batch", _batch_params(case)).values
    assert_close(values["losses"], per, "losses")
    assert_close(values["loss"], batch, "loss")


# --- label smoothing and linear classifiers ---------------------------------------------


@given(
    st.integers(2, 8).flatmap(lambda k: st.tuples(st.just(k), st.integers(1, k))),
    st.integers(1, 15).map(lambda v: Fraction(v, 16)),
    st.sampled_from(["others", "uniform"]),
)
@crosscheck("loss.label_smoothing")
def test_smoothed_targets_are_minimised_by_the_reported_logits(
    classes: tuple[int, int], eps: Fraction, style: str
) -> None:
    k, target = classes
    values = solve(
        "loss.label_smoothing",
        {"classes": k, "epsilon": key(eps), "target_class": target, "style": style},
    ).values
    z = t64(values["logits"].values, grad=True)  # type: ignore[union-attr]
    if style == "uniform":  # PyTorch's own label smoothing
        loss = F.cross_entropy(z[None], torch.tensor([target - 1]), label_smoothing=float(eps))
    else:
        t = torch.full((k,), float(eps) / (k - 1), dtype=torch.float64)
        t[target - 1] = 1 - float(eps)
        loss = F.cross_entropy(z[None], t[None])
    loss.backward()
    # The reported logits minimise the loss (zero gradient) and the minimum is min_loss.
    torch.testing.assert_close(z.grad, torch.zeros(k, dtype=torch.float64), rtol=0, atol=1e-12)
    assert_close(values["min_loss"], loss, "min_loss")
    assert_close(values["targets"], F.softmax(z.detach(), 0), "targets")
    gap = z.detach()[target - 1] - z.detach()[target % k]
    assert_close(values["logit_gap"], gap, "logit_gap")


@st.composite
def linear_cases(draw: Any) -> dict:
    c, d = draw(st.integers(2, 4)), draw(st.integers(1, 4))
    case: dict[str, Any] = {
        "W": [draw(logits(d)) for _ in range(c)],
        "x": draw(logits(d)),
        "loss": draw(st.sampled_from(["softmax", "hinge", "none"])),
        "reg": draw(dyadic(0, 1)),
        "reg_form": draw(st.sampled_from(["l2", "half_l2", "l1"])),
        "row_penalty": draw(st.sampled_from(["none", "l1", "l2", "l2_squared"])),
        "row_penalty_weight": draw(dyadic(-1, 1)),
        "class_reduction": draw(st.sampled_from(["sum", "mean"])),
        "margin": draw(dyadic(0, 2, 4)),
    }
    if draw(st.booleans()):
        case["b"] = draw(logits(c))
    if case["loss"] != "none":
        case["target_class"] = draw(st.integers(1, c))
    return case


@given(linear_cases())
@crosscheck("loss.linear_scores")
def test_linear_scores_losses_and_penalties_match_torch(case: dict) -> None:
    W, x = t64(case["W"]), t64(case["x"])
    s = W @ x + (t64(case["b"]) if "b" in case else 0)
    rows = {
        "none": torch.zeros(W.shape[0], dtype=torch.float64),
        "l1": W.abs().sum(1),
        "l2": torch.linalg.vector_norm(W, dim=1),
        "l2_squared": (W * W).sum(1),
    }[case["row_penalty"]]
    s = s + float(case["row_penalty_weight"]) * rows
    reg = (
        float(case["reg"])
        * {"l2": (W * W).sum(), "half_l2": (W * W).sum() / 2, "l1": W.abs().sum()}[case["reg_form"]]
    )
    params = {
        k: [keys(r) for r in v]
        if k == "W"
        else keys(v)
        if isinstance(v, list)
        else key(v)
        if isinstance(v, Fraction)
        else v
        for k, v in case.items()
    }
    values = solve("loss.linear_scores", params).values
    assert_close(values["scores"], s, "scores")
    assert_int(values["predicted_class"], int(torch.argmax(s)) + 1, "predicted_class")
    assert_close(values["reg_loss"], reg, "reg_loss")
    data = torch.tensor(0.0, dtype=torch.float64)
    if case["loss"] != "none":
        target = torch.tensor([case["target_class"] - 1])
        if case["loss"] == "softmax":
            data = F.cross_entropy(s[None], target)
        else:
            data = _torch_hinge(s[None], target, {**case, "power": 1})
        assert_close(values["data_loss"], data, "data_loss")
    assert_close(values["loss"], data + reg, "loss")
