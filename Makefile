# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: run test lint bench drills deps-debian clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Starts the GUI; without --port in ARGS it connects to the built-in simulated bedside monitor.
# e.g. make run ARGS="--scenario ketamine-hypertension --speed 10"   or   make run ARGS="--port /dev/ttyUSB0"
run: $(STAMP)
	$(VENV)/bin/infusion-monitor $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check monitor tests benchmarks docs
	$(VENV)/bin/lint-imports

# The whole suite, headless (tests/conftest.py sets QT_QPA_PLATFORM=offscreen).
test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/decode.py
	$(PY) benchmarks/ui.py
	$(PY) benchmarks/storage.py
	$(PY) benchmarks/station.py

# The robustness drills of the README's "Proof of robustness" (about 20 minutes in all).
drills: $(STAMP)
	$(PY) benchmarks/fuzz.py
	$(PY) benchmarks/reconnect.py
	$(PY) benchmarks/crash.py
	$(PY) benchmarks/soak.py

# Debian packages for a real window (xcb) and for QtMultimedia sound; not needed by the test suite.
deps-debian:
	apt-get update
	apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libpulse0

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
