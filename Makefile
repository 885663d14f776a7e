# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVER_STAMP := $(VENV)/.installed-server
ALL_STAMP := $(VENV)/.installed-all
HOST ?= 127.0.0.1
PORT ?= 3978
DATABASE_URL ?= sqlite+aiosqlite:///./rota.db

.PHONY: run test bench setup system-packages clean

# The service alone: what `make run` needs on a fresh machine.
$(SERVER_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[server]'
	touch $@

# Everything the suite drives: the tray extra builds PyGObject and pycairo against the
# Debian headers, so the Debian packages come first.
$(ALL_STAMP): $(SERVER_STAMP) pyproject.toml | system-packages
	$(BIN)/pip install --quiet -e '.[server,tray,test]'
	touch $@

setup: $(ALL_STAMP)

run: $(SERVER_STAMP)
	$(BIN)/rota serve --host $(HOST) --port $(PORT) --database-url '$(DATABASE_URL)'

# Debian packages the suite drives for real (display server, tray host, notification
# daemon, Alertmanager, Chromium). Installed only when missing, and only as root.
system-packages:
	@bash scripts/system-packages.sh

test: system-packages $(ALL_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=15 tests --ignore=tests/benchmarks

bench: system-packages $(ALL_STAMP)
	$(BIN)/python -m tests.benchmarks

clean:
	rm -rf $(VENV) rota.db rota.db-wal rota.db-shm
