"""What is shown, computed from what was read (userprofiles/observe/figures.py): the analytics' figures, the
consumer's lag, the produced rate and the dead letters."""
from __future__ import annotations

import json

from userprofiles.observe import figures

# --- analytics figures -----------------------------------------------------------------------------------

def test_count_zero_documents_are_absent():
    docs = [{"_id": "a.com", "count": 4}, {"_id": "gone.com", "count": 0}, {"_id": "b.com", "count": 4},
            {"_id": "c.com", "count": 9}, {"_id": "d.com"}]
    f = figures.collection_figures("by_email_domain", docs, top=2)
    assert (f.keys, f.profiles) == (3, 17)
    assert f.bars == [("c.com", 9), ("a.com", 4)]     # top 2 by count, ties by key


def test_age_groups_are_drawn_in_age_order_with_empty_groups():
    docs = [{"_id": "65+", "count": 2}, {"_id": "18-24", "count": 5}, {"_id": "14-17", "count": 0}]
    f = figures.collection_figures("by_age_group", docs)
    assert f.bars == [("14-17", 0), ("18-24", 5), ("25-34", 0), ("35-44", 0), ("45-54", 0), ("55-64", 0), ("65+", 2)]
    assert (f.keys, f.profiles) == (2, 7)


def test_distinct_profiles_is_the_gender_total():
    figs = figures.all_collection_figures({"by_gender": [{"_id": "female", "count": 3}, {"_id": "male", "count": 2}],
                                           "by_nationality": [{"_id": "FR", "count": 5, "age_sum": 100}]})
    assert figures.distinct_profiles(figs) == 5
    assert figs["by_email_domain"].keys == 0


# --- lag and throughput ------------------------------------------------------------------------------------

def test_partition_lags_against_the_checkpoint():
    lags = figures.partition_lags({0: (0, 10), 1: (0, 7), 2: (4, 9)}, {0: 10, 1: 3})
    assert [(x.partition, x.end, x.committed, x.lag) for x in lags] == [(0, 10, 10, 0), (1, 7, 3, 4), (2, 9, None, 5)]
    assert [x.lag for x in figures.partition_lags({0: (2, 10)}, None)] == [8]


def test_rate_from_samples():
    assert figures.rate_from_samples([(0, 100), (2, 110), (4, 110), (4, 120)]) == [(2, 5.0), (4, 0.0)]


# --- dead letters ----------------------------------------------------------------------------------------

def test_dead_letter_body_and_headers():
    body = {"reason": "missing login.uuid", "source_topic": "users_profiles", "source_partition": 2,
            "source_offset": 41, "source_timestamp_ms": 1764324000000, "payload_bytes": 321,
            "payload_redacted": '{"email":"***"}'}
    d = figures.decode_dead_letter(json.dumps(body).encode(), [("__connect.errors.offset", b"41"), ("x", None)],
                                   0, 7, 99)
    assert (d.reason, d.source_partition, d.source_offset, d.payload_bytes, d.payload_redacted) == \
        ("missing login.uuid", 2, 41, 321, '{"email":"***"}')
    assert d.headers == {"__connect.errors.offset": "41", "x": ""}
    assert (d.partition, d.offset, d.written_ms) == (0, 7, 99)


def test_unreadable_dead_letter_takes_the_reason_header():
    assert figures.decode_dead_letter(b"\xff{", [("reason", b"not UTF-8")], 0, 1).reason == "not UTF-8"
    assert figures.decode_dead_letter(b"[1]", None, 0, 1).reason == figures.UNREADABLE


def test_reason_counts_most_frequent_first():
    letters = [figures.decode_dead_letter(json.dumps({"reason": r}).encode(), None, 0, i)
               for i, r in enumerate(["b", "a", "b", "c", "a", "b"])]
    assert figures.reason_counts(letters) == [("b", 3), ("a", 2), ("c", 1)]
