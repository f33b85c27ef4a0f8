"""The pipeline's OCR engine is the one ``OCR_ENGINE`` names, loaded once per process."""

from __future__ import annotations

import pytest

from exams.pipeline import engine as engine_module
from exams.scanning import ocr


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine_module.engine.cache_clear()
    yield
    engine_module.engine.cache_clear()


def test_auto_takes_the_best_engine_installed(settings):
    settings.OCR_ENGINE = "auto"
    assert type(engine_module.engine()) is type(ocr.default_engine())


def test_it_loads_the_engine_once(settings):
    settings.OCR_ENGINE = "rapidocr"
    first = engine_module.engine()
    assert isinstance(first, ocr.RapidOcrRecogniser)
    assert engine_module.engine() is first


def test_an_engine_chosen_but_not_installed_is_none_not_another(settings, monkeypatch):
    settings.OCR_ENGINE = "tesseract"
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)
    assert engine_module.engine() is None
