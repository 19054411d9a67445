# The README's commands. Everything installs into .venv with plain pip (torch pinned to the CPU build).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install demo test clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@start=$$(date +%s); \
	python3 -m venv $(VENV) && \
	$(PIP) install --quiet --disable-pip-version-check torch==2.13.0 && \
	$(PIP) install --quiet --disable-pip-version-check -e '.[test]' && \
	touch $(STAMP) && \
	echo "installed in $$(( $$(date +%s) - start )) s"

demo: install
	$(VENV)/bin/espejo demo

test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
