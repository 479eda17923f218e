# The two Quick-start commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test named-mutants lint bench screenshots hazard-log mutation mutation-ci clean

$(STAMP): pyproject.toml requirements.lock
	@bash packaging/system-deps.sh
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
	@$(VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# The demo with real sync: a local waymark-server (loopback, port 8765 or WAYMARK_DEMO_PORT) holding the demo
# organisation, the demo worker's laptop enrolled against it, the server stopped when the app exits. All in
# .demo-data/ (server/ and worker/), created on first run (ui/demo_run.py).
run: $(STAMP)
	$(VENV)/bin/python -m ui.demo_run .demo-data

# The pure rule modules whose mutants the fast tests kill in minutes (about 270 mutants), and the sync server's
# signed cursor (124): `make mutation-ci`. Not part of `make test`: on this 2-core machine the app modules took
# 4.5–12 minutes beside a 10-minute suite, and the escalation and missed-contact modules take most of an hour each
# here (tests/MUTANTS.md: measured whole by hand). Measured 2 December 2026 at load 5–7 (tests/MUTANTS.md):
# sync.server.cursor* 17 min 9 s, of which mutmut's one stats pass over every selected test (now tests/app,
# tests/storage and the sync rule tests on SQLite) was 2.5 min and the 124 mutants' tests 4.7 min. The scope
# rules (sync.server.scope*, 463 mutants) took 28.6 min and are in `make mutation` only.
CI_MUTANTS := app.hours* app.nhs_number* app.pathways* sync.server.cursor*

# After the suite, the wrong rules issue 15 names (tests/named_mutants.toml), each applied to a copy of the tree:
# every one must make its tests fail. WAYMARK_NAMED_MUTANTS=all runs those kept out of CI too (tests/MUTANTS.md).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest
	$(VENV)/bin/python tests/named_mutants.py

named-mutants: $(STAMP)
	WAYMARK_NAMED_MUTANTS=all $(VENV)/bin/python tests/named_mutants.py

mutation-ci: $(STAMP)
	@$(MAKE) --no-print-directory mutation MUTANTS='$(CI_MUTANTS)'

bench: $(STAMP)
	$(VENV)/bin/python tests/bench/store_notes.py
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python tests/bench/ui_timings.py
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python tests/bench/save_during_sync.py
	$(VENV)/bin/python tests/bench/sync_server.py

# Mutation testing of the rule modules ([tool.mutmut] in pyproject.toml) against tests/app and tests/storage, and
# of the sync server's rules (sync/server/cursor.py, scope.py) against the sync tests that reach them on SQLite:
# prints the kill rate per module and every surviving mutant, and fails below 90 % killed on any module.
# Narrow it with e.g. `make mutation MUTANTS='app.hours*'`; tests/MUTANTS.md explains the survivors we keep.
# A stopped run continues where it stopped with `make mutation RESUME=1` (mutmut keeps each verdict in mutants/):
# only when neither the rule modules nor their tests changed since, or the verdicts kept are stale.
MUTANTS ?=
RESUME ?=
mutation: $(STAMP)
	$(if $(RESUME),,rm -rf mutants)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/mutmut run --max-children 2 $(MUTANTS)
	$(VENV)/bin/python tests/mutation_report.py

screenshots: $(STAMP)
	$(VENV)/bin/python -m ui.screenshots screenshots

# Re-render the clinical hazard log from its data and check every control cites real tests.
hazard-log: $(STAMP)
	$(VENV)/bin/python docs/clinical-safety/render_hazard_log.py

clean:
	rm -rf $(VENV) .demo-data build *.egg-info mutants
