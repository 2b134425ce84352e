"""The local stack's credentials: made once, at the first `make up`, random, one env file per role in
STACK_HOME/secrets (the folder 0700, the files 0600). A role's file holds exactly the variables its programs
read (option_table.py): the Kafka SASL settings, the Cassandra user, the MongoDB user. The addresses are not
in them: they are the stack's (or compose's service names), set apart from who connects. Every make target and
test gives a program its role's file as its environment (stack/role.sh; tests/support/processes.py), so no
secret is ever on a command line.

    python -m userprofiles.access.secrets make     (make up does it)
    python -m userprofiles.access.secrets rotate   (make rotate-secrets)
    python -m userprofiles.access.secrets path ROLE
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from userprofiles.access.roles import ROLES, SERVICES
from userprofiles.config import addresses

KAFKA_MECHANISM = "SCRAM-SHA-512"
# Cassandra's own default superuser, disabled once the admin role exists (provision.py).
CASSANDRA_DEFAULT_USER = ("cassandra", "cassandra")
# The variables that carry a credential: they are taken from a role's file, never passed on from elsewhere.
CREDENTIAL_VARIABLES = ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD",
                        "CASSANDRA_USERNAME", "CASSANDRA_PASSWORD", "MONGO_USERNAME", "MONGO_PASSWORD")


class SecretsError(RuntimeError):
    """The role files are missing, unreadable, or the stack's data predates them; the text names the fix."""


def folder(home: Path | None = None) -> Path:
    """HOME's secrets; without HOME, STACK_SECRETS_DIR when set (the credentials of services that another
    stack started), else the stack's own (STACK_HOME/secrets)."""
    if home is None and os.environ.get("STACK_SECRETS_DIR"):
        return Path(os.environ["STACK_SECRETS_DIR"])
    return (home or addresses.stack_home()) / "secrets"


def path(role: str, home: Path | None = None) -> Path:
    return folder(home) / f"{role}.env"


def password() -> str:
    """32 random bytes as URL-safe text: no character that an env file, a JAAS line, a CQL string, Kafka's
    --add-scram (which splits on commas) or a URI would need to quote."""
    return secrets.token_urlsafe(32)


def role_variables(role: str, passwords: dict[str, str]) -> dict[str, str]:
    """The variables of ROLE's file, from its PASSWORDS per service."""
    out: dict[str, str] = {}
    if "kafka" in SERVICES[role]:
        out.update(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", KAFKA_SASL_MECHANISM=KAFKA_MECHANISM,
                   KAFKA_SASL_USERNAME=role, KAFKA_SASL_PASSWORD=passwords["kafka"])
    if "cassandra" in SERVICES[role]:
        out.update(CASSANDRA_USERNAME=role, CASSANDRA_PASSWORD=passwords["cassandra"])
    if "mongo" in SERVICES[role]:
        out.update(MONGO_USERNAME=role, MONGO_PASSWORD=passwords["mongo"])
    return out


def write_env_file(target: Path, variables: dict[str, str]) -> None:
    """KEY=value lines, made 0600 before anything is written into it (no window where others may read)."""
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# Made by make up (userprofiles/access/secrets.py); the programs of this role read these.\n")
        f.writelines(f"{k}={v}\n" for k, v in variables.items())
    os.replace(tmp, target)


def read_env_file(source: Path) -> dict[str, str]:
    """The KEY=value lines of an env file (comments and blank lines skipped; values are never quoted here)."""
    out = {}
    for line in source.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            out[key.strip()] = value.strip()
    return out


def read(role: str, home: Path | None = None) -> dict[str, str]:
    """ROLE's variables; SecretsError naming make up when the file is not there."""
    p = path(role, home)
    try:
        return read_env_file(p)
    except FileNotFoundError:
        raise SecretsError(f"{p} does not exist; make up makes the stack's credentials (or point STACK_HOME at the "
                           f"stack that has them)") from None
    except PermissionError:
        raise SecretsError(f"{p} is not readable by this user; run as the user who ran make up") from None


def data_without_secrets(home: Path, secrets_folder: Path) -> list[str]:
    """The services whose data in the stack HOME was made before it had credentials (in SECRETS_FOLDER)."""
    data = home / "data"
    made = [name for name in ("kafka", "cassandra", "ferretdb") if any(data.glob(f"{name}*"))] if data.is_dir() else []
    return made if not secrets_folder.is_dir() else []


def make(home: Path | None = None) -> bool:
    """Every role's file, when the folder does not hold them yet; returns True when they were made now."""
    stack, d = home or addresses.stack_home(), folder(home)
    old = data_without_secrets(stack, d)
    if old:
        raise SecretsError(f"the stack in {stack} holds data of {', '.join(old)} made before it asked for passwords; "
                           f"run make clean (it deletes that data) and make up again")
    if all(path(r, home).is_file() for r in ROLES):
        return False
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    for role in ROLES:
        if not path(role, home).is_file():
            passwords = {service: password() for service in SERVICES[role]}
            write_env_file(path(role, home), role_variables(role, passwords))
    return True


def rotate(home: Path | None = None) -> list[str]:
    """New passwords for the app roles (ROLES but the admin) in their files; provision.py then gives them to the
    services (make rotate-secrets). The admin's is the services' own (docs/security.md)."""
    done = []
    for role in ROLES[1:]:
        passwords = {service: password() for service in SERVICES[role]}
        write_env_file(path(role, home), role_variables(role, passwords))
        done.append(role)
    return done


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args[:1] == ["make"]:
            if make():
                print(f"[stack] made the stack's credentials: one file per role in {folder()} (0600)", file=sys.stderr)
            return 0
        if args[:1] == ["rotate"]:
            print(f"[stack] new passwords for {', '.join(rotate())} in {folder()}", file=sys.stderr)
            return 0
        if args[:1] == ["path"] and len(args) == 2 and args[1] in ROLES:
            print(path(args[1]))
            return 0
    except SecretsError as exc:
        print(f"stack: error: {exc}", file=sys.stderr)
        return 1
    print(f"usage: python -m userprofiles.access.secrets make | rotate | path {'|'.join(ROLES)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
