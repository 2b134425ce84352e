"""An independent, plain-Python statement of what the pipeline must produce from a randomuser record.
The tests compare the Spark pipeline against it; it shares no code with the pipeline."""
import datetime as dt
import hashlib
from collections.abc import Mapping

# The day a record's age is computed on: the UTC day of its message's Kafka timestamp (the age it had when it
# was published). One day for every record, or each profile's own (uuid -> day, see clients.message_days),
# which a test needs when its messages may straddle midnight UTC.
Day = dt.date | Mapping[str, dt.date]


def sha(text) -> str:
    return hashlib.sha256(str(text).encode("utf-8")).hexdigest()


def completed_years(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def birth_date(dob: str) -> dt.date:
    """The UTC calendar date of the dob.date instant ("2012-11-28T01:00:00+05:00" -> 2012-11-27)."""
    return dt.datetime.fromisoformat(dob.replace("Z", "+00:00")).astimezone(dt.UTC).date()


def utc_day(timestamp_ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp_ms / 1000, dt.UTC).date()


def day_of(record: dict, today: Day) -> dt.date:
    return today[record["login"]["uuid"].lower()] if isinstance(today, Mapping) else today


def age(record: dict, today: Day) -> int:
    return completed_years(birth_date(record["dob"]["date"]), day_of(record, today))


def expected_row(record: dict, today: Day) -> dict:
    """The Cassandra row of a valid record (identifiant as lowercase text)."""
    loc = record["location"]
    return {
        "identifiant": record["login"]["uuid"].lower(),
        "title": record["name"]["title"],
        "full_name": f'{record["name"]["last"]} {record["name"]["first"]}',
        "gender": record["gender"],
        "username": record["login"]["username"],
        "domain_name": record["email"].split("@", 1)[1],
        "email": sha(record["email"]),
        "phone": sha(record["phone"]),
        "full_address": sha(f'{loc["street"]["number"]} {loc["street"]["name"]}, {loc["city"]}, '
                            f'{loc["state"]}, {loc["country"]}, {loc["postcode"]}'),
        "age": age(record, today),
        "inscription": record["registered"]["date"],
        "nationality": record["nat"],
    }


def age_group(age: int) -> str:
    for lo, hi, name in ((14, 17, "14-17"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
                         (45, 54, "45-54"), (55, 64, "55-64")):
        if lo <= age <= hi:
            return name
    assert age >= 65, age
    return "65+"


def expected_analytics(records: list, today: Day) -> dict:
    """The MongoDB analytics of these records: distinct users (by uuid, the last copy in `records` wins)
    older than 13, as {collection: {key: {"count": n[, "age_sum": s]}}}."""
    out = {"by_nationality": {}, "by_gender": {}, "by_age_group": {}, "by_email_domain": {}}

    def add(coll, key, extra=None):
        doc = out[coll].setdefault(key, {"count": 0, **({"age_sum": 0} if extra is not None else {})})
        doc["count"] += 1
        if extra is not None:
            doc["age_sum"] += extra

    for r in {r["login"]["uuid"].lower(): r for r in records}.values():
        a = age(r, today)
        if a <= 13:
            continue
        add("by_nationality", r["nat"], a)
        add("by_gender", r["gender"])
        add("by_age_group", age_group(a))
        add("by_email_domain", r["email"].split("@", 1)[1])
    return out
