"""soak/verdict.py: the pass criteria on made-up samples."""
from soak import verdict


def life(values, start=0.0, step=15.0, role="consumer-jvm"):
    return verdict.Life(role, 42, start, tuple((start + i * step, v) for i, v in enumerate(values)))


def test_memory_that_settles_passes_and_memory_that_creeps_fails():
    flat = life([500 + (i % 3) for i in range(80)])              # 20 minutes around 500
    creeping = life([500 * (1 + 0.002 * i) for i in range(80)])  # +0.2% per sample
    assert abs(verdict.growth(flat)) < 0.01
    assert verdict.growth(creeping) > 0.05
    checks = verdict.memory_checks("RSS", [flat, creeping, life([1, 2, 3])])   # the last lived 30 s: not judged
    assert [c.ok for c in checks] == [True, False] and "(pid 42, 20 min)" in checks[0].name


def test_one_spike_is_not_growth():
    values = [500.0] * 80
    values[-2] = 900.0
    assert verdict.growth(life(values)) == 0.0


def test_a_size_that_levels_off_passes_and_one_that_climbs_fails():
    steady = [(t, 100 + (t % 300) / 10) for t in range(0, 3600, 15)]
    climbing = [(t, 100 + t / 10) for t in range(0, 3600, 15)]
    assert verdict.level_off("checkpoint files", steady, 0, 3600).ok
    assert not verdict.level_off("checkpoint files", climbing, 0, 3600).ok
    assert not verdict.level_off("x", [], 0, 3600).ok


def test_recovery_counts_from_the_service_back_to_the_first_sample_under_the_threshold():
    lag = [(t, 5000 if t < 130 else 10) for t in range(0, 300, 2)]
    assert verdict.recovery_s(lag, back_s=100, threshold=300) == 30
    assert verdict.recovery_check("kafka-kill", lag, 100, 300).ok
    assert not verdict.recovery_check("kafka-kill", lag, 60, 300).ok                    # 70 s
    assert verdict.recovery_check("x", [(t, 5000) for t in range(0, 300, 2)], 0, 300).measured == "never"


def test_the_stretch_and_the_table():
    checks = [verdict.stretch_check([0, 600, 900], 3600), verdict.stretch_check([0, 1200, 2400], 3600)]
    assert [c.ok for c in checks] == [True, True]
    assert not verdict.stretch_check([0, 600, 1200, 1800, 2400, 3000], 3600).ok
    text = verdict.table(checks)
    assert text.splitlines()[0].startswith("| check") and text.count("pass") == 2
