# Two commands for a new user: `make reports` (the main job) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DATASET ?= data/sample
OUT    ?= reports
REPORTS_ARGS ?=
PORT   ?= 8866

.PHONY: reports test bench lint validate sample clean-reports lab workshop compile

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# One HTML report per company plus the portfolio page; pass options with
# REPORTS_ARGS, e.g. make reports REPORTS_ARGS="--lang de --force".
# Byte-compiled package modules: every report kernel imports them (PYTHONDONTWRITEBYTECODE
# would otherwise make each process compile them again, about 0.2 s).
compile: $(VENV)/.installed
	@$(PY) -m compileall -q assessment

reports: compile
	@$(PY) -m assessment reports $(DATASET) --out $(OUT) $(REPORTS_ARGS)

validate: $(VENV)/.installed
	$(PY) -m assessment validate $(DATASET)

# The layers contract (pyproject.toml, import-linter), then the tests and the package's
# docstring examples, on two workers (each test file stays on one worker).
test: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n 2 --dist loadfile

bench: compile
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

sample: $(VENV)/.installed
	$(PY) scripts/make_sample_data.py --out data/sample

clean-reports:
	find $(OUT) -mindepth 1 ! -name README.md -delete

# The live workshop (notebooks/workshop.ipynb) on $(DATASET); sessions are saved under
# $(DATASET)/workshops/. WORKSHOP_COMPANY, WORKSHOP_LANG (en, de, nl) and WORKSHOP_MODE
# (team, individual) may be set in the environment.
lab: $(VENV)/.installed
	WORKSHOP_DATASET="$(abspath $(DATASET))" $(VENV)/bin/jupyter lab notebooks/workshop.ipynb

workshop: $(VENV)/.installed
	@echo "Workshop on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	WORKSHOP_DATASET="$(abspath $(DATASET))" \
		JUPYTER_PATH="$(abspath assessment/workshop/share)$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
		$(VENV)/bin/voila notebooks/workshop.ipynb --no-browser --port=$(PORT) \
		--Voila.ip=127.0.0.1 $$($(PY) -m assessment.workshop.server_config)
