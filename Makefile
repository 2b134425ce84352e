# Two commands do everything on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
SPARK_SUBMIT := .venv/bin/spark-submit
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export SPARK_LOCAL_IP ?= 127.0.0.1

.PHONY: up down status clean run producer consumer test test-unit test-integration chaos bench cqlsh mongosh venv reconcile fresh-check

up:            ## install (once) and start Kafka, Cassandra and FerretDB on 127.0.0.1
	@bash stack/stack.sh up

down:          ## stop what `make up` started
	@bash stack/stack.sh down

status:
	@bash stack/stack.sh status

clean:         ## stop, then delete the stack's data and logs (downloads stay cached)
	@bash stack/stack.sh clean

venv:          ## the Python side only (.venv); works without Maven (see README)
	@bash stack/python.sh venv

run: up        ## the whole pipeline: producer (API, else synthetic) + consumer, until Ctrl-C
	@bash stack/run.sh

producer: venv
	$(PY) producer.py --source auto

consumer: venv
	$(SPARK_SUBMIT) consumer_spark.py

test: up       ## unit tests, then integration tests on the real stack
	@bash stack/test.sh

test-unit: venv
	$(PY) -m pytest tests/unit -q

test-integration: up
	$(PY) -m pytest tests/integration -q

chaos: up      ## fault-injection scenarios, with a table of figures
	$(PY) -m pytest tests/chaos -q -s

reconcile: venv ## compare the MongoDB analytics with the Cassandra table (ARGS=--repair to rewrite them)
	$(PY) -m userprofiles.reconcile $(ARGS)

bench: up      ## throughput and latency, figures in bench/results/
	$(PY) bench/run.py

cqlsh:
	@$$(bash stack/python.sh cqlsh-path) 127.0.0.1 $${CASSANDRA_PORT:-9042} -k usersprofilespace

mongosh:       ## the MongoDB shell (optional: needs npm; says how to get it otherwise)
	@bash stack/ferretdb.sh mongosh "mongodb://127.0.0.1:$${MONGO_PORT:-27017}/users_profiles_analytics"

fresh-check:   ## a clean Debian 12 root filesystem (debootstrap), the project copied in, `make up` there (slow; not in CI)
	@bash stack/fresh-check.sh
