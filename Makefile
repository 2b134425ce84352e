# Two commands do everything on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export SPARK_LOCAL_IP ?= 127.0.0.1
# NODES=3: up/down/status/clean act on the replicated cluster (stack/cluster.sh); unset or 1: the single node.
export NODES ?= 1
# A port of the local stack: the environment's, else stack/ports.env's default.
port = $(or $($(1)),$(shell sed -n 's/^$(1)=//p' stack/ports.env))

.PHONY: help up down status clean secrets rotate-secrets run producer consumer dashboard dlq test test-unit test-integration chaos chaos-cluster bench soak cqlsh mongosh venv jvm reconcile fresh-check consumer-groups

help:          ## this list: each target and what it does
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z_-]+:[^#]*## / {printf "  make %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

up:            ## install (once) and start Kafka, Cassandra and FerretDB on 127.0.0.1 (NODES=3: a 3-node cluster)
	@bash stack/stack.sh up

down:          ## stop what `make up` started
	@bash stack/stack.sh down

status:        ## each service up or down, Cassandra's rows, the analytics, dead letters by reason, the lag (ARGS=...)
	@STATUS_ARGS="$(ARGS)" bash stack/stack.sh status

secrets:       ## the credentials, one env file per role in .stack/secrets/ (once; make up makes them too; compose reads them)
	@python3 -m userprofiles.access.secrets make

rotate-secrets: venv ## new passwords for the producer, consumer and dashboard roles, given to the running services
	@bash stack/stack.sh rotate-secrets

clean:         ## stop, then delete the stack's data and logs (downloads and credentials stay)
	@bash stack/stack.sh clean

venv:          ## the Python side only (.venv) and the consumer's JVM piece (needs a JDK; Maven is fetched)
	@bash stack/python.sh venv

jvm: venv      ## rebuild the consumer's JVM piece (jvm/) into pyspark's jars folder, when its sources changed
	@bash stack/jvm.sh build

run: up        ## the whole pipeline: producer (API, else synthetic) + consumer + dashboard, until Ctrl-C
	@bash stack/run.sh

# Each program below reads its variables (PRODUCER_SOURCE=synthetic make producer) and takes its flags from
# ARGS (make producer ARGS='--max-messages 100'); no flag here overrides a variable.
producer: venv ## the producer alone, as the producer role (PRODUCER_SOURCE, default here auto: API, else synthetic; ARGS=...)
	@bash stack/role.sh producer $(PY) producer.py --source "$${PRODUCER_SOURCE:-auto}" $(ARGS)

consumer: venv ## the consumer alone, as the consumer role (spark-submit, to the Spark master of make up SPARK_WORKERS=N when it answers; ARGS=...)
	@bash stack/role.sh consumer bash stack/submit.sh $(ARGS)

dashboard: venv ## the live dashboard at http://127.0.0.1:8501, as the read-only dashboard role (DASHBOARD_PORT=...; ARGS=...)
	@bash stack/role.sh dashboard $(PY) -m userprofiles.observe.dashboard $(ARGS)

dlq: venv      ## the latest dead letters (N=20), the count of each reason first (ARGS=...)
	@bash stack/role.sh dashboard $(PY) -m userprofiles.observe.dlq $(if $(N),-n $(N)) $(ARGS)

test: up       ## unit tests, then integration tests on the real stack (ARGS=tests/...: those only)
	@bash stack/test.sh $(ARGS)

test-unit: venv ## unit tests only (no services)
	$(PY) -m pytest tests/unit -q

test-integration: up ## integration tests only (on the running stack)
	$(PY) -m pytest tests/integration -q

chaos: up      ## fault-injection scenarios, with a table of figures
	$(PY) -m pytest tests/chaos -q -p no:cacheprovider -n $${TEST_WORKERS:-2} --durations=8

chaos-cluster: ## on a NODES=3 cluster (started and stopped here): kill -9 a Cassandra node and a Kafka broker mid-stream
	@bash stack/chaos-cluster.sh

consumer-groups: ## Kafka's kafka-consumer-groups.sh; unset ARGS: --describe of the consumer's group (its lag per partition)
	@bash stack/kafka.sh consumer-groups $(or $(ARGS),--describe --group $${SPARK_QUERY_NAME:-users_profiles})

reconcile: venv ## compare the MongoDB analytics with the Cassandra table, as the admin (ARGS=--repair to rewrite them)
	@bash stack/role.sh admin $(PY) -m userprofiles.observe.reconcile $(ARGS)

bench: up      ## throughput and latency, figures in bench/results/ (ARGS=--quick ...)
	$(PY) -m bench.run $(ARGS)

soak: up       ## the long run with a fault every SOAK_FAULT_MINUTES (SOAK_MINUTES=60): pass criteria, bench/results/soak-*/
	$(PY) -m soak.run $(ARGS)

cqlsh:         ## a CQL shell on the profiles' keyspace, as the admin (SHELL_ROLE=dashboard: read-only; ARGS="-e '...'")
	@bash stack/shell.sh cqlsh $(ARGS)

mongosh:       ## the MongoDB shell on the analytics, as the admin (optional: needs npm; says how to get it otherwise; ARGS=...)
	@bash stack/shell.sh mongosh $(ARGS)

fresh-check:   ## a clean Debian 12 root filesystem (debootstrap), the README's apt line, the project copied in, `make run` there until rows land (slow; not in CI)
	@bash stack/fresh-check.sh
