"""Losses and output layers, in exact arithmetic: softmax, cross-entropy, (multi-label)
binary cross-entropy, mean squared error, label smoothing, the multiclass hinge (SVM) loss,
linear classifier scores.

Conventions: ``log`` is the natural logarithm unless ``base`` says otherwise; class indices
in parameters are **1-based** (``target_class: 3`` is the third class, as written in exams).
Decimal inputs are read as exact rationals, so ``-log(0.3)`` is kept as ``-log(3/10)``.
"""

from solvers.losses import batch, classification, hinge, regression, scores

__all__ = ["batch", "classification", "hinge", "regression", "scores"]
