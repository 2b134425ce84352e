"""soak/plan.py: the faults' times and their seeded order."""
import pytest

from soak import plan


def test_a_fault_every_interval_and_none_in_the_last_one():
    assert plan.slots(60, 6) == [k * 360.0 for k in range(1, 10)]
    assert plan.slots(8, 4) == [240.0]
    assert plan.slots(5, 6) == []


def test_an_hour_gets_every_fault_once_before_any_again_and_a_long_consumer_stretch():
    for seed in range(20):
        slots = plan.rotation(60, 6, seed)
        names = [s.fault.name for s in slots]
        assert len(names) == 9 and set(names[:8]) == {f.name for f in plan.FAULTS}
        restarts = [s.at_s for s in slots if s.fault.restarts_consumer]
        assert plan.longest_stretch(restarts, 3600) >= 20 * 60
    assert plan.rotation(60, 6, 7) == plan.rotation(60, 6, 7) != plan.rotation(60, 6, 8)


def test_on_a_cluster_each_kill_of_a_service_hits_the_next_node():
    slots = plan.rotation(120, 6, 1, nodes=3)
    for target in ("kafka", "cassandra"):
        nodes = [s.node for s in slots if s.fault.target == target]
        assert nodes[:3] == [2, 3, 1]
    assert all(s.node == 1 for s in slots if s.fault.target not in ("kafka", "cassandra"))


def test_a_short_soak_takes_the_faults_it_is_given_and_an_impossible_one_is_refused():
    slots = plan.rotation(8, 2.5, 0, only=("consumer-kill", "kafka-kill"))
    assert sorted(s.fault.name for s in slots) == ["consumer-kill", "kafka-kill"]
    with pytest.raises(ValueError, match="without a restart"):
        plan.rotation(30, 3, 0, only=("consumer-kill",))


def test_the_longest_stretch_counts_from_the_start_to_the_end():
    assert plan.longest_stretch([], 100) == 100
    assert plan.longest_stretch([70, 30], 100) == 40


def test_the_runner_takes_its_settings_from_the_environment(monkeypatch):
    from soak import run

    monkeypatch.setenv("SOAK_MINUTES", "8")
    monkeypatch.setenv("SOAK_ONLY", "consumer-kill,kafka-kill")
    args = run.parser().parse_args([])
    assert (args.minutes, args.fault_minutes, args.rate, args.population) == (8.0, 6.0, 300.0, 20_000)
    assert run.parser().parse_args(["--minutes", "60"]).minutes == 60.0
