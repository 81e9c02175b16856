# Relasi: `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
CELERY_QUEUES ?= default,rollups,imports,mail

.PHONY: run test lint format migrate demo worker beat messages compilemessages serve clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Relasi needs Python 3.11 or newer")'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV). On Debian: apt-get install python3-venv"; exit 1; }
	@$(PIP) install --quiet --upgrade pip

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo

run: demo
	@echo "Relasi runs on http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Celery needs CELERY_BROKER_URL (Redis), e.g. redis://127.0.0.1:6379/0
worker: $(VENV)/.installed
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"; exit 1; }
	$(VENV)/bin/celery -A crm_project worker --loglevel=INFO -Q $(CELERY_QUEUES)

beat: $(VENV)/.installed
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"; exit 1; }
	$(VENV)/bin/celery -A crm_project beat --loglevel=INFO --schedule $(VENV)/celerybeat-schedule

# Production-style web server (set the production variables first, see README).
serve: $(VENV)/.installed
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn crm_project.wsgi:application --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

# Translators: needs gettext (apt-get install gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l id --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'test-artifacts/*'

compilemessages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
