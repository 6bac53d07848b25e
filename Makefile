# Two commands do everything: `make run` and `make test` (each creates .venv on first use).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test pretrained bench messages clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.port 8501 --server.headless true

test: $(STAMP)
	$(VENV)/bin/ruff check app.py pages ui playground tests bench
	$(PY) -m pytest -n 2 --dist loadfile -q -rs

pretrained: $(STAMP)
	$(PY) -m playground.pretrain

# Re-extract every _() string and merge it into each language's catalogue (then translate the new entries).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F ui/locale/babel.cfg -k N_ -k ngettext:1,2 --add-location=file --sort-by-file \
		--omit-header -o ui/locale/messages.pot .
	$(VENV)/bin/pybabel update -i ui/locale/messages.pot -d ui/locale -D messages --no-wrap --no-fuzzy-matching

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache artifacts
