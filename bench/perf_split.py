#!/usr/bin/env python3
"""Splits the samples of a `perf record --call-graph` of `toq-media serve` by component.

    perf_split.py PERF_DATA

Each sample counts once, for the first rule below that matches any frame of its stack (leaf to
root), so a sample inside malloc called by SQLite counts as SQLite, and one in the scheduler
called from a condition-variable wait counts as a context switch. The rules name the request's
path: the access log, metrics, SQLite, the presigned URLs, the JWT check, JSON, the kernel's
scheduling and wake-ups, the socket calls, the body buffer's memset, the allocator, and what is
left of Asio, Beast and the server's own code. Percentages of the samples, i.e. of the server's
CPU time in the window.
"""

import collections
import re
import subprocess
import sys

RULES = [
    ("access log (spdlog, the JSON line)", r"toq::app::log|spdlog|StructuredFormatter"),
    ("metrics", r"toq::http::Metrics"),
    ("SQLite (statements, locks, commit)", r"sqlite3|toq::sqlite::|toq::sql::"),
    ("presigning (SigV4: the create and downloads routes' URLs)",
     r"presign|[Ss]igv4|SigV4|UrlSigner"),
    ("JWT check (libjwt, HMAC, jansson)", r"JwtVerifier|libjwt|jwt_|libcrypto|json_loads"),
    ("JSON (request parse, response build and dump)",
     r"nlohmann|converters::|json_response|log_ids|parse_json"),
    ("context switches (scheduler, futex and epoll waits)",
     r"futex_wait|__schedule|\bschedule\b|epoll_wait|pthread_cond_wait|posix_event::wait"),
    ("waking another thread (futex wake)",
     r"futex_wake|try_to_wake_up|pthread_cond_signal|posix_event::(un)?signal"),
    ("socket calls (kernel TCP on loopback)",
     r"tcp_|__sys_sendmsg|__sys_recvfrom|sock_|sendmsg|recvmsg|recvfrom|readv|writev"),
    ("memset (zeroed buffers)", r"memset"),
    ("malloc / free", r"malloc|_int_free|cfree|unlink_chunk|operator new|operator delete"),
    ("Asio, Beast and the server's own code", r"boost::|toq::http::"),
    ("the use cases (core)", r"toq::core::"),
]


def samples(data):
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,ip,sym,dso"],
                         capture_output=True, text=True, check=True).stdout
    stack = None
    for line in out.splitlines():
        if not line.strip():
            continue
        if line[0] not in " \t":
            if stack is not None:
                yield stack
            stack = []
        elif stack is not None:
            stack.append(line.strip())
    if stack is not None:
        yield stack


def main():
    rules = [(name, re.compile(pattern)) for name, pattern in RULES]
    counts = collections.Counter()
    total = 0
    for stack in samples(sys.argv[1]):
        total += 1
        for name, rx in rules:
            if any(rx.search(frame) for frame in stack):
                counts[name] += 1
                break
        else:
            counts["other"] += 1
    print(f"{total} samples")
    for name, n in counts.most_common():
        print(f"{100 * n / max(total, 1):5.1f} %  {name}")


if __name__ == "__main__":
    main()
