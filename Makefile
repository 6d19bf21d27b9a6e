# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two stamps: running needs only the program; the test tools come with `make test`. Both install from a lock file
# with hashes (requirements/, written by `make lock`): a desk gets exactly the releases the tests ran on, each file
# checked against its hash; then the program itself, editable, without dependencies, built by the locked setuptools.
# test.lock is desk.lock plus the test tools at the same versions, so it also satisfies the run stamp: `make run`
# after `make test` installs nothing, and `make test` after `make run` adds only the test tools.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
DESK_LOCK := requirements/desk.lock
TEST_LOCK := requirements/test.lock
INSTALL_SELF := $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
ARGS ?=

.PHONY: run test lint lock bench drills mutation deps-debian clean gallery demo-clinic

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml $(DESK_LOCK) | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $(DESK_LOCK)
	$(INSTALL_SELF)
	@touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml $(TEST_LOCK) | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	$(INSTALL_SELF)
	@touch $(TEST_STAMP) $(RUN_STAMP)

# Rewrites both lock files with the newest releases that pyproject.toml's ranges allow (PySide6 stays in its tested
# minor), for CPython 3.11, the desks' Python. Then `make test`, and commit the lock files with the change.
# pip-tools runs in a venv of its own, so it never enters a lock. LOCK_ARGS="--upgrade-package numpy" for one package.
LOCK_VENV := .venv-lock
LOCK_ARGS ?= --upgrade
PIP_COMPILE := $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --build-deps-for editable \
  --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet pip-tools
	$(PIP_COMPILE) -o $(DESK_LOCK) pyproject.toml
	$(PIP_COMPILE) --extra test -c $(DESK_LOCK) -o $(TEST_LOCK) pyproject.toml

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

# The screenshots of docs/gallery/ (README), rendered offscreen from real simulated sessions in about 1.5 minutes.
gallery: $(RUN_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) docs/gallery.py

# Two desks sharing a throwaway clinic database (PostgreSQL from this machine's binaries; Debian package postgresql).
# Ctrl+C stops both desks and removes the server. e.g. make demo-clinic ARGS=--headless   (no screen)
demo-clinic: $(RUN_STAMP)
	$(PY) docs/demo_clinic.py $(ARGS)

bench: $(RUN_STAMP)
	$(PY) benchmarks/decode.py
	$(PY) benchmarks/ui.py
	$(PY) benchmarks/storage.py
	$(PY) benchmarks/station.py
	$(PY) benchmarks/hub.py
	$(PY) benchmarks/hl7_outbox.py

# The robustness drills of the README's "Proof of robustness" (about 35 minutes in all).
drills: $(RUN_STAMP)
	$(PY) benchmarks/fuzz.py
	$(PY) benchmarks/false_acceptance.py
	$(PY) benchmarks/reconnect.py
	$(PY) benchmarks/crash.py
	$(PY) benchmarks/soak.py
	$(PY) benchmarks/poison.py

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
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache .hypothesis
