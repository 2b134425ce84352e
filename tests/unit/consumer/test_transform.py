"""The DataFrame transformations, on our own fixture records and on the real API records of ../shared."""
import datetime as dt
import json

import pytest

from userprofiles.consumer import transform as T
from userprofiles.domain.profile import PROFILE_COLUMNS

from ...reference import expected_row, sha

TODAY = dt.date(2026, 11, 27)


def run(kafka_frame, values, today=TODAY):
    return T.classify(T.parse(kafka_frame(values)), today)


def profiles(kafka_frame, records, today=TODAY):
    df = T.to_profiles(run(kafka_frame, [json.dumps(r) for r in records], today))
    return {r["identifiant"]: r.asDict() for r in df.collect()}


def test_every_column_of_a_french_record(kafka_frame, fixture_records):
    rec = fixture_records[0]
    row = profiles(kafka_frame, [rec])["3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"]
    assert row["title"] == "Mme"
    assert row["full_name"] == "Garnier Élodie"
    assert row["gender"] == "female"
    assert row["username"] == "bluefox321"
    assert row["domain_name"] == "example.com"
    assert row["email"] == sha("elodie.garnier@example.com")
    assert row["phone"] == sha("01-23-45-67-89")
    # Numbers as written in the JSON: street number 12, postcode 75008.
    assert row["full_address"] == sha("12 Rue de la Paix, Paris, Île-de-France, France, 75008")
    assert row["age"] == 36  # born 1990-06-15, today 2026-11-27
    assert row["inscription"] == "2015-03-02T10:11:12.131Z"
    assert row["nationality"] == "FR"
    assert set(PROFILE_COLUMNS) <= set(row)


def test_string_postcode_and_domain_after_the_at(kafka_frame, fixture_records):
    row = profiles(kafka_frame, [fixture_records[1]])["9d0e7a52-1f3c-4b8e-a6d4-2e5f7a9b0c1d"]
    assert row["full_address"] == sha("221 Baker Street, London, Greater London, United Kingdom, NW1 6XE")
    assert row["domain_name"] == "example.co.uk"
    assert row["age"] == 56  # 1970-01-31T23:59:59Z without milliseconds (API 1.2 style) is accepted


def test_no_clear_text_personal_data_in_rows(kafka_frame, fixture_records):
    rows = profiles(kafka_frame, fixture_records)
    text = json.dumps(list(rows.values()), ensure_ascii=False)
    for rec in fixture_records:
        for secret in (rec["email"], rec["phone"], rec["location"]["street"]["name"], rec["login"]["password"],
                       rec["login"]["salt"]):
            assert secret not in text


def _user_born(kafka_frame, fixture_records, born: dt.date, today: dt.date):
    rec = dict(fixture_records[0])
    rec["dob"] = {"date": f"{born.isoformat()}T00:00:00.000Z", "age": 0}
    row = run(kafka_frame, [json.dumps(rec)], today).select("age", "status").first()
    return row["age"], row["status"]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # Feb 29 -> Feb 28
        return day.replace(year=day.year - years, day=28)


@pytest.mark.parametrize("today", [dt.datetime.now(dt.UTC).date(), TODAY, dt.date(2028, 2, 29),
                                   dt.date(2027, 3, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 1)])
def test_age_boundary_at_the_fourteenth_birthday(kafka_frame, fixture_records, today):
    birthday_today = _years_before(today, 14)
    assert _user_born(kafka_frame, fixture_records, birthday_today, today) == (14, "valid")
    tomorrow = today + dt.timedelta(days=1)
    birthday_tomorrow = _years_before(tomorrow, 14)
    if birthday_tomorrow != birthday_today:  # (Feb 29 today maps both to one day)
        assert _user_born(kafka_frame, fixture_records, birthday_tomorrow, today) == (13, "filtered")


def test_age_is_completed_years_not_days_over_365(kafka_frame, fixture_records):
    # 14 years minus one day is 5,113 days: days/365 rounds to 14.0 and would let a 13-year-old through.
    today = dt.date(2026, 6, 10)
    assert _user_born(kafka_frame, fixture_records, dt.date(2012, 6, 11), today) == (13, "filtered")


def test_leap_day_birthday_is_reached_on_march_first(kafka_frame, fixture_records):
    born = dt.date(2012, 2, 29)
    assert _user_born(kafka_frame, fixture_records, born, dt.date(2026, 2, 28))[0] == 13
    assert _user_born(kafka_frame, fixture_records, born, dt.date(2026, 3, 1))[0] == 14
    assert _user_born(kafka_frame, fixture_records, born, dt.date(2028, 2, 29))[0] == 16


def test_fixture_minor_is_filtered_not_dead(kafka_frame, fixture_records):
    rows = run(kafka_frame, [json.dumps(fixture_records[2])]).select("status", "reason", "age").first()
    assert (rows["status"], rows["reason"], rows["age"]) == ("filtered", None, 14 - 1)


BAD = [
    (None, "empty message"),
    (b"\xff\xfe\x00garbage", "message is not UTF-8"),
    ("not json at all", "not a JSON object"),
    ("[1, 2, 3]", "not a JSON object"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"age": "old"}}',
     "a field has the wrong JSON type"),
    ('{"email": "a@b.c", "dob": {"date": "1990-01-01T00:00:00.000Z"}}', "missing login.uuid"),
    ('{"login": {"uuid": ""}, "email": "a@b.c"}', "missing login.uuid"),
    ('{"login": {"uuid": "not-a-uuid"}, "email": "a@b.c"}', "invalid login.uuid"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b\\n"}, "email": "a@b.c"}', "invalid login.uuid"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "email": "a@b.c"}', "missing dob.date"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "2023-02-30T00:00:00.000Z"}, '
     '"email": "a@b.c"}', "unparsable dob.date"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "2999-01-01T00:00:00.000Z"}, '
     '"email": "a@b.c"}', "dob.date is in the future"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "1990-01-01T00:00:00.000Z"}}',
     "missing email"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "1990-01-01T00:00:00.000Z"}, '
     '"email": "no-at-sign"}', "invalid email"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "1990-01-01T00:00:00.000Z"}, '
     '"email": "a@b.c"}', "missing gender"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "1990-01-01T00:00:00.000Z"}, '
     '"email": "a@b.c", "gender": " "}', "missing gender"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "1990-01-01T00:00:00.000Z"}, '
     '"email": "a@b.c", "gender": "female", "nat": ""}', "missing nat"),
    ('{"login": {"uuid": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"}, "dob": {"date": "1990-01-01T00:00:00.000Z"}, '
     '"email": "a@b.c", "gender": "female", "nat": "FR", "name": {"first": "' + "x" * 5000 + '"}}',
     "value too long: name.first"),
]


def test_each_kind_of_bad_message_gets_its_reason(kafka_frame):
    got = [(r["status"], r["reason"]) for r in
           run(kafka_frame, [v for v, _ in BAD]).orderBy("offset").select("status", "reason").collect()]
    assert got == [("dead", reason) for _, reason in BAD]


U = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
DOB = '"dob": {"date": "1990-01-01T00:00:00.000Z"}'
# Line terminators and other characters that a sink would not store as sent, after a uuid or in an email.
TERMINATORS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\u0085", "\u000b", "\u000c", "\u0000"]


@pytest.mark.parametrize("term", TERMINATORS)
def test_a_uuid_or_email_with_a_line_terminator_or_control_character_is_dead_lettered(kafka_frame, term):
    values = [json.dumps({"login": {"uuid": U + term}, "email": "a@b.c", "dob": {"date": "1990-01-01T00:00:00.000Z"}}),
              json.dumps({"login": {"uuid": term + U}, "email": "a@b.c", "dob": {"date": "1990-01-01T00:00:00.000Z"}}),
              json.dumps({"login": {"uuid": U}, "email": "a@b.c" + term, "dob": {"date": "1990-01-01T00:00:00.000Z"}}),
              json.dumps({"login": {"uuid": U}, "email": "a" + term + "@b.c",
                          "dob": {"date": "1990-01-01T00:00:00.000Z"}})]
    got = [r["reason"] for r in run(kafka_frame, values).orderBy("offset").select("reason").collect()]
    assert got == ["invalid login.uuid", "invalid login.uuid", "invalid email", "invalid email"]


@pytest.mark.parametrize("escape,lone", [("\\ud800", True), ("\\udc00", True), ("x\\ud83d", True),
                                         ("\\ud83d\\ude00", False), ("\\\\ud800", False),
                                         ("\\\\\\ud800", True), ("\\ud83d\\ud83d\\ude00", True)])
def test_a_lone_surrogate_escape_is_dead_lettered_not_stored_as_a_question_mark(kafka_frame, escape, lone):
    value = ('{"login": {"uuid": "' + U + '"}, "email": "a@b.c", "gender": "male", "nat": "FR", ' + DOB
             + ', "name": {"first": "A' + escape + '"}}')
    (row,) = run(kafka_frame, [value]).select("status", "reason").collect()
    if lone:
        assert row["reason"] == "a lone UTF-16 surrogate escape (not valid Unicode text)"
    else:
        assert row["status"] == "valid", row


def test_the_birth_date_is_the_utc_date_of_the_instant(kafka_frame):
    """Born 2012-11-28T01:00+05:00 is born 2012-11-27 in UTC: 14 on 2026-11-27 (TODAY), so valid."""
    rec = {"login": {"uuid": U}, "email": "a@b.c", "gender": "male", "nat": "FR",
           "dob": {"date": "2012-11-28T01:00:00.000+05:00"}}
    (row,) = run(kafka_frame, [json.dumps(rec)]).select("status", "age").collect()
    assert (row["status"], row["age"]) == ("valid", 14)


def test_every_real_api_record_parses_and_is_valid(kafka_frame, real_records):
    df = run(kafka_frame, real_records, dt.datetime.now(dt.UTC).date())
    counts = {r["status"]: r["count"] for r in df.groupBy("status").count().collect()}
    assert counts == {"valid": len(real_records)}, df.where("status != 'valid'").select("reason").first()


def test_real_records_transform_like_a_reference_in_python(kafka_frame, real_records):
    """An independent Python computation of the same columns, over all real records."""
    today = dt.date(2026, 11, 27)
    recs = [json.loads(line) for line in real_records]
    got = profiles(kafka_frame, recs, today)
    for rec in recs:
        want = expected_row(rec, today)
        row = got[want["identifiant"]]
        assert {k: row[k] for k in want} == want


def test_the_age_is_taken_on_the_day_of_the_message_kafka_timestamp(spark):
    """A user turning 14 at midnight UTC: 13 in a message sent at 23:59:59 the day before, 14 in one sent at
    00:00:01, whenever either is processed (a replay, a re-read of the topic); a date of birth after the
    message's timestamp is in the future."""
    rec = {"login": {"uuid": U}, "email": "a@b.c", "gender": "male", "nat": "FR",
           "dob": {"date": "2012-11-28T00:00:00.000Z"}}
    sent = [dt.datetime(2026, 11, 27, 23, 59, 59), dt.datetime(2026, 11, 28, 0, 0, 1), dt.datetime(2012, 11, 27)]
    df = spark.createDataFrame([(None, json.dumps(rec).encode(), "t", 0, i, ts) for i, ts in enumerate(sent)],
                               "key binary, value binary, topic string, partition int, offset long, "
                               "timestamp timestamp")
    got = [(r["status"], r["age"], r["reason"]) for r in T.classify(T.parse(df)).orderBy("offset").collect()]
    assert got == [("filtered", 13, None), ("valid", 14, None), ("dead", None, "dob.date is in the future")]


def test_profile_columns_are_the_sink_columns_after_status_and_reason():
    assert T.SINK_COLUMNS[:2] == ("status", "reason")
    assert T.SINK_COLUMNS[2:2 + len(PROFILE_COLUMNS)] == PROFILE_COLUMNS
