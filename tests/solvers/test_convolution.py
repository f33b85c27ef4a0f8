"""conv.arrays: hand-computed small cases, numpy.convolve, and torch autograd."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.core import ParameterError
from solvers.registry import solve
from solvers.values import Tensor


def _arr(value: object) -> np.ndarray:
    assert isinstance(value, Tensor)
    return value.to_numpy()


def test_valid_correlation_by_hand() -> None:
    values = solve(
        "conv.arrays", {"x": [[1, 2, 0], [0, 1, 3], [2, 1, 1]], "k": [[1, 0], [-1, 2]]}
    ).values
    # y[0,0] = 1*1 + 2*0 + 0*(-1) + 1*2 = 3; y[0,1] = 2 + 0 - 1 + 6 = 7; y[1,0] = 0 + 0 - 2 + 2 = 0;
    # y[1,1] = 1 + 0 - 1 + 2 = 2.
    assert _arr(values["y"]).tolist() == [[3, 7], [0, 2]]
    # With dL/dy = 1: dL/dk[a,b] = sum of the 2x2 window of x starting at (a,b).
    assert _arr(values["dL/dk"]).tolist() == [[4, 6], [4, 6]]


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_1d_true_convolution_matches_numpy(mode: str) -> None:
    x, k = [1, 2, 3, 4, 5], [2, -1, 0.5]
    values = solve("conv.arrays", {"x": x, "k": k, "op": "convolve", "mode": mode}).values
    assert _arr(values["y"]) == pytest.approx(np.convolve(x, k, mode=mode))


def test_1d_correlation_matches_numpy() -> None:
    x, k = [1, 2, 3, 4, 5], [2, -1, 0.5]
    values = solve("conv.arrays", {"x": x, "k": k}).values
    assert _arr(values["y"]) == pytest.approx(np.correlate(x, k, mode="valid"))


def test_stride_two_by_hand() -> None:
    values = solve(
        "conv.arrays", {"x": [1, 2, 3, 4, 5], "k": [1, 1], "stride": 2, "upstream": [1, 10]}
    ).values
    # windows (1,2), (3,4): y = (3, 7); x5 is never read, so its gradient is 0.
    assert _arr(values["y"]).tolist() == [3, 7]
    assert _arr(values["dL/dx"]).tolist() == [1, 1, 10, 10, 0]
    assert _arr(values["dL/dk"]).tolist() == [1 + 30, 2 + 40]


def test_upstream_shape_is_checked() -> None:
    with pytest.raises(ParameterError) as info:
        solve("conv.arrays", {"x": [1, 2, 3], "k": [1, 1], "upstream": [1, 2, 3]})
    assert info.value.field == "upstream"


@pytest.mark.torch
@pytest.mark.parametrize("op", ["correlate", "convolve"])
@pytest.mark.parametrize(("mode", "stride"), [("valid", 1), ("valid", 2), ("full", 1), ("same", 1)])
def test_2d_forward_and_backward_match_torch(op: str, mode: str, stride: int) -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    x = rng.integers(-3, 4, size=(5, 6)).astype(float)
    k = rng.integers(-2, 3, size=(3, 3)).astype(float)
    xt = torch.tensor(x[None, None], requires_grad=True)
    kt = torch.tensor(k[None, None], requires_grad=True)
    used = torch.flip(kt, dims=(2, 3)) if op == "convolve" else kt
    pad = {"valid": 0, "full": 2, "same": 1}[mode]
    y = F.conv2d(xt, used, stride=stride, padding=pad)  # torch conv2d is a cross-correlation
    g = rng.integers(-2, 3, size=tuple(y.shape[2:])).astype(float)
    y.backward(torch.tensor(g[None, None]))
    values = solve(
        "conv.arrays",
        {
            "x": x.tolist(),
            "k": k.tolist(),
            "op": op,
            "mode": mode,
            "stride": stride,
            "upstream": g.tolist(),
        },
    ).values
    assert _arr(values["y"]) == pytest.approx(y.detach().numpy()[0, 0])
    assert _arr(values["dL/dx"]) == pytest.approx(xt.grad.numpy()[0, 0])
    assert _arr(values["dL/dk"]) == pytest.approx(kt.grad.numpy()[0, 0])
