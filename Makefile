# Two commands for a fresh machine with Python 3.11+, pip and make:
#   make demo   renders every demo report into reports/demo/
#   make test   runs the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint lab clean chromium bench audit wheel

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

$(VENV)/audit.stamp: pyproject.toml $(VENV)/install.stamp
	$(BIN)/python -m pip install --quiet -e ".[audit]"
	touch $@

demo: $(VENV)/install.stamp
	$(BIN)/impact demo

# The browser test drives Debian's chromium (playwright's own browser downloads are not
# used). Installed with apt-get when missing; that needs root, as on CI.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test (apt-get, needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: $(VENV)/test.stamp chromium
	$(BIN)/ruff check impact tests bench
	$(BIN)/python -m pytest

lint: $(VENV)/test.stamp
	$(BIN)/ruff check impact tests bench
	$(BIN)/ruff format --check impact tests bench

bench: $(VENV)/install.stamp
	$(BIN)/python bench/report_render.py

# Known vulnerabilities (PyPI's advisory data) in every installed package; needs network.
# --strict: a package that could not be looked up fails the audit instead of passing
# unchecked. The project itself is not on PyPI, hence --skip-editable.
audit: $(VENV)/audit.stamp
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

# The wheel of the distribution impact-evaluation in dist/ (package data included).
wheel: $(VENV)/test.stamp
	$(BIN)/python -m pip wheel . --no-deps --no-build-isolation -w dist/

lab: $(VENV)/lab.stamp
	$(BIN)/jupyter lab --allow-root notebooks/

clean:
	rm -rf $(VENV) reports/demo dist
