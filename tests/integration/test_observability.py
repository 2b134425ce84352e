"""What a person watching the consumer sees: Spark's UI with the streaming query, one progress line per
batch whose Kafka lag reaches 0 once caught up, and Prometheus metrics when asked for."""
import json
import re
import time
import urllib.request

from tests.support.addresses import free_port
from tests.support.processes import start_consumer
from userprofiles.producer import synthetic


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def test_spark_ui_progress_lines_lag_and_metrics(sandbox, tmp_path):
    users = synthetic.generate_users(300, seed=12, minor_share=0.0)
    sandbox.produce([json.dumps(u) for u in users], keys=[u["login"]["uuid"].encode() for u in users])
    ui, metrics = free_port(), free_port()
    log_path = tmp_path / "consumer.log"
    proc = start_consumer(sandbox.consumer_args(tmp_path, "--ui-port", str(ui), "--metrics-port", str(metrics),
                                                "--max-offsets-per-trigger", "100"), log_path)
    try:
        deadline = time.monotonic() + 240
        lines = []
        while time.monotonic() < deadline and proc.poll() is None:
            lines = re.findall(r"batch \d+: read=.* lag (\S+)=([\d,]+)", log_path.read_text("utf-8", "replace"))
            if sum(1 for _ in lines) >= 3 and lines[-1][1] == "0":
                break
            time.sleep(1)
        out = log_path.read_text("utf-8", "replace")
        assert lines and lines[-1] == (sandbox.topic, "0"), out[-3000:]
        assert any(int(n.replace(",", "")) > 0 for _, n in lines[:-1]), lines  # it was behind before
        assert f"Spark UI: http://127.0.0.1:{ui}" in out
        page = get(f"http://127.0.0.1:{ui}/StreamingQuery/")
        assert sandbox.group in page   # the query, named --query-name
        text = get(f"http://127.0.0.1:{metrics}/metrics")
        written = re.search(r'userprofiles_sink_total\{count="profiles.written"\} (\S+)', text)
        assert written and float(written.group(1)) == 300, text[:2000]
        assert "userprofiles_end_to_end_latency_seconds_count" in text
        assert re.search(rf'userprofiles_kafka_lag\{{topic="{sandbox.topic}"\}} 0\.0', text)
    finally:
        proc.terminate()
        proc.wait(60)
