"""Computation graphs: forward values and reverse-mode backpropagation with worked steps.

See :mod:`solvers.graph.ops` for the operations and their conventions, and
:mod:`solvers.graph.engine` for how equations become a graph.
"""
