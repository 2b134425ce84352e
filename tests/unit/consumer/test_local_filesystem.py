"""jvm/.../NioLocalFileSystem: Hadoop's local file system for the checkpoint, with permissions set through
java.nio instead of a `chmod` process per file. It must write, read and rename like Hadoop's own (checksum
files included), give a file exactly the mode it is asked for, and start no process doing so."""
import os
import stat

import pytest

from userprofiles.consumer import spark_runtime


@pytest.fixture(scope="module")
def fs(spark):
    """The file system Hadoop makes for `file:` with the consumer's setting (spark.hadoop.fs.file.impl =
    spark_runtime.LOCAL_FILE_SYSTEM), resolved the way Spark resolves it."""
    jvm = spark.sparkContext._jvm
    conf = jvm.org.apache.hadoop.conf.Configuration(spark.sparkContext._jsc.hadoopConfiguration())
    conf.set("fs.file.impl", spark_runtime.LOCAL_FILE_SYSTEM)
    f = jvm.org.apache.hadoop.fs.FileSystem.newInstance(jvm.java.net.URI("file:///"), conf)
    assert f.getClass().getName() == "userprofiles.jvm.NioLocalFileSystem"
    return jvm, f


def _path(jvm, p):
    return jvm.org.apache.hadoop.fs.Path(f"file://{p}")


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o755, 0o640, 0o000, 0o777, 0o711])
def test_set_permission_gives_the_file_exactly_that_mode(fs, tmp_path, mode):
    jvm, f = fs
    target = tmp_path / "offsets-0"
    target.write_text("v1")
    f.setPermission(_path(jvm, target), jvm.org.apache.hadoop.fs.permission.FsPermission(mode))
    assert stat.S_IMODE(os.stat(target).st_mode) == mode


def test_a_file_written_through_it_reads_back_with_its_checksum_and_survives_a_rename(fs, tmp_path):
    jvm, f = fs
    tmp, final = _path(jvm, tmp_path / ".1.tmp"), _path(jvm, tmp_path / "1")
    out = f.create(tmp, True)
    out.write(bytearray(b'v1\n{"batchWatermarkMs":0}'))
    out.close()
    assert (tmp_path / "..1.tmp.crc").exists(), "Hadoop's checksum file is written as by LocalFileSystem"
    assert f.rename(tmp, final)
    data = f.open(final)  # read through the checksum file, which would refuse a mismatch
    assert bytes(data.readAllBytes()) == b'v1\n{"batchWatermarkMs":0}'
    data.close()
    # Hadoop's default file mode (0666) less the umask, as a chmod process would have set it.
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "1").st_mode) == 0o666 & ~umask


def _reaped_children_faults(jvm) -> int:
    """cminflt of the JVM (/proc/<pid>/stat): the minor page faults of the child processes it has waited for.
    Every `chmod` it starts adds hundreds; nothing else of this test makes it a child."""
    pid = jvm.java.lang.ProcessHandle.current().pid()
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[8])


def _create_files(jvm, f, folder, n=10):
    for i in range(n):
        f.create(_path(jvm, folder / f"{i}"), True).close()


def test_no_process_is_started_to_set_a_permission(fs, tmp_path):
    jvm, f = fs
    before = _reaped_children_faults(jvm)
    _create_files(jvm, f, tmp_path)
    assert _reaped_children_faults(jvm) == before


def test_hadoops_own_local_file_system_starts_a_process_per_file(spark, tmp_path):
    """The cost the class removes, and proof that the check above can fail: Hadoop's LocalFileSystem, without
    its native library (pyspark ships none), runs `chmod` for every file it creates."""
    jvm = spark.sparkContext._jvm
    f = jvm.org.apache.hadoop.fs.LocalFileSystem()
    f.initialize(jvm.java.net.URI("file:///"), spark.sparkContext._jsc.hadoopConfiguration())
    if jvm.org.apache.hadoop.io.nativeio.NativeIO.isAvailable():
        pytest.skip("Hadoop's native library is loaded here: it sets permissions without a process")
    before = _reaped_children_faults(jvm)
    _create_files(jvm, f, tmp_path)
    assert _reaped_children_faults(jvm) > before
