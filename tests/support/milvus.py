"""A real Milvus protocol server for the SEARCH_BACKEND=milvus tests: `milvus-lite server` (requirements-dev.txt)
on a free 127.0.0.1 port, its data in a temporary folder, for the whole session (`milvus_server`), and a
collection of its own for each test (`milvus_backend`). Both are fixtures: a conftest imports them. Without
milvus-lite the tests skip, or fail where NEXOCHAT_REQUIRE_TOOLS=1 (CI)."""

import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.tools import missing_tool


def milvus_lite_command():
    """The `milvus-lite` script of this environment, or None."""
    script = Path(sys.executable).with_name("milvus-lite")
    try:
        import pymilvus  # noqa: F401
    except ImportError:
        return None
    return str(script) if script.exists() else None


def answers(uri):
    from pymilvus import MilvusClient

    try:
        client = MilvusClient(uri=uri, timeout=2)
        client.list_collections()
        client.close()
        return True
    except Exception:
        return False


@contextmanager
def milvus_lite_server(data_dir, timeout=60):
    """`milvus-lite server` until the block ends; yields its URI once it answers a request."""
    command = milvus_lite_command()
    if command is None:
        raise RuntimeError("milvus-lite is not installed (requirements-dev.txt)")
    port = free_port()
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 (closed below, after the server)
    process = subprocess.Popen(
        [command, "server", "--data-dir", str(Path(data_dir) / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not answers(uri):
            if process.poll() is not None:
                raise RuntimeError(f"milvus-lite server exited with {process.returncode}: see {log.name}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"milvus-lite server did not answer on {uri} within {timeout} s")
            time.sleep(0.2)
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """The URI of a milvus-lite server for this session."""
    if milvus_lite_command() is None:
        missing_tool("milvus-lite is not installed in this environment (requirements-dev.txt)")
    with milvus_lite_server(tmp_path_factory.mktemp("milvus")) as uri:
        yield uri


@pytest.fixture
def milvus_backend(milvus_server, settings):
    """SEARCH_BACKEND=milvus against the session's server, in a collection of this test's own (dropped after)."""
    from ai_pipeline.search import milvus

    settings.SEARCH_BACKEND = "milvus"
    settings.MILVUS_URI = milvus_server
    settings.MILVUS_TOKEN = ""
    settings.MILVUS_COLLECTION = f"test_{uuid.uuid4().hex[:12]}"
    settings.MILVUS_WRITE_BACKOFF = 0.01
    yield milvus_server
    try:
        milvus.drop_collection()
    finally:
        milvus.forget_connections()
