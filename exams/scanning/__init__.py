"""Pure imaging layer of the scan pipeline: QR codes, printable copies, page splitting,
alignment, fake scans for demos and tests, and offline transcription.

No Django, Celery or settings import here (enforced by ``exams/scanning/ruff.toml``); the
Django services and tasks in ``exams/`` call these functions with bytes, images and ids.
"""
