# The two set-up commands of the README. Each creates the virtual environment it needs.
#   make demo   generated courses -> ingest -> dbt build -> checks -> report on http://127.0.0.1:8501
#   make test   the test suite (real Polars, dbt, DuckDB, GX and Streamlit; no network)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: demo test lint install bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

# the Spark extra (pyspark, dbt-spark; about 450 MB) only for the tests: tests/test_spark.py builds on it
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,spark]'
	touch $(SPARK_STAMP)

demo: $(STAMP)
	CLASSCHAT_DATA_DIR=$${CLASSCHAT_DATA_DIR:-data} $(BIN)/classchat demo

# one worker per core, each test file on one worker (its module fixtures build once): about 16 min on 2 cores (584 tests, 935-969 s in fresh-clone CI runs, 29 Nov; .ci/run in all 20.5-21.3 min; tests/test_spark.py about 6 min, collected first)
test: $(STAMP) $(SPARK_STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint --disable-progress-bar --nocolor dbt_project/models
	$(BIN)/sqlfluff lint --disable-progress-bar --nocolor --config reports/queries/sqlfluff.cfg reports/queries

clean:
	rm -rf $(VENV) data .pytest_cache
