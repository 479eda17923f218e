# The two Quick-start commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshots hazard-log clean

$(STAMP): pyproject.toml requirements.lock
	@bash packaging/system-deps.sh
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
	@$(VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# Launch the app on the demo organisation (kept in .demo-data/, created on first run).
run: $(STAMP)
	$(VENV)/bin/waymark --data-dir .demo-data

test: $(STAMP)
	$(VENV)/bin/ruff check .
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(VENV)/bin/python tests/bench/store_notes.py
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python tests/bench/ui_timings.py
	$(VENV)/bin/python tests/bench/sync_server.py

screenshots: $(STAMP)
	$(VENV)/bin/python -m ui.screenshots screenshots

# Re-render the clinical hazard log from its data and check every control cites real tests.
hazard-log: $(STAMP)
	$(VENV)/bin/python docs/clinical-safety/render_hazard_log.py

clean:
	rm -rf $(VENV) .demo-data build *.egg-info
