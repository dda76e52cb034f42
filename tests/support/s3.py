"""An S3-compatible object store for the tests: moto in server mode on 127.0.0.1 (the `moto_endpoint`
fixture in tests/conftest.py starts one per session), spoken to over real HTTP by boto3."""

import subprocess
import sys
from contextlib import contextmanager

from tests.support.ports import free_port, wait_for_port

MOTO_KEY = "testing-key"
MOTO_SECRET = "testing-secret"  # noqa: S105 (moto accepts any)
REGION = "us-east-1"


@contextmanager
def moto_server():
    """An S3 server (moto keeps its buckets in memory) until the block ends; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def s3_client(endpoint):
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=MOTO_KEY, aws_secret_access_key=MOTO_SECRET
    )


def s3_env(endpoint, bucket, prefix="nexochat"):
    """The env a web or worker process of another machine would get (see deploy/)."""
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": MOTO_KEY,
        "S3_SECRET_ACCESS_KEY": MOTO_SECRET,
        "S3_PREFIX": prefix,
        "S3_ADDRESSING_STYLE": "path",
    }


def object_storage_setting(endpoint, bucket, prefix="nexochat", chunk=5 * 1024**2):
    from boto3.s3.transfer import TransferConfig

    return {
        "BACKEND": "nexochat.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": MOTO_KEY,
            "secret_key": MOTO_SECRET,
            "location": prefix,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "file_overwrite": False,
            "default_acl": None,
            "max_memory_size": 8 * 1024**2,
            "transfer_config": TransferConfig(multipart_threshold=chunk, multipart_chunksize=chunk),
        },
    }


def keys(endpoint, bucket):
    listing = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]
