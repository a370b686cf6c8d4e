"""Presign: upload URLs per CPU-second on one core with the signing key cached (the S3 adapter and
the embedded store), against botocore presigning the same PUT; and the create-batch route for 100
files over HTTP against the embedded default (toq-media serve), latencies per request."""

from __future__ import annotations

import os
import re

from harness import Benchmark, Case

_KV = re.compile(r"(\w+)=([0-9.]+)")


def _metrics(*names):
    def parse(text):
        found = dict(_KV.findall(text))
        return {n: float(found[n]) for n in names if n in found}
    return parse


def benchmarks(ctx) -> list:
    count = 2000 if ctx.smoke else 300_000
    boto_count = 200 if ctx.smoke else 20_000
    refs = os.path.join(ctx.root, "bench", "refs")
    binary = ctx.binary("toq_presign_bench")
    rate = _metrics("urls_per_cpu_second")
    presign = Benchmark(
        name=f"presign: one PUT URL (Content-Type, Content-Length, x-amz-checksum-sha256 signed), "
             f"{count} URLs on one thread, key cached",
        cases=[
            Case("toq-media S3 adapter", [binary, "s3", str(count)], parse=rate),
            Case("toq-media embedded store", [binary, "local", str(count)], parse=rate),
            Case(f"botocore 1.29 ({boto_count} URLs)",
                 ["python3", os.path.join(refs, "botocore_presign.py"), str(boto_count)],
                 reference=True, parse=rate),
        ],
        notes=["urls_per_cpu_second is the process' own CPU time for the loop (the target is per "
               "core); the wall/CPU columns are the whole process and count different numbers of "
               "URLs, so compare the rate column."])
    listings = 3 if ctx.smoke else 200
    create = Benchmark(
        name=f"create-batch route: {listings} batches of 100 photos over HTTP, one keep-alive "
             "connection, toq-media serve (SQLite, local store)",
        cases=[Case("POST /api/v2/listings/media/uploads (100 files)",
                    ["python3", os.path.join(refs, "create_batch_client.py"), ctx.toq_media,
                     str(listings), "100"],
                    reference=True,
                    parse=_metrics("p50_ms", "p90_ms", "p99_ms", "max_ms", "requests_per_s"))],
        notes=["The process measured is the client and the server together (server start and "
               "listing registration included in wall and CPU); the latency columns are the "
               "create requests alone."])
    return [presign, create]
