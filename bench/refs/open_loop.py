#!/usr/bin/env python3
"""An open-loop (rate-bounded) HTTP/1.1 load client for bench/api_rate.sh.

    open_loop.py PORT REQUESTS_JSON ROUTE RATE SECONDS [--connections 50] [--warmup 2]
                 [--first-listing N]

Sends ROUTE's request (from REQUESTS_JSON, written by bench/refs/api_setup.py) RATE times a
second at fixed intervals for SECONDS, over up to --connections keep-alive connections opened
before the clock starts. Request i is scheduled at start + i / RATE and goes out on an idle
connection as soon as it is due; when all connections are busy it waits in a queue. Each
latency is measured from the request's *scheduled* time to the last byte of its answer, so a
server that falls behind is charged for the time requests waited to be sent (coordinated
omission corrected, as wrk2 does); the time from the actual send is printed beside it.
Requests scheduled in the first --warmup seconds are sent but not counted.

For the create route each request names a listing of its own, first-listing onwards (one open
batch per listing); the other routes send the same body every time.

Prints one line of key=value pairs: rate (asked), achieved (answers per second counted),
p50_ms p90_ms p99_ms max_ms (from the schedule), send_p50_ms send_p99_ms (from the send),
late_p99_ms (how late the send was against the schedule), non_expected (answers with another
status than the route's), errors (connection failures, answers missing at the end), reopened
(idle connections the server closed at its keep-alive timeout, opened again), resent (requests
sent again because the server closed their connection at that timeout as they went out),
client_cpu_s.
"""

import argparse
import json
import math
import resource
import selectors
import socket
import sys
import time


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    # Nearest rank: the smallest value with at least q of the values at or below it.
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


class Conn:
    def __init__(self, port):
        self.port = port
        self.open()

    def open(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pending = None  # (scheduled, sent, counted) while a request is in flight
        self.closed = False  # the server closed it while idle (its keep-alive timeout)
        self.request = b""
        self.resent = False

    def answer_length(self):
        """The answer's total length once its head is in, else None."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        length = 0
        for line in bytes(self.buf[:end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return end + 4 + length


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("requests_json")
    p.add_argument("route")
    p.add_argument("rate", type=float)
    p.add_argument("seconds", type=float)
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--first-listing", type=int, default=0)
    args = p.parse_args()

    with open(args.requests_json, encoding="utf-8") as f:
        spec = json.load(f)
    route = spec["routes"][args.route]
    head = (f"{route['method']} {route['path']} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
            f"Authorization: Bearer {spec['token']}\r\nContent-Type: application/json\r\n")
    expected = route["expect"]

    def request(i):
        if "body_before_listing" in route:
            body = (route["body_before_listing"] + str(args.first_listing + i) +
                    route["body_after_listing"]).encode()
        else:
            body = route["body"].encode()
        return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    conns = [Conn(args.port) for _ in range(args.connections)]
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
    # The most recently used idle connection first, as Go's http.Transport picks them: at a low
    # rate the rest stay idle and the server closes them at its keep-alive timeout (reopened).
    idle = list(conns)
    reopened, resent = 0, 0
    total = int(args.rate * (args.seconds + args.warmup))
    interval = 1.0 / args.rate
    queue = []  # (index, scheduled) due but not sent: no idle connection
    latencies, from_send, late = [], [], []
    non_expected, errors, answered = 0, 0, 0
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic() + 0.05
    counted_from = start + args.warmup
    next_i = 0
    queue_head = 0
    in_flight = 0
    deadline = start + args.seconds + args.warmup + 30
    while next_i < total or in_flight or queue_head < len(queue):
        now = time.monotonic()
        if now > deadline:
            break
        while next_i < total and start + next_i * interval <= now:
            queue.append((next_i, start + next_i * interval))
            next_i += 1
        while queue_head < len(queue) and idle:
            i, scheduled = queue[queue_head]
            queue_head += 1
            c = idle.pop()
            if c.closed:
                c.open()
                sel.register(c.sock, selectors.EVENT_READ, c)
                reopened += 1
            sent = time.monotonic()
            c.request = request(i)
            try:
                c.sock.sendall(c.request)
            except OSError:
                errors += 1
                sel.unregister(c.sock)
                c.sock.close()
                c.closed = True
                idle.append(c)
                continue
            c.pending = (scheduled, sent, scheduled >= counted_from)
            in_flight += 1
        timeout = None
        if next_i < total:
            timeout = max(0.0, start + next_i * interval - time.monotonic())
        elif in_flight == 0 and queue_head >= len(queue):
            break
        for key, _ in sel.select(timeout if timeout is not None else 1.0):
            c = key.data
            try:
                data = c.sock.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                sel.unregister(c.sock)
                c.sock.close()
                if c.pending and not c.buf and not c.resent:
                    # Closed by its keep-alive timeout as the request went out (no byte of an
                    # answer): sent again on a new connection, still timed from its schedule.
                    pending = c.pending
                    c.open()
                    sel.register(c.sock, selectors.EVENT_READ, c)
                    try:
                        c.sock.sendall(c.request)
                        c.pending, c.resent = pending, True
                        resent += 1
                        continue
                    except OSError:
                        sel.unregister(c.sock)
                        c.sock.close()
                        c.pending = pending
                if c.pending:
                    errors += 1
                    in_flight -= 1
                    c.pending = None
                    idle.append(c)
                c.closed = True
                continue
            c.buf += data
            length = c.answer_length()
            if length is None or len(c.buf) < length or c.pending is None:
                continue
            done = time.monotonic()
            status = int(bytes(c.buf[9:12]))
            del c.buf[:length]
            scheduled, sent, counted = c.pending
            c.pending = None
            c.resent = False
            in_flight -= 1
            idle.append(c)
            if counted:
                answered += 1
                latencies.append(done - scheduled)
                from_send.append(done - sent)
                late.append(sent - scheduled)
                if status != expected:
                    non_expected += 1
    errors += in_flight + (len(queue) - queue_head) + (total - next_i)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()
    from_send.sort()
    late.sort()
    ms = 1000.0
    print(f"route={args.route} connections={args.connections} rate={args.rate:g} "
          f"achieved={answered / args.seconds:.1f} counted={answered} "
          f"p50_ms={percentile(latencies, 0.5) * ms:.2f} p90_ms={percentile(latencies, 0.9) * ms:.2f} "
          f"p99_ms={percentile(latencies, 0.99) * ms:.2f} max_ms={latencies[-1] * ms if latencies else float('nan'):.2f} "
          f"send_p50_ms={percentile(from_send, 0.5) * ms:.2f} "
          f"send_p99_ms={percentile(from_send, 0.99) * ms:.2f} "
          f"late_p99_ms={percentile(late, 0.99) * ms:.2f} non_expected={non_expected} "
          f"errors={errors} reopened={reopened} resent={resent} "
          f"client_cpu_s={cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime:.2f}")
    for c in conns:
        c.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
