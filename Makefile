# Two commands for a new user: `make reports` (the main job) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DATASET ?= data/sample
OUT    ?= reports

.PHONY: reports test bench lint validate sample clean-reports

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

reports: $(VENV)/.installed
	$(PY) -m assessment score $(DATASET) --out $(OUT)
	@echo "Scores and diagnosis written to $(OUT)/ (scores.csv, findings.csv, summary.json)"

validate: $(VENV)/.installed
	$(PY) -m assessment validate $(DATASET)

test: $(VENV)/.installed
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

sample: $(VENV)/.installed
	$(PY) scripts/make_sample_data.py --out data/sample

clean-reports:
	find $(OUT) -mindepth 1 ! -name README.md -delete
