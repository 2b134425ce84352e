"""producer/minimise.py: no login secret leaves the producer, and nothing else of a message changes."""
import json
import random

from hypothesis import given
from hypothesis import strategies as st

from userprofiles.producer import synthetic
from userprofiles.producer.minimise import LOGIN_SECRETS, without_login_secrets


def test_a_synthetic_record_loses_its_login_secrets_and_keeps_the_rest():
    user = synthetic.generate_user(random.Random(3))
    assert set(LOGIN_SECRETS) <= set(user["login"])
    out = json.loads(without_login_secrets(json.dumps(user, ensure_ascii=False).encode()))
    assert out["login"] == {k: v for k, v in user["login"].items() if k not in LOGIN_SECRETS}
    assert {k: v for k, v in out.items() if k != "login"} == {k: v for k, v in user.items() if k != "login"}


def test_every_spelling_of_a_secret_key_is_dropped():
    for key in ("password", "pass\\u0077ord", "\\u0073alt", "md5", "sha1", "sha\\u0032\\u00356"):
        doc = f'{{"login":{{"uuid":"u","{key}":"x"}},"lo\\u0067in":{{"salt":"y","username":"z"}}}}'.encode()
        assert without_login_secrets(doc) == b'{"login":{"uuid":"u"},"lo\\u0067in":{"username":"z"}}', key


def test_the_rest_of_a_message_is_kept_as_written():
    """Duplicate keys, their order, the text of numbers, NaN: what the consumer judges is the same after."""
    doc = b'{"b":1.10,"login":{"password":"p","uuid":"u","uuid":"v"},"n":[1e5,-0,NaN,{}],"b":"x","t":true,"z":null}'
    assert without_login_secrets(doc) == b'{"b":1.10,"login":{"uuid":"u","uuid":"v"},"n":[1e5,-0,NaN,{}],"b":"x",' \
                                         b'"t":true,"z":null}'


def test_what_holds_no_login_secret_is_sent_byte_for_byte():
    for doc in (b'{"login": {"uuid": "u"}, "password": "a top-level key is no login secret"}',
                b'{"x": "password"}', b'not JSON "password"', b'["login", {"password": 1}]', b'\xff"salt"',
                b'{"login": "password"}', b'{"login":{"password":"p"}', b''):
        assert without_login_secrets(doc) == doc, doc


def test_a_lone_surrogate_stays_an_escape():
    assert without_login_secrets(b'{"login":{"salt":"s","n":"\\ud800"}}') == b'{"login":{"n":"\\ud800"}}'


def test_only_the_secret_members_are_cut_and_every_other_byte_stays():
    rest = b'"\xc3\xa9":"\xf0\x9f\x98\x80\xe2\x80\xa8"}\n'      # UTF-8 of every width, U+2028 unescaped
    doc = b' {\t"a" : [1 ,2],\r\n"login" : { "md5" : "m" , "uuid" :\n"u" ,"sha1":"s"} , ' + rest
    assert without_login_secrets(doc) == b' {\t"a" : [1 ,2],\r\n"login" : {"uuid" :\n"u"} , ' + rest


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                           max_leaves=20)


@given(st.dictionaries(st.text(), json_values, max_size=5), st.dictionaries(st.sampled_from(LOGIN_SECRETS + (
    "uuid", "username")), json_values, max_size=7))
def test_any_record_keeps_all_but_its_login_secrets(rest, login):
    doc = {**rest, "login": login}
    out = json.loads(without_login_secrets(json.dumps(doc).encode()))
    assert out == {**rest, "login": {k: v for k, v in login.items() if k not in LOGIN_SECRETS}}


def test_real_api_records_lose_their_login_secrets_and_keep_the_rest(real_records):
    for line in real_records:
        user = json.loads(line)
        out = json.loads(without_login_secrets(line.encode()))
        assert not set(LOGIN_SECRETS) & set(out["login"])
        assert out == {**user, "login": {k: v for k, v in user["login"].items() if k not in LOGIN_SECRETS}}


def test_a_parsed_record_loses_its_login_secrets_in_a_copy():
    from userprofiles.producer.minimise import drop_login_secrets

    record = {"a": 1, "login": {"uuid": "u", "sha256": "h", "username": "n"}, "z": 2}
    assert drop_login_secrets(record) == {"a": 1, "login": {"uuid": "u", "username": "n"}, "z": 2}
    assert list(drop_login_secrets(record)) == ["a", "login", "z"] and "sha256" in record["login"]
    for same in ({"login": {"uuid": "u"}}, {"login": "x"}, {}, [1], "s"):
        assert drop_login_secrets(same) is same
