# The project image of docker-compose.yml (profiles pipeline and spark): Python 3.11, Java 17 (JDK), pyspark
# (requirements.txt, = SPARK_VERSION of stack/versions.env) with Spark's Kafka connector in its jars folder.
# Its install steps are docker/install.sh, which a test runs on a machine without Docker.
FROM python:3.11.13-slim-bookworm

ENV VENV=/opt/venv \
    STACK_CACHE=/opt/stack-cache \
    STACK_HOME=/tmp/stack \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    IMAGE_CLEANUP=1

WORKDIR /app
COPY docker/install.sh docker/install.sh
RUN bash docker/install.sh system

COPY requirements.txt ./
COPY stack/ stack/
COPY jvm/ jvm/
RUN bash docker/install.sh python

COPY pyproject.toml ./
COPY userprofiles/ userprofiles/
COPY producer.py consumer_spark.py cassandra_schema.cql ./
RUN bash docker/install.sh project
COPY docker/consumer.sh docker/consumer.sh

# Not root; the checkpoint volume is created from /data/checkpoints, so it belongs to this user too.
RUN useradd --create-home --uid 1000 app && mkdir -p /data/checkpoints /tmp/stack && chown -R app /data /tmp/stack
USER app

CMD ["python", "producer.py", "--help"]
