# OMS: `make run` serves the whole system on one machine; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
VAR := var
HOST ?= 127.0.0.1
PORT ?= 8001

.PHONY: run run-prod install install-dev migrate test lint audit bench clean vendor

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(VAR)/secret_key:
	mkdir -p $(VAR)/celery/queue $(VAR)/celery/processed $(VAR)/celery/control
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

migrate run: export OMS_SECRET_KEY_FILE ?= $(CURDIR)/$(VAR)/secret_key
migrate: install $(VAR)/secret_key
	$(PY) manage.py migrate --noinput
	$(PY) manage.py storage_init
	$(PY) manage.py collectstatic --noinput --verbosity 0

# Web (gunicorn), Celery worker and beat together (oms_project/serve.py); Ctrl-C or SIGTERM
# stops them all within 10 s.
run: migrate
	mkdir -p $(VAR)/celery/queue $(VAR)/celery/processed $(VAR)/celery/control
	$(PY) manage.py demo_setup --url http://$(HOST):$(PORT)
	exec $(PY) -m oms_project.serve --host $(HOST) --port $(PORT)

# The production layout on one machine (Procfile: two app servers on $(PORT), a worker, one
# beat), on the PostgreSQL and Redis the environment names (docs/deploy.md).
run-prod: export OMS_SECRET_KEY_FILE ?= $(CURDIR)/$(VAR)/secret_key
run-prod: install $(VAR)/secret_key
	@test -n "$$DATABASE_URL" || { echo "run-prod needs DATABASE_URL (PostgreSQL)"; exit 2; }
	@test -n "$$REDIS_URL$$REDIS_SENTINELS" || { echo "run-prod needs REDIS_URL or REDIS_SENTINELS"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py storage_init
	$(PY) manage.py collectstatic --noinput --verbosity 0
	OMS_HOST=$(HOST) OMS_PORT=$(PORT) exec $(PY) -m oms_project.serve --procfile Procfile

test: lint
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory audit

# Every installed distribution and the vendored JavaScript against the package indexes
# (docs/dependencies.md); part of lint.
audit: install-dev
	$(PY) tools/dependency_audit.py

bench: install-dev
	$(PY) bench/storage.py
	$(PY) bench/versioning.py
	$(PY) bench/api.py
	$(PY) bench/scale.py
	$(PY) bench/admin.py
	$(PY) bench/validation.py
	$(PY) bench/owl_import.py
	$(PY) bench/actions.py
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) $(VAR) .pytest_cache .ruff_cache

# The admin's JavaScript (the graph's cytoscape.js), vendored with its licence from the
# versions pinned in assets/package-lock.json; the output is committed, so `make run` needs
# no npm. Run after changing assets/package.json.
VENDOR := ontology/static/ontology/vendor
vendor:
	cd assets && npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)/cytoscape
	cp assets/node_modules/cytoscape/dist/cytoscape.min.js assets/node_modules/cytoscape/LICENSE \
		$(VENDOR)/cytoscape/
