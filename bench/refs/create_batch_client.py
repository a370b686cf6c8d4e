#!/usr/bin/env python3
"""The create-batch route measured over HTTP: starts `toq-media serve` (embedded default: SQLite,
local store) in a scratch data dir on a free port, registers LISTINGS listings, then sends one
POST /api/v2/listings/media/uploads of FILES photos (all single PUTs) per listing, one after the
other on one keep-alive connection, and prints the latencies. The harness measures this process
and the server together (CPU is both). A template for other HTTP benchmarks: start the server the
same way and replace measure() (or drive it with wrk).

    create_batch_client.py TOQ_MEDIA LISTINGS FILES
prints: requests=N files_per_request=F p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests_per_s=..
"""

import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def start_server(binary, data_dir):
    log = open(os.path.join(data_dir, "serve.log"), "w+", encoding="utf-8")
    proc = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        for line in log:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if "listening" in entry.get("msg", entry.get("message", "")) and "port" in entry:
                return proc, int(entry["port"])
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    log.seek(0)
    raise SystemExit("toq-media serve did not report listening:\n" + log.read()[-2000:])


def stop_server(proc, data_dir):
    """SIGTERM to the server (SIGKILL after 30 s), then its scratch data dir removed."""
    if proc is not None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    shutil.rmtree(data_dir, ignore_errors=True)


def json_call(conn, method, path, body, bearer):
    """One JSON request on `conn` with a bearer token; the answer's bytes (exits on an error)."""
    conn.request(method, path, body=json.dumps(body),
                 headers={"Authorization": f"Bearer {bearer}",
                          "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data[:500]!r}")
    return data


def token(binary, data_dir, sub, role):
    return subprocess.run([binary, "token", "--data-dir", data_dir, "--sub", str(sub), "--role",
                           role, "--ttl", "3600"], capture_output=True, text=True,
                          check=True).stdout.strip()


def main():
    binary, listings, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    data_dir = tempfile.mkdtemp(prefix="toq-bench-serve-")
    proc = None
    try:
        proc, port = start_server(binary, data_dir)
        service = token(binary, data_dir, 1, "service")
        photographer = token(binary, data_dir, 7, "photographer")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def call(method, path, body, bearer):
            return json_call(conn, method, path, body, bearer)

        for listing in range(1, listings + 1):
            call("PUT", f"/api/v2/internal/listings/{listing}",
                 {"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL",
                  "status": "PENDING_PHOTO_PROCESSING"}, service)
        checksum = base64.b64encode(bytes(range(32))).decode()
        latencies = []
        started = time.monotonic()
        for listing in range(1, listings + 1):
            manifest = {"listingIdentityId": listing, "batchReference": f"bench-{listing}",
                        "files": [{"clientId": f"f-{i}", "mediaType": "PHOTO_HORIZONTAL",
                                   "filename": f"IMG_{i:04d}.jpg", "contentType": "image/jpeg",
                                   "bytes": 4_000_000 + i, "checksumSha256": checksum,
                                   "title": f"Foto {i}", "sequence": i}
                                  for i in range(1, files + 1)]}
            t0 = time.monotonic()
            body = call("POST", "/api/v2/listings/media/uploads", manifest, photographer)
            latencies.append((time.monotonic() - t0) * 1000)
            if len(json.loads(body)["files"]) != files:
                raise SystemExit("create-batch answered a different number of files")
        elapsed = time.monotonic() - started
        latencies.sort()

        def pct(p):
            return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
        print(f"requests={len(latencies)} files_per_request={files} p50_ms={pct(50):.2f} "
              f"p90_ms={pct(90):.2f} p99_ms={pct(99):.2f} max_ms={latencies[-1]:.2f} "
              f"requests_per_s={len(latencies) / elapsed:.1f}")
    finally:
        stop_server(proc, data_dir)


if __name__ == "__main__":
    main()
