#!/usr/bin/env bash
# make cqlsh / make mongosh: the stores' own shells on the local stack, as the admin (SHELL_ROLE=dashboard:
# read-only in Cassandra). The role's password reaches the shell from a 0600 file (cqlsh) or the environment
# (mongosh), never from the command line. ARGS go to the shell: make cqlsh ARGS="-e 'SELECT ...'".
#   shell.sh cqlsh [ARGS]     cqlsh on the profiles' keyspace (cassandra_schema.cql's)
#   shell.sh mongosh [ARGS]   mongosh on the analytics' database (stack/names.env)
source "$(dirname "$0")/lib.sh"
role=${SHELL_ROLE:-admin}
what=${1:-}
shift || true
load_role "$role"
case "$what" in
  cqlsh)
    cqlsh=$(bash "$STACK_DIR/python.sh" cqlsh-path) || exit 1
    credentials="$SECRETS_DIR/cqlsh-$role.credentials"
    (umask 077 && printf '[PlainTextAuthProvider]\nusername = %s\npassword = %s\n' "$CASSANDRA_USERNAME" \
      "$CASSANDRA_PASSWORD" >"$credentials")
    # The profiles' keyspace: cassandra_schema.cql's.
    keyspace=$(sed -n 's/^CREATE TABLE IF NOT EXISTS \([A-Za-z_0-9]*\)\..*/\1/p' "$ROOT/cassandra_schema.cql")
    exec "$cqlsh" --credentials "$credentials" -u "$CASSANDRA_USERNAME" -k "${CASSANDRA_KEYSPACE:-$keyspace}" \
      127.0.0.1 "$CASSANDRA_PORT" "$@" ;;
  mongosh)
    db=${MONGO_DB:-$DEFAULT_MONGO_DB}
    # The login is read by the shell from its environment: connect() in --eval builds the URI.
    connect="db = connect('mongodb://' + encodeURIComponent(process.env.MONGO_USERNAME) + ':' + encodeURIComponent(process.env.MONGO_PASSWORD) + '@127.0.0.1:$MONGO_PORT/$db?authSource=admin')"
    if (($#)); then exec bash "$STACK_DIR/ferretdb.sh" mongosh --nodb --quiet --eval "$connect" "$@"
    else exec bash "$STACK_DIR/ferretdb.sh" mongosh --nodb --quiet --shell --eval "$connect"; fi ;;
  *) die "usage: stack/shell.sh cqlsh|mongosh [ARGS]" ;;
esac
