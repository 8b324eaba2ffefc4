# wastealloc: the two commands of the README.
#   make run    set up .venv, solve runs/baseline.toml, write runs/baseline/ (tables and maps)
#   make test   set up .venv, run the whole test suite (with ruff and mypy inside it)
# Needs only Python >= 3.11, pip and make; packages come from PyPI, pinned by constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install bench lock clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/wastealloc validate
	$(BIN)/wastealloc solve runs/baseline.toml

# Hypothesis keeps its example database and constants cache inside .venv, not in the clone.
test: $(STAMP)
	HYPOTHESIS_STORAGE_DIRECTORY=$(VENV)/hypothesis $(BIN)/python -m pytest

# Benchmarks (not part of the tests): time and memory as ratios to a floor built in the same
# run (the same LP straight from the data, solved by highspy); BENCH_ARGS=--quick for a short run.
# Then studies: re-solve against rebuild per point, and a study on 1 worker against every core
# (BENCH_STUDY_ARGS="--points 100" for a short run). Last, `wastealloc solve` from the shell
# (BENCH_SHELL_ARGS="--repeat 3" for a short run).
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/studies.py $(BENCH_STUDY_ARGS)
	$(BIN)/python bench/shell.py $(BENCH_SHELL_ARGS)

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
