#!/usr/bin/env bash
# stack/role.sh ROLE COMMAND...: COMMAND with ROLE's credentials in its environment (STACK_HOME/secrets/ROLE.env,
# made by make up; userprofiles/access/roles.py says what each role may do). The make targets run the programs
# through it: the producer as producer, the consumer as consumer, make status / dlq / dashboard as dashboard,
# the shells and make reconcile as admin. Nothing of the file reaches a command line.
source "$(dirname "$0")/lib.sh"
role=${1:-}
case "$role" in
  admin|producer|consumer|dashboard) ;;
  *) die "usage: stack/role.sh admin|producer|consumer|dashboard COMMAND..." ;;
esac
shift
(($#)) || die "usage: stack/role.sh $role COMMAND..."
load_role "$role"
exec "$@"
