# The two commands of the README: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint format check clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11).")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): install python3-venv (apt-get install python3-venv)."; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py compilemessages --ignore '.venv' -v 0 >/dev/null 2>&1 || true
	exec $(PY) manage.py runlocal

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

# The typed TypeScript client (docs/frontend.md): the schema, checked, to src/schema.d.ts, compiled strictly.
.PHONY: client
CLIENT := clients/typescript
$(CLIENT)/node_modules/.package-lock.json: $(CLIENT)/package.json $(CLIENT)/package-lock.json
	@command -v npm >/dev/null || { echo "make client needs Node.js 20+ and npm (apt-get install nodejs npm)."; exit 1; }
	cd $(CLIENT) && npm ci --no-audit --no-fund

client: $(STAMP) $(CLIENT)/node_modules/.package-lock.json
	@mkdir -p $(CLIENT)/build
	$(PY) manage.py spectacular --format openapi-json --validate --fail-on-warn --file $(CLIENT)/build/openapi.json
	cd $(CLIENT) && npm run --silent generate -- build/openapi.json && node_modules/.bin/tsc --strict -p tsconfig.json

# The benchmark of docs/performance.md, on the PostgreSQL database DATABASE_URL names (scale 100 is
# generated first when it is empty: 2.4 million rows), and the reports also on a scale-10 database
# beside it (DATABASE_URL's name + "_scale10", created and generated when missing). Tables go into
# docs/performance.md.
.PHONY: bench
BENCH_ARGS ?= --scale 100 --rounds 50 --write docs/performance.md
bench: $(STAMP)
	$(PY) -m perf.bench $(BENCH_ARGS)
