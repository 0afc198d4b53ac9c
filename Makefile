# Byline: `make demo` runs the site with demo content; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_ENV := BYLINE_DEMO=1
PG_URL ?= postgres://postgres@127.0.0.1:5432/byline
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install install-test demo serve test test-sqlite test-postgres lint messages screenshot clean
.PHONY: cluster cluster-stop cluster-status

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v 0

install-test: $(VENV)/.installed-test
	bash scripts/ensure-system-packages.sh

demo: install
	$(DEMO_ENV) $(PY) manage.py load_demo
	@echo "Byline is at http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	$(DEMO_ENV) $(VENV)/bin/gunicorn byline.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

test: install-test
	bash scripts/ensure-services.sh
	PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/run-tests.sh

test-sqlite:
	@echo "== Test suite on SQLite =="
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres:
	@echo "== Test suite on PostgreSQL, with Redis as the cache =="
	DATABASE_URL=$(PG_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check byline tests bench

messages: $(VENV)/.installed-test
	$(DEMO_ENV) $(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore "tests/*" --ignore "bench/*" --ignore "scripts/*" --ignore "staticfiles/*" --ignore "var/*"
	for table in $$(find byline -path '*/locale/zh_Hans/LC_MESSAGES/table.py'); do \
	  $(PY) scripts/fill_translations.py $$(dirname $$table)/django.po $$table || exit 1; done
	cd byline && $(DEMO_ENV) ../$(PY) ../manage.py compilemessages -l zh_Hans

cluster: $(VENV)/.installed
	bash scripts/ensure-cluster-packages.sh
	$(PY) deploy/cluster.py start

cluster-stop:
	$(PY) deploy/cluster.py stop

cluster-status:
	$(PY) deploy/cluster.py status

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
