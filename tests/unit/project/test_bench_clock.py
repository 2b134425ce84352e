"""The bench's micro-batch clock: which micro-batches a steady rate is measured over."""
from bench.sampling import BatchClock


def clock(batches):
    c = BatchClock(log_path=None)  # not started: the batches are set by hand
    c.batches = [(float(t), i, read, written) for i, (t, read, written) in enumerate(batches)]
    return c


# (commit time s, records read, rows written): 4 warm-up micro-batches of 50 records, then 4 measured ones.
RUN = [(10, 50, 48), (12, 50, 47), (14, 50, 49), (16, 50, 46), (17, 50, 45), (18, 50, 44), (19, 50, 43),
       (20, 50, 42)]


def test_from_the_start_leaves_out_the_first_micro_batch_only():
    r = clock(RUN).steady()
    after_first = 47 + 49 + 46 + 45 + 44 + 43 + 42
    assert (r["steady_rows"], r["t10"], r["t90"], r["measured_batches"]) == (after_first, 10.0, 20.0, 7)
    assert r["steady_rows_per_s"] == round(316 / 10)


def test_after_the_warm_up_records_measures_the_micro_batches_that_follow_them():
    r = clock(RUN).steady(from_read=200)
    assert (r["steady_rows"], r["t10"], r["t90"], r["measured_batches"]) == (45 + 44 + 43 + 42, 16.0, 20.0, 4)
    assert r["steady_rows_per_s"] == round(174 / 4)


def test_up_to_the_warm_up_records_is_the_cold_window():
    r = clock(RUN).steady(to_read=200)
    assert (r["steady_rows"], r["t10"], r["t90"], r["measured_batches"]) == (47 + 49 + 46, 10.0, 16.0, 3)


def test_a_window_of_one_micro_batch_has_no_rate():
    assert clock(RUN[:1]).steady()["steady_rows_per_s"] == 0.0
    assert clock(RUN).steady(from_read=400)["steady_rows_per_s"] == 0.0


def test_empty_micro_batches_are_not_counted():
    r = clock([(10, 50, 50), (11, 0, 0), (13, 50, 50)]).steady()
    assert (r["steady_rows"], r["measured_batches"]) == (50, 1)
