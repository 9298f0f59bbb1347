# Two commands for a fresh machine with Python 3.11+, pip and make:
#   make demo   renders every demo report into reports/demo/
#   make test   runs the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint lab clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/install.stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/test.stamp: pyproject.toml $(VENV)/install.stamp
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/lab.stamp: pyproject.toml $(VENV)/install.stamp
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	touch $@

demo: $(VENV)/install.stamp
	$(BIN)/impact demo

test: $(VENV)/test.stamp
	$(BIN)/ruff check impact tests bench
	$(BIN)/python -m pytest

lint: $(VENV)/test.stamp
	$(BIN)/ruff check impact tests bench
	$(BIN)/ruff format --check impact tests bench

lab: $(VENV)/lab.stamp
	$(BIN)/jupyter lab --allow-root notebooks/

clean:
	rm -rf $(VENV) reports/demo
