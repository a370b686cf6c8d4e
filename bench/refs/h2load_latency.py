#!/usr/bin/env python3
"""Latency percentiles from an h2load --log-file (bench/api_rate.sh's cross-check).

    h2load_latency.py LOG_FILE SECONDS EXPECTED_STATUS

h2load writes one row per request: its start time (microseconds since the epoch), the HTTP
status, and the microseconds until the end of its answer. h2load's --rps mode measures each
latency from the request's actual send, so a request held back because its connection was still
busy does not count the wait (coordinated omission, unlike bench/refs/open_loop.py). Rows are
those of h2load's measured period (after its --warm-up-time). Prints key=value pairs like
open_loop.py's: achieved, p50_ms p90_ms p99_ms max_ms (from the send), non_expected.
"""

import math
import sys


def main():
    path, seconds, expected = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    latencies = []
    non_expected = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split("\t")
            if len(fields) < 3:
                continue
            latencies.append(int(fields[2]) / 1000.0)
            if int(fields[1]) != expected:
                non_expected += 1
    latencies.sort()

    def pick(q):
        return latencies[max(0, math.ceil(q * len(latencies)) - 1)] if latencies else float("nan")

    print(f"client=h2load achieved={len(latencies) / seconds:.1f} counted={len(latencies)} "
          f"p50_ms={pick(0.5):.2f} p90_ms={pick(0.9):.2f} p99_ms={pick(0.99):.2f} "
          f"max_ms={latencies[-1] if latencies else float('nan'):.2f} non_expected={non_expected}")


if __name__ == "__main__":
    main()
