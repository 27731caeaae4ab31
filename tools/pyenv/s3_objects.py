"""Object-storage helper of crates/millstone/tests/s3.rs (boto3, against a local S3-compatible
server such as moto's):

put ENDPOINT BUCKET KEY FILE   create BUCKET if needed, upload FILE as KEY
list ENDPOINT BUCKET PREFIX    print the keys under PREFIX, one a line
get ENDPOINT BUCKET KEY FILE   download KEY to FILE
"""

import sys

import boto3


def client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )


def main(argv):
    arity = {"put": 5, "list": 4, "get": 5}
    if not argv or arity.get(argv[0]) != len(argv):
        sys.exit(__doc__)
    cmd, endpoint, bucket = argv[0], argv[1], argv[2]
    s3 = client(endpoint)
    if cmd == "put":
        existing = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
        s3.upload_file(argv[4], bucket, argv[3])
    elif cmd == "list":
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=argv[3])
        for page in pages:
            for obj in page.get("Contents", []):
                print(obj["Key"])
    else:
        s3.download_file(bucket, argv[3], argv[4])


if __name__ == "__main__":
    main(sys.argv[1:])
