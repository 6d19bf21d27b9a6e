# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two stamps: running needs only the program (`-e .`); the test tools come with `make test` (`-e .[test]`).
# The test install includes the program, so it also satisfies the run stamp: `make run` after `make test` installs
# nothing, and `make test` after `make run` adds only the test extras.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
ARGS ?=

.PHONY: run test lint bench drills mutation deps-debian clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(TEST_STAMP) $(RUN_STAMP)

# Starts the GUI; without --port in ARGS it connects to the built-in simulated bedside monitor.
# e.g. make run ARGS="--scenario ketamine-hypertension --speed 10"   or   make run ARGS="--port /dev/ttyUSB0"
run: $(RUN_STAMP)
	$(VENV)/bin/infusion-monitor $(ARGS)

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check monitor tests benchmarks docs
	$(VENV)/bin/lint-imports

# The whole suite, headless (tests/conftest.py sets QT_QPA_PLATFORM=offscreen).
test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(RUN_STAMP)
	$(PY) benchmarks/decode.py
	$(PY) benchmarks/ui.py
	$(PY) benchmarks/storage.py
	$(PY) benchmarks/station.py

# The robustness drills of the README's "Proof of robustness" (about 35 minutes in all).
drills: $(RUN_STAMP)
	$(PY) benchmarks/fuzz.py
	$(PY) benchmarks/false_acceptance.py
	$(PY) benchmarks/reconnect.py
	$(PY) benchmarks/crash.py
	$(PY) benchmarks/soak.py

# Mutation score of the core rules with their fast unit tests (about 15 minutes on 2 cores; see the script).
# e.g. make mutation ARGS="--only alarms"   or   make mutation ARGS="--sample 0.3"
mutation: $(TEST_STAMP)
	nice -n 10 $(PY) benchmarks/mutation.py $(ARGS)

# Debian packages for a real window (xcb) and for the alarm sound: libpulse0 for QtMultimedia, and the fallback
# players paplay (pulseaudio-utils) and aplay (alsa-utils). Then check the desk: `infusion-monitor sound-check`.
deps-debian:
	apt-get update
	apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 \
	  libpulse0 pulseaudio-utils alsa-utils

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
