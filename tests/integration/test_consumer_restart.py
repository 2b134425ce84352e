"""kill -9 of the consumer in the middle of a micro-batch, twice, each time restarted on the same checkpoint
while the producer keeps sending: the replayed micro-batch must run (Spark 4.1.1 failed it with SPARK-55271's
NullPointerException in KafkaMicroBatchStream.metrics) and the stores must end exact."""
import json
import random

from tests.support.chaos import Row, assert_exact, finish, make_input, settle, wait_mid_batch
from tests.support.processes import Consumer, Producer

N_USERS = 1500
RATE = 25  # msg/s for a minute: micro-batches keep coming through both restarts


def test_killed_mid_batch_twice_and_restarted_on_the_same_checkpoint(sandbox, tmp_path):
    rng = random.Random(55271)
    inp = make_input(tmp_path, N_USERS, seed=55271)
    checkpoint = sandbox.checkpoint(tmp_path)
    prod = Producer(sandbox, tmp_path, inp.path, "--rate", str(RATE), "--messages-per-iteration", "5").start()
    cons = Consumer(sandbox, tmp_path)
    kills = []
    try:
        cons.start()
        for _ in range(2):
            assert cons.wait_batches(1, 180), cons.output()[-3000:].decode("utf-8", "replace")
            batch = wait_mid_batch(checkpoint, timeout=60, after_s=rng.uniform(0.0, 0.2))
            assert batch is not None, "no micro-batch was seen running"
            cons.kill()
            kills.append(batch)
            cons.start()
        # The replayed micro-batch runs, and the stream goes on: copies of a few users sent again make the
        # next micro-batch, whether the producer is still sending or not.
        assert cons.wait_batches(1, 180), cons.output()[-3000:].decode("utf-8", "replace")
        assert prod.wait(300) == 0, prod.output()[-2000:]
        sandbox.produce([json.dumps(u) for u in inp.users[-30:]])
        assert cons.wait_batches(2, 180), cons.output()[-3000:].decode("utf-8", "replace")
        done, obs = settle(sandbox, inp, checkpoint)
        assert cons.running(), cons.output()[-3000:].decode("utf-8", "replace")
    finally:
        cons.stop()
        prod.stop(5)
    assert b"NullPointerException" not in cons.log.read_bytes()  # every run
    row = finish(Row("consumer kill -9 mid-batch x2", notes=f"killed during micro-batches {kills}"), sandbox, inp, obs)
    assert_exact(row, sandbox, inp)
