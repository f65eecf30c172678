# Two commands from a fresh clone: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test install corpus serve browser voices bench clean

run: install corpus serve

install: $(STAMP)

# torch first, pinned: any other version pulls gigabytes of CUDA.
$(STAMP): setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Clout needs $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test,ray]'
	touch $(STAMP)

corpus: install
	$(VENV)/bin/clout --data-dir $(DATA_DIR) ingest corpus/

serve: install
	$(VENV)/bin/clout --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's chromium; install it when it is missing.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Test conversations are spoken by Debian's espeak-ng beside the hibari voice bundled in its wheel.
voices:
	@command -v espeak-ng >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq espeak-ng >/dev/null; }

test: install browser voices
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) scripts/bench_search.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
