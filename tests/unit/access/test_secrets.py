"""access/secrets.py: the role files, made once, the owner's alone, holding exactly what each role's programs read."""
import re
import stat

import pytest

from userprofiles.access import roles, secrets
from userprofiles.config import option_table


def test_made_once_private_and_only_the_roles_variables(tmp_path):
    assert secrets.make(tmp_path) is True
    first = {r: secrets.read(r, tmp_path) for r in roles.ROLES}
    assert secrets.make(tmp_path) is False and first == {r: secrets.read(r, tmp_path) for r in roles.ROLES}
    assert stat.S_IMODE(secrets.folder(tmp_path).stat().st_mode) == 0o700
    variables = {o.env for o in option_table.CONSUMER_OPTIONS + option_table.PRODUCER_OPTIONS}
    for role in roles.ROLES:
        assert stat.S_IMODE(secrets.path(role, tmp_path).stat().st_mode) == 0o600
        v = first[role]
        assert set(v) <= set(secrets.CREDENTIAL_VARIABLES) <= variables   # what the programs read, nothing else
        users = {v.get(k) for k in ("KAFKA_SASL_USERNAME", "CASSANDRA_USERNAME", "MONGO_USERNAME")} - {None}
        assert users == {role}
        assert ("MONGO_USERNAME" in v) == ("mongo" in roles.SERVICES[role])
    assert set(first["producer"]) == {"KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME",
                                      "KAFKA_SASL_PASSWORD"}
    passwords = [v for r in roles.ROLES for k, v in first[r].items() if k.endswith("PASSWORD")]
    assert len(set(passwords)) == len(passwords)   # a password per role and service
    # Nothing an env file, a JAAS line, a CQL string, Kafka's --add-scram or a URI would have to quote.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{40,}", p) for p in passwords)


def test_a_stack_whose_data_predates_the_credentials_is_refused_in_one_line(tmp_path):
    (tmp_path / "data" / "kafka" / "logs").mkdir(parents=True)
    with pytest.raises(secrets.SecretsError, match=r"holds data of kafka made before it asked for passwords; run "
                                                  r"make clean \(it deletes that data\) and make up again$"):
        secrets.make(tmp_path)


def test_a_missing_role_file_names_make_up(tmp_path):
    with pytest.raises(secrets.SecretsError, match="does not exist; make up makes the stack's credentials"):
        secrets.read("consumer", tmp_path)


def test_another_stack_s_credentials_by_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("STACK_SECRETS_DIR", str(tmp_path / "elsewhere"))
    assert secrets.folder() == tmp_path / "elsewhere"
    assert secrets.folder(tmp_path) == tmp_path / "secrets"


def test_the_env_file_reader_takes_what_the_writer_writes(tmp_path):
    target = tmp_path / "x.env"
    secrets.write_env_file(target, {"A": "1", "B": "x=y:z"})
    assert secrets.read_env_file(target) == {"A": "1", "B": "x=y:z"}
