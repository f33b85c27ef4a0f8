"""Pure imaging layer of the scan pipeline.

- ``qrcodes``: page QR payloads with a check value; reading them back from scans.
- ``copies``: printable copies of an exam, every page stamped (QR code, corner markers).
- ``pages``: split an upload (PDF, PNG, JPEG, TIFF, ZIP) into page images, with limits.
- ``align``: quarter turn, deskew and registration on the corner markers; region crops.
- ``placement``: reconcile QR reads with the printed copies (missing, duplicated pages).
- ``fakescan``: written-on, badly scanned copies for demos and tests, with a manifest.
- ``ocr``: offline transcription engines and checks on the form of a read.
- ``layout``: the printed geometry shared by ``copies`` and ``align``.

No Django, Celery or settings import here (enforced by ``exams/scanning/ruff.toml``); the
Django services and tasks in ``exams/`` call these functions with bytes, images and ids.
Measurements behind the choices: docs/pipeline-measurements.md.
"""
