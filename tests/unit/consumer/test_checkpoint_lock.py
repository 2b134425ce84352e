"""The consumer's checkpoint lock (userprofiles/consumer/checkpoint_lock.py): a second process is refused with the
first one's pid, and a holder killed with SIGKILL leaves the lock free."""
import os
import signal
import subprocess
import sys
import time

import pytest

from userprofiles.config.addresses import ROOT
from userprofiles.consumer import checkpoint_lock
from userprofiles.consumer.checkpoint_lock import LOCK_FILE, CheckpointInUse, hold

HOLDER = "import sys; from userprofiles.consumer.checkpoint_lock import hold; hold(sys.argv[1]); sys.stdin.read()"


def _release(fd):
    checkpoint_lock._held.remove(fd)
    os.close(fd)


def _wait_for_pid(path, pid, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip() == str(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_second_process_is_refused_with_the_first_ones_pid_until_it_is_killed(tmp_path):
    checkpoint = tmp_path / "new" / "checkpoint"  # not there yet: the holder creates it
    first = subprocess.Popen([sys.executable, "-c", HOLDER, str(checkpoint)], stdin=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert _wait_for_pid(checkpoint / LOCK_FILE, first.pid), "the first process did not take the lock"
        with pytest.raises(CheckpointInUse) as refused:
            hold(str(checkpoint))
        assert refused.value.pid == str(first.pid)
        assert f"the checkpoint {checkpoint} is in use by the consumer with pid {first.pid}; stop it first" \
            in str(refused.value)
        first.send_signal(signal.SIGKILL)
        first.wait(20)
        fd = hold(str(checkpoint))  # the kernel released the dead holder's lock
        assert fd is not None
        assert (checkpoint / LOCK_FILE).read_text().strip() == str(os.getpid())
        _release(fd)
    finally:
        first.kill()
        first.wait(20)


def test_a_checkpoint_on_another_filesystem_is_not_locked(tmp_path, caplog):
    caplog.set_level("DEBUG", logger="userprofiles.consumer.checkpoint_lock")
    assert hold("s3a://bucket/checkpoints/consumer") is None
    assert "not on a local filesystem" in caplog.text


def test_a_file_uri_is_locked_as_its_local_folder(tmp_path):
    fd = hold(f"file://{tmp_path}/cp")
    assert fd is not None and (tmp_path / "cp" / LOCK_FILE).exists()
    _release(fd)


def test_a_folder_that_cannot_be_created_is_left_to_the_preflight_check(tmp_path):
    (tmp_path / "a-file").write_text("")
    assert hold(str(tmp_path / "a-file" / "checkpoint")) is None
