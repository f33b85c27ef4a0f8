"""Pure solver library: recompute every numeric part of a deep-learning exam with worked steps.

No Django, Celery or settings import here (enforced by ``solvers/ruff.toml``).
"""
