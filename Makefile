# incentive_cli — run `make help` for the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test check bench docs clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP) ## Install, then run every program in programs/ on sample_data/ for 2017-Q2 and 2017-06 into out/
	$(BIN)/incentive validate programs --data sample_data
	$(BIN)/incentive run --programs programs --data sample_data --period 2017-Q2 --out out
	$(BIN)/incentive run --programs programs --data sample_data --period 2017-06 --out out  # monthly programs (rising-star)
	@echo "Try: $(BIN)/incentive explain 'Darcel Schlecht' --programs programs --data sample_data --period 2017-Q2"

test: $(STAMP) ## Install, then run the whole test suite
	$(BIN)/python -m pytest

check: $(STAMP) ## What CI runs: lint, type check, validate programs/, then the tests
	$(BIN)/ruff check incentive_cli tests benchmarks
	$(BIN)/mypy incentive_cli
	$(BIN)/incentive validate programs --data sample_data
	$(BIN)/python -m pytest

bench: $(STAMP) ## Benchmarks: 1,000,000 deals for 10,000 people; start-up times
	$(BIN)/python benchmarks/bench.py

clean: ## Remove out/ and caches (keeps .venv)
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

docs: $(STAMP) ## Regenerate the reference sections of README.md from the code
	$(BIN)/python -m incentive_cli.docs README.md
