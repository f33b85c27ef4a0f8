"""CNN layer tables: output shapes, weight and bias shapes, parameter and activation counts.

* :mod:`solvers.cnn.shapes`: the per-axis arithmetic (convolution, pooling in floor and ceil
  mode, transposed convolution) and the padding forms an answer key may use;
* :mod:`solvers.cnn.layers`: ``cnn.layers``, a whole layer table;
* :mod:`solvers.cnn.gradients`: ``cnn.conv_gradients``, the shapes around one convolution.
"""

from solvers.cnn import gradients, layers
from solvers.cnn.shapes import (
    conv_out,
    conv_transpose_out,
    pool_out_ceil,
    resolve_padding,
)

__all__ = [
    "conv_out",
    "conv_transpose_out",
    "gradients",
    "layers",
    "pool_out_ceil",
    "resolve_padding",
]
