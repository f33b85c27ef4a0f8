"""``cnn.conv_gradients``: the shapes around one convolution, forward and backward."""

from __future__ import annotations

from dataclasses import dataclass

from solvers.cnn.layers import CONVENTIONS, Convention
from solvers.cnn.shapes import Padding
from solvers.core import ParameterError, Solution
from solvers.registry import solver
from solvers.schema import param
from solvers.values import Shape
from solvers.worked import Worked


@dataclass(frozen=True)
class ConvGradParams:
    input: list[int] = param("input shape, e.g. [128, 128, 1] (HWC) or [1, 128, 128] (CHW)")
    kernel: int | list[int] = param("kernel size")
    filters: int = param("output channels", 1)
    stride: int | list[int] = param("stride", 1)
    dilation: int | list[int] = param("dilation", 1)
    padding: Padding = param("padding (see cnn.layers)", "valid")
    groups: int = param("groups", 1)
    bias: bool = param("the convolution has a bias", False)
    convention: Convention = param("axis order", "HWC", choices=CONVENTIONS)
    names: dict[str, str] = param(
        "extra names for the values, e.g. {x: output, epsilon: grad_output, delta: grad_input, g_w: grad_weight}",
        factory=dict,
    )


@solver(
    "cnn.conv_gradients",
    ConvGradParams,
    example={"input": [128, 128, 1], "kernel": 3, "padding": "valid"},
)
def conv_gradients(p: ConvGradParams) -> Solution:
    """Shapes around one convolution ``y = conv(x, w)``: forward output and the gradients.

    The gradient of a loss with respect to any tensor has that tensor's shape, so
    ``dL/dy`` is shaped like ``y``, ``dL/dx`` like ``x`` and ``dL/dw`` like ``w``.
    Values: ``input``, ``output``, ``weight``, ``grad_output``, ``grad_input``,
    ``grad_weight`` (and ``bias``/``grad_bias`` with a bias), plus any ``names`` aliases.
    """
    from solvers.registry import solve

    layer = {
        "type": "conv",
        "filters": p.filters,
        "kernel": p.kernel,
        "stride": p.stride,
        "dilation": p.dilation,
        "padding": p.padding,
        "groups": p.groups,
        "bias": p.bias,
        "name": "y",
    }
    if len(p.input) < 2:
        raise ParameterError("input", "a convolution needs spatial axes and a channel axis")
    inner = solve("cnn.layers", {"input": p.input, "convention": p.convention, "layers": [layer]})
    x = Shape(tuple(p.input), p.convention)
    y, weight = inner.values["y.output"], inner.values["y.weights"]
    assert isinstance(y, Shape)
    assert isinstance(weight, Shape)
    values = {"input": x, "output": y, "weight": weight}
    values |= {"grad_output": y, "grad_input": x, "grad_weight": weight}
    if p.bias:
        values |= {"bias": inner.values["y.bias"], "grad_bias": inner.values["y.bias"]}  # type: ignore[dict-item]
    for alias, target in p.names.items():
        if target not in values:
            raise ParameterError(
                f"names.{alias}", f"unknown value {target!r}; known: {', '.join(values)}"
            )
        values[alias] = values[target]

    w = Worked()
    for step in inner.steps[1:-1]:
        w.step(step.text, step.latex)
    order = "kh x kw x C_in x C_out" if p.convention in ("HWC", "LC") else "C_out x C_in x kh x kw"
    w.step(
        "A gradient has the shape of the tensor it differentiates with respect to: "
        f"dL/dy {_txt(y)}, dL/dx {_txt(x)}, dL/dw {_txt(weight)} ({order}).",
        rf"\frac{{\partial L}}{{\partial y}} \in \mathbb{{R}}^{{{y.latex()}}},\ "
        rf"\frac{{\partial L}}{{\partial x}} \in \mathbb{{R}}^{{{x.latex()}}},\ "
        rf"\frac{{\partial L}}{{\partial w}} \in \mathbb{{R}}^{{{weight.latex()}}}",
    )
    for name, value in values.items():
        w.value(name, value)
    for note in inner.notes:
        w.note(note)
    return w.solution()


def _txt(shape: Shape) -> str:
    return " x ".join(map(str, shape.dims))
