"""Drives a Tusk cluster's WebHDFS with HdfsCLI (PyPI `hdfs`), a client
written against Hadoop's WebHDFS. Usage: webhdfs_hdfscli.py URL USER.
Run by tests/tests/webhdfs.rs; prints ALL OK when every step passed."""

import sys

from hdfs import HdfsError, InsecureClient


def content(length, seed):
    """The bytes of tusk_tests::content(length, seed)."""
    return bytes(((((i * 2654435761) & 0xFFFFFFFF) >> 16) & 0xFF) ^ seed
                 for i in range(length))


def main(url, user):
    client = InsecureClient(url, user=user)
    base = "/user/%s/py" % user
    client.makedirs(base, permission="755")

    data = content(200000, 11)
    client.write(base + "/data.bin", data=data, blocksize=65536, replication=2)
    with client.read(base + "/data.bin") as reader:
        assert reader.read() == data, "whole read differs"
    with client.read(base + "/data.bin", offset=65000, length=1000) as reader:
        assert reader.read() == data[65000:66000], "ranged read differs"

    assert client.list(base) == ["data.bin"], client.list(base)
    status = client.status(base + "/data.bin")
    assert status["type"] == "FILE" and status["length"] == 200000, status
    assert status["owner"] == user, status
    assert client.status(base + "/missing", strict=False) is None
    try:
        client.status(base + "/missing")
        raise AssertionError("status of a missing file succeeded")
    except HdfsError as error:
        assert "File does not exist" in str(error), error

    summary = client.content(base)
    assert summary["length"] == 200000 and summary["fileCount"] == 1, summary
    checksum = client.checksum(base + "/data.bin")
    assert len(checksum["bytes"]) == 56, checksum
    assert checksum["algorithm"].endswith("MD5-of-512CRC32C"), checksum

    client.write(base + "/data.bin", data=b"tail", append=True)
    with client.read(base + "/data.bin") as reader:
        assert reader.read() == data + b"tail", "append differs"
    client.write(base + "/data.bin", data=data, overwrite=True)

    client.set_permission(base + "/data.bin", "600")
    client.set_replication(base + "/data.bin", 1)
    status = client.status(base + "/data.bin")
    assert status["permission"] == "600" and status["replication"] == 1, status

    client.rename(base + "/data.bin", base + "/renamed.bin")
    names = client.list(base)
    assert names == ["renamed.bin"], names

    client.makedirs(base + "/tmp/deep")
    client.write(base + "/tmp/deep/x", data=b"x")
    assert client.delete(base + "/tmp", recursive=True)
    assert not client.delete(base + "/tmp")
    print("ALL OK")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
