"""soak/probe.py on this test's own process and a folder of its own."""
import os
import subprocess
import sys

from soak import probe


def test_a_live_process_has_memory_threads_and_files_and_a_gone_one_none():
    me = probe.process(os.getpid())
    assert me["rss_mb"] > 10 and me["threads"] >= 1 and me["open_files"] >= 3
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    assert probe.process(int(gone.stdout)) is None


def test_a_process_is_named_by_its_role():
    assert probe.role_of(os.getpid()) == "python"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    assert probe.role_of(int(gone.stdout)) == "gone"


def test_folders_checkpoints_and_sstables_are_counted(tmp_path):
    ck = tmp_path / "ckpt"
    (ck / "offsets").mkdir(parents=True)
    (ck / "state" / "0" / "1").mkdir(parents=True)
    (ck / "offsets" / "0").write_bytes(b"x" * 1000)
    (ck / "offsets" / "1").write_bytes(b"x" * 1000)
    (ck / "state" / "0" / "1" / "1.changelog").write_bytes(b"y" * 3000)
    (ck / "metadata").write_text("{}")
    samples = {(s.metric, s.subject): s.value for s in probe.checkpoint(ck, 15.0)}
    assert samples == {("checkpoint_files", "offsets"): 2, ("checkpoint_mb", "offsets"): 0.002,
                       ("checkpoint_files", "state"): 1, ("checkpoint_mb", "state"): 0.003}
    assert list(probe.checkpoint(tmp_path / "none", 0)) == []
    data = tmp_path / "ks"
    (data / "users_profiles-abc").mkdir(parents=True)
    for n in (1, 2):
        (data / "users_profiles-abc" / f"nb-{n}-big-Data.db").write_bytes(b"")
        (data / "users_profiles-abc" / f"nb-{n}-big-Index.db").write_bytes(b"")
    assert probe.sstables(data, "users_profiles") == 2
