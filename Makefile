# The README's commands. Everything installs into .venv with plain pip (torch pinned to the CPU build).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install demo test test-seconds train bench browser redis clean

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

# Two pytest-xdist workers (the CI machine's two cores), whole test files each; tests/conftest.py
# groups the files that share the session's nightly run and starts the longest files first.
# `make test TEST_WORKERS=0` runs everything in one process.
TEST_WORKERS ?= 2
test: install browser redis
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The same run, then tests/file_seconds.json rewritten from it: the longest files start first next time.
test-seconds: install browser redis
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --record-file-seconds

# The real-browser test needs Debian's chromium and npm's playwright-core; if either cannot be
# installed here, that one test skips and says why.
browser:
	-@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	-@cd tests/browser && npm ci --no-audit --no-fund --silent

# The scrapy-redis crawl test starts Debian's redis-server itself; where it cannot be installed, that test skips.
redis:
	-@command -v redis-server >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)

# Scoring speed (naive vs Espejo, same run), then dashboard query times on a synthetic warehouse
# of 1M articles / 5M mentions.
bench: install
	$(PY) -m espejo.flows.scoring_bench
	$(PY) -m espejo.flows.stories_bench --articles 1000000 --new 1000
	$(PY) -m espejo.dashboards.bench --articles 1000000

# Retrain the committed models from ../shared/data (fixed seeds): the target-sentiment adapter into
# nlp/models/target-sentiment (about 60 min on 2 shared CPU cores: realnews, NewsMTSC, Spanish headlines, XLM-T;
# calibrated on realnews dev; dev figures into metrics.json, MODEL_CARD.md and nlp/models/quality.json),
# then the frame heads into nlp/models/frames (a few minutes: realnews articles + the codebook).
train: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/espejo train sentiment
	HF_HUB_OFFLINE=1 $(VENV)/bin/espejo train frames

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
