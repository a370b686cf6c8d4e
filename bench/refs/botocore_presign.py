#!/usr/bin/env python3
"""Reference of the presign benchmark: botocore (Debian's python3-botocore) presigning the same
PUT (Content-Type, Content-Length and x-amz-checksum-sha256 signed, one hour) COUNT times, offline.
Prints urls=N cpu_seconds=S urls_per_cpu_second=R (this process' CPU time for the loop).

    botocore_presign.py COUNT
"""

import sys
import time

import botocore.session


def main():
    count = int(sys.argv[1])
    session = botocore.session.get_session()
    client = session.create_client("s3", region_name="sa-east-1",
                                   aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                                   aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    params = {"Bucket": "toq-media-listings", "ContentType": "image/jpeg",
              "ContentLength": 4379037,
              "ChecksumSHA256": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="}
    client.generate_presigned_url("put_object", Params={**params, "Key": "warm"}, ExpiresIn=3600)
    start = time.process_time()
    for i in range(count):
        client.generate_presigned_url(
            "put_object", Params={**params, "Key": f"listings/28/batches/{i // 100}/raw/{i}"},
            ExpiresIn=3600)
    spent = time.process_time() - start
    print(f"urls={count} cpu_seconds={spent:.4f} urls_per_cpu_second={count / spent:.0f}")


if __name__ == "__main__":
    main()
