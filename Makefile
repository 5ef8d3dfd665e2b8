# housing: the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app housing
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
MO := housing/translations/en/LC_MESSAGES/messages.mo
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run` is a local trial: development settings (cookies over plain http). Deployments set HOUSING_ENV=production.
RUN_ENV ?= development

.PHONY: help setup run test test-sqlite test-postgresql bench lint translations-extract clean

help:
	@echo "make run    set up, migrate, load the demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite (SQLite; PostgreSQL too when HOUSING_TEST_DATABASE_URL is set)"
	@echo "make bench  the city-scale benchmark on SQLite and PostgreSQL (about 20 minutes; bench/README.md)"
	@echo "make lint   ruff over the code"

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(MO): $(STAMP) housing/translations/en/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --use-fuzzy -d housing/translations

instance/config.py:
	@mkdir -p instance
	@$(PYTHON) -c 'import secrets; print("# Written by make run. Local settings; never committed.\nSECRET_KEY = " + repr(secrets.token_hex(32)))' > $@
	@echo "Wrote $@ with a new SECRET_KEY."

setup: $(STAMP) $(MO)

run: setup instance/config.py
	HOUSING_ENV=$(RUN_ENV) $(FLASK) db upgrade
	HOUSING_ENV=$(RUN_ENV) $(FLASK) demo-data
	@echo "Serving on http://$(HOST):$(PORT), the scheduler beside it (Ctrl+C stops both)"
	@HOUSING_ENV=$(RUN_ENV) $(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	HOUSING_ENV=$(RUN_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

# With PostgreSQL configured the two runs go side by side (each run has a database of its own; on two cores the
# whole takes about as long as the PostgreSQL run alone): the SQLite run writes to sqlite-tests.log, shown
# when both are done.
test: setup
	@if [ -n "$$HOUSING_TEST_DATABASE_URL" ]; then \
		echo "SQLite run in the background (sqlite-tests.log, shown at the end); PostgreSQL run:"; \
		$(BIN)/pytest --db=sqlite $(PYTEST_ARGS) > sqlite-tests.log 2>&1 & sqlite=$$!; \
		$(BIN)/pytest --db=postgresql $(PYTEST_ARGS); postgresql=$$?; \
		wait $$sqlite; sqlite=$$?; \
		echo; echo "SQLite run:"; cat sqlite-tests.log; \
		echo; echo "PostgreSQL: $$([ $$postgresql -eq 0 ] && echo passed || echo FAILED); SQLite: $$([ $$sqlite -eq 0 ] && echo passed || echo FAILED)"; \
		[ $$postgresql -eq 0 ] && [ $$sqlite -eq 0 ]; \
	else \
		$(BIN)/pytest --db=sqlite $(PYTEST_ARGS) && \
		echo "PostgreSQL run skipped: HOUSING_TEST_DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)."; \
	fi

test-sqlite: setup
	$(BIN)/pytest --db=sqlite $(PYTEST_ARGS)

test-postgresql: setup
	$(BIN)/pytest --db=postgresql $(PYTEST_ARGS)

# Not part of `make test`: fills databases with city-scale data and loads the app under gunicorn (bench/README.md).
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--databases sqlite --reuse".
bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check housing tests

# After adding or changing user-facing strings: extract them, then translate the new English entries.
translations-extract: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* __pycache__" \
		--sort-output --no-wrap --omit-header -o housing/translations/messages.pot .
	$(BIN)/pybabel update -i housing/translations/messages.pot -d housing/translations --no-wrap --ignore-obsolete --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
