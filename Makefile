# povertyrelief — 精准扶贫管理系统
# make run    set up everything, seed the demo county, serve on 127.0.0.1:$(PORT)
# make test   set up, then run the whole suite (PostgreSQL when DATABASE_URL is set)
# make serve  production shape: DEBUG=0, gunicorn + task worker, WhiteNoise (bin/serve)
# make load   many users at once against make serve on PostgreSQL (bench/load)

SHELL := /bin/bash
PORT ?= 8000
# The settings default to production (DEBUG off, SECRET_KEY required); every
# target here is for development, so DEBUG=1 unless the environment says
# otherwise (a deployment running `make setup` exports DEBUG=0 and SECRET_KEY).
export DEBUG ?= 1
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
SYSLIB_STAMP := var/.system-libraries-checked
PYTHON ?= $(shell for c in python3.13 python3.12 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then echo $$c; break; fi; done)

.PHONY: run setup test e2e bench load venv system-libs migrate seed serve worker clean check-python

run: setup seed
	@echo ""
	@echo "演示账户（仅供演示，生产环境请删除）："
	@awk -F'\t' '{ printf "  %-16s %-12s %-12s %s %s\n", $$1, $$2, $$3, $$4, $$5 }' var/demo-accounts.tsv
	@echo ""
	@echo "服务地址： http://127.0.0.1:$(PORT)/   （后台任务进程日志：var/worker.log）"
	@$(PY) manage.py task_worker --no-startup-delay > var/worker.log 2>&1 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT)

setup: venv system-libs migrate

# The production shape on this machine, in the foreground until Ctrl-C:
# DEBUG=0, SECRET_KEY (else var/secret_key), migrations, collectstatic when
# static files changed, gunicorn on 127.0.0.1:$(PORT) with WORKERS processes
# (default 2 × cores) and TASK_WORKERS task workers (default 1), against
# DATABASE_URL (default the SQLite file make run uses). See bin/serve.
serve: venv system-libs
	@PORT=$(PORT) $(PY) bin/serve

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "未找到 Python 3.12 或更新版本（Django 6.1 需要）。请安装 python3.12 或 python3.13（例如 apt-get install python3.13 python3.13-venv），或用 PYTHON=/path/to/python3.12 指定。" >&2; \
		exit 1; fi

$(PY): | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

# WeasyPrint needs Pango; HarfBuzz's subsetter keeps CJK PDFs fast.
system-libs: $(SYSLIB_STAMP)
$(SYSLIB_STAMP):
	@missing=""; for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do \
		ldconfig -p | grep -q "$$lib" || missing="$$missing $$lib"; done; \
	if [ -n "$$missing" ]; then \
		pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
		if [ "$$(id -u)" = "0" ]; then \
			echo "安装 WeasyPrint 所需系统库：$$pkgs"; \
			(apt-get install -y -qq $$pkgs >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$pkgs)) || exit 1; \
		else \
			echo "缺少系统库：$$missing。请以管理员身份运行：sudo apt-get install -y $$pkgs" >&2; exit 1; \
		fi; \
	fi
	@mkdir -p var && touch $(SYSLIB_STAMP)

migrate: venv
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v0

seed: setup
	@$(PY) manage.py seed_demo --if-empty
	@test -f var/demo-accounts.tsv || { echo "var/demo-accounts.tsv 缺失：请删除 var/povertyrelief.sqlite3 后重新运行 make run" >&2; exit 1; }

test: venv system-libs
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

e2e: venv system-libs
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
		if [ "$$(id -u)" = "0" ]; then (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)); \
		else echo "浏览器测试需要 Chromium：sudo apt-get install -y chromium" >&2; exit 1; fi; }
	DJANGO_ALLOW_ASYNC_UNSAFE=1 $(PY) -m pytest -m e2e $(PYTEST_ARGS)

# Its own database (var/bench.sqlite3, 150,000 households), so the demo database
# is left alone; DATABASE_URL=postgres://... runs it on PostgreSQL.
# BENCH_ARGS="--only household_list"; python -m bench --help lists the options.
bench: venv system-libs
	$(PY) -m bench $(BENCH_ARGS)

# Township and village staff and county viewers at once (Locust, headless,
# bounded in time, only against 127.0.0.1) on the demo county in PostgreSQL:
# DATABASE_URL names it (seed_demo done). Uses the server on $(PORT), or
# starts make serve there when nothing listens (and stops it afterwards).
# LOAD_ARGS="--users 100 --time 60", or "--ceiling 50,100,150,200".
# Locust has its own virtual environment (requirements-load.txt).
LOAD_VENV := var/load/venv
LOAD_STAMP := $(LOAD_VENV)/.requirements-installed

$(LOAD_STAMP): requirements-load.txt | $(PY)
	@mkdir -p var/load
	@test -x $(LOAD_VENV)/bin/python || $(PY) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet -r requirements-load.txt
	touch $(LOAD_STAMP)

load: venv system-libs $(LOAD_STAMP)
	@PORT=$(PORT) $(PY) -m bench.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var
