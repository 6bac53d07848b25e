# Two commands do everything: `make run` and `make test` (each creates .venv on first use).
# `make class` serves a whole class: one replica per core behind HAProxy (README: "Deploying for a class").
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

# make class: CLASS_PORT is where students connect; REPLICAS (default: one per core) run on this machine;
# REMOTE lists replicas on other machines, "host:port host:port …", started there with `make replicas`.
CLASS_PORT ?= 8501
REPLICAS ?=
REMOTE ?=

.PHONY: run class replicas test pretrained bench messages clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.port 8501 --server.headless true

class: $(STAMP)
	$(PY) -m deploy --port $(CLASS_PORT) $(if $(REPLICAS),--replicas $(REPLICAS)) $(if $(REMOTE),--remote $(REMOTE))

replicas: $(STAMP)
	$(PY) -m deploy --replicas-only $(if $(REPLICAS),--replicas $(REPLICAS))

test: $(STAMP)
	$(VENV)/bin/ruff check app.py pages ui playground tests bench deploy
	$(PY) -m pytest -n 2 --dist loadfile -q -rs

pretrained: $(STAMP)
	$(PY) -m playground.pretrain

# Re-extract every _() string and merge it into each language's catalogue (then translate the new entries).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F ui/locale/babel.cfg -k N_ -k ngettext:1,2 --add-location=file --sort-by-file \
		--omit-header -o ui/locale/messages.pot .
	$(VENV)/bin/pybabel update -i ui/locale/messages.pot -d ui/locale -D messages --no-wrap --ignore-obsolete --no-fuzzy-matching

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache artifacts
