"""Drives a Tusk cluster over hdfs:// with two Python Hadoop clients that know
nothing of Tusk: hdfs-native (PyPI `hdfs-native`: Hadoop IPC and the
DataTransferProtocol, in Rust under Python) and Snakebite (PyPI `snakebite-py3`:
Spotify's pure-Python Hadoop RPC client, with its own protobuf code and its
own block reader). Usage: hadoop_python_clients.py HOST PORT USER.
Run by tests/tests/hadoop_clients.rs; prints ALL OK when every step passed."""

import hashlib
import os
import sys

os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

from hdfs_native import Client, WriteOptions  # noqa: E402
from snakebite.client import Client as SnakebiteClient  # noqa: E402
from snakebite.errors import FileNotFoundException  # noqa: E402


def content(length, seed):
    """The bytes of tusk_tests::content(length, seed)."""
    return bytes(((((i * 2654435761) & 0xFFFFFFFF) >> 16) & 0xFF) ^ seed
                 for i in range(length))


def with_hdfs_native(url, base):
    client = Client(url)
    client.mkdirs(base, 0o755, True)
    data = content(3 * 1024 * 1024 + 77, 4)
    options = WriteOptions(block_size=1024 * 1024, replication=3)
    with client.create(base + "/data.bin", options) as writer:
        for start in range(0, len(data), 65536):
            writer.write(data[start:start + 65536])
    with client.read(base + "/data.bin") as reader:
        assert reader.read() == data, "whole read differs"
        assert reader.read_range(1024 * 1024 - 10, 20) == \
            data[1024 * 1024 - 10:1024 * 1024 + 10], "ranged read differs"
    status = client.get_file_info(base + "/data.bin")
    assert status.length == len(data) and not status.isdir, status
    assert status.replication == 3 and status.blocksize == 1024 * 1024, status

    with client.append(base + "/data.bin") as writer:
        writer.write(b"tail")
    with client.read(base + "/data.bin") as reader:
        assert reader.read() == data + b"tail", "appended read differs"

    client.rename(base + "/data.bin", base + "/renamed.bin")
    names = sorted(entry.path.rsplit("/", 1)[-1]
                   for entry in client.list_status(base))
    assert names == ["renamed.bin"], names
    client.set_permission(base + "/renamed.bin", 0o640)
    assert client.get_file_info(base + "/renamed.bin").permission == 0o640
    summary = client.get_content_summary(base)
    assert summary.length == len(data) + 4 and summary.file_count == 1, summary
    try:
        client.get_file_info(base + "/missing")
        raise AssertionError("status of a missing file succeeded")
    except FileNotFoundError:
        pass
    return hashlib.md5(data + b"tail").hexdigest()


def with_snakebite(host, port, user, base, digest):
    client = SnakebiteClient(host, port, effective_user=user)
    listed = {entry["path"]: entry for entry in client.ls([base])}
    entry = listed[base + "/renamed.bin"]
    assert entry["file_type"] == "f" and entry["permission"] == 0o640, entry
    # cat reads the blocks from the DataNodes with Snakebite's own reader.
    data = b"".join(
        chunk if isinstance(chunk, bytes) else chunk.encode("latin-1")
        for result in client.cat([base + "/renamed.bin"])
        for chunk in result)
    assert hashlib.md5(data).hexdigest() == digest, "snakebite read differs"

    made = list(client.mkdir([base + "/sb/a"], create_parent=True))
    assert made[0]["result"], made
    assert client.test(base + "/sb/a", exists=True, directory=True)
    list(client.touchz([base + "/sb/a/empty"]))
    stat = client.stat([base + "/sb/a/empty"])
    assert stat["length"] == 0 and stat["file_type"] == "f", stat
    moved = list(client.rename([base + "/sb/a/empty"], base + "/sb/moved"))
    assert moved[0]["result"], moved
    counted = list(client.count([base]))[0]
    assert counted["fileCount"] == 2 and counted["length"] == len(data), counted
    deleted = list(client.delete([base + "/sb"], recurse=True))
    assert deleted[0]["result"], deleted
    try:
        list(client.ls([base + "/sb"]))
        raise AssertionError("ls of a deleted directory succeeded")
    except FileNotFoundException as error:
        assert "No such file or directory" in str(error), error


def main(host, port, user):
    base = "/user/%s/python" % user
    digest = with_hdfs_native("hdfs://%s:%s" % (host, port), base)
    print("hdfs-native OK")
    with_snakebite(host, int(port), user, base, digest)
    print("snakebite OK")
    print("ALL OK")


if __name__ == "__main__":
    main(*sys.argv[1:])
