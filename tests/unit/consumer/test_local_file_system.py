"""The consumer's session writes `file:` checkpoints through the JVM piece's NioLocalFileSystem, which forks no
chmod per file. spark-submit once cached Hadoop's own before the setting applied (spark.jars opens a `file:`
file system first), and each micro-batch paid ~30 ms of child processes for it."""
import subprocess

from tests.support.paths import ROOT
from userprofiles.consumer.spark_runtime import LOCAL_FILE_SYSTEM

SCRIPT = """
from userprofiles import internals
from userprofiles.config import options
from userprofiles.consumer import spark_runtime
args = ["--checkpoint", "{ckpt}", "--no-ui"]
spark = spark_runtime.build_spark(options.consumer_settings(options.consumer_parser({{}}).parse_args(args)).stream)
print("file system:", internals.local_file_system(spark))
spark.stop()
"""


def test_the_consumer_session_resolves_file_paths_to_the_jvm_piece(tmp_path):
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", SCRIPT.format(ckpt=tmp_path / "ckpt")],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert f"file system: {LOCAL_FILE_SYSTEM}\n" in out.stdout, out.stderr[-2000:]
