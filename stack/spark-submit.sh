#!/usr/bin/env bash
# spark-submit for the project's programs (make consumer, make run, the tests), with the driver JVM's
# class-data-sharing archive when make up made one for this Spark and JDK (stack/cds.sh): the ~20,000 classes
# the driver loads come mapped from the archive instead of read and verified from Spark's jars, which takes
# ~5 s off every start (bench/RESULTS.md). Without an archive, or when SPARK_CONF_DIR is set, it is plain
# spark-submit, as is `spark-submit consumer_spark.py` by hand: the same run, a slower start.
#
# The JVM takes an archive only when no non-empty folder precedes the jars on the class path, and Spark puts
# its conf folder first. So such a run gets an empty conf folder, and the conf folder's three files are given by
# path instead: spark-defaults.conf (--properties-file), spark-env.sh (sourced here, as spark-submit does) and
# log4j2.properties (-Dlog4j2.configurationFile). CDS_DUMP=PATH: write the archive there at exit instead.
source "$(dirname "$0")/lib.sh"
home="$(spark_home)"
conf="$home/conf"
archive="$(cds_archive "$home")"
if [ -z "${SPARK_CONF_DIR:-}" ] && { [ -n "${CDS_DUMP:-}" ] || [ -r "$archive" ]; }; then
  SPARK_CONF_DIR="$(cds_empty_conf)"
  export SPARK_CONF_DIR
  if [ -r "$conf/spark-env.sh" ]; then set -a; source "$conf/spark-env.sh"; set +a; fi
  if [ -n "${CDS_DUMP:-}" ]; then share="-XX:ArchiveClassesAtExit=$CDS_DUMP"; else share="-XX:SharedArchiveFile=$archive"; fi
  # -Xlog:cds=off: a stale archive is ignored without a word (the run is then as slow as without one).
  export SPARK_SUBMIT_OPTS="${SPARK_SUBMIT_OPTS:-} $share -Xlog:cds=off -Xlog:cds+dynamic=off -Dlog4j2.configurationFile=file:$conf/log4j2.properties"
  exec "$VENV/bin/spark-submit" --properties-file "$conf/spark-defaults.conf" "$@"
fi
exec "$VENV/bin/spark-submit" "$@"
