# asm2wasm: `make demo` and `make test` set everything up on a fresh machine (a virtualenv in .venv, plus wabt).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT := out
FUZZ_SEEDS ?= 2000

.PHONY: demo test fuzz lint tools clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Tools the tests run for real: node (the asm.js reference and Wasm execution), wabt (wat2wasm), binaryen
# (wasm-opt, for -O) and chromium (the page tests). Debian packages, installed when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
tools:
	@command -v node >/dev/null || { echo "node is required (Node.js 18 or newer)"; exit 1; }
	@command -v wat2wasm >/dev/null && command -v wasm-opt >/dev/null || { \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wabt binaryen >/dev/null; }
	@# The browser tests (tests/browser) drive Debian's chromium through playwright (executable_path; no
	@# `playwright install`: its own browser download does not work everywhere).
	@test -x /usr/bin/chromium || { \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

demo: $(STAMP) tools
	@mkdir -p $(OUT)
	$(VENV)/bin/asm2wasm fixtures/demo/demo.asm.js -o $(OUT)/demo.wasm --js $(OUT)/demo.js
	node fixtures/demo/run.js $(OUT)/demo.js
	@echo "The Wasm module is $(OUT)/demo.wasm; its JS companion is $(OUT)/demo.js (and $(OUT)/demo.mjs)."

test: $(STAMP) tools
	$(PY) -m pytest -n 2 tests

fuzz: $(STAMP) tools
	FUZZ_SEEDS=$(FUZZ_SEEDS) $(PY) -m pytest -n 2 tests/fuzz

# Compile time per phase (vs V8's asm.js compile) and run time of the output (vs the original asm.js), same run.
.PHONY: bench
bench: $(STAMP) tools
	$(PY) benchmarks/run.py

# ammo.js's physics steps in headless Chromium, the original page against its migration (benchmarks/ammo_browser.py).
.PHONY: bench-browser
bench-browser: $(STAMP) tools
	$(PY) benchmarks/ammo_browser.py

# docs/screenshots/*.png: each browser fixture app, original (asm.js) beside migrated (Wasm), rendered by Chromium.
.PHONY: screenshots
screenshots: $(STAMP) tools
	$(PY) docs/screenshots.py

lint: $(STAMP)
	$(VENV)/bin/ruff check asm2wasm tests benchmarks docs

clean:
	rm -rf $(VENV) $(OUT) .cache .pytest_cache
