#!/usr/bin/env python3
"""Slow and hostile clients against the real `toq-media serve` (loopback only, bounded).

While IDLE connections sit idle or dribble (a third connect and send nothing; a third send the
headers of `POST /api/v2/listings/media/status` one byte at a time; a third send those headers
with `Content-Length: 100000` and then one body byte every few seconds) and UPLOADS honest uploads
stream photos to presigned URLs at RATE bytes/s each, a prober calls `/healthz` and an
authenticated status call on fresh connections, several times a second. A connection the server
closes (its header deadline) is opened again, so the count stays up for the whole run.

Checked (exit status 1 when any fails):
  - every probe answered, with its exact expected status and body;
  - every upload answered 200 with an ETag, and each batch's `complete` answers 202: the server
    verified every file's length and SHA-256, so nothing was lost or corrupted;
  - the server's peak RSS (VmHWM) stays under --max-rss-mib;
  - the server is still alive and stops cleanly on SIGTERM.
Reported, never asserted: connections held, requests, p50 / p99 / max of each probe kind.

  connection_load.py BINARY [--idle 1000 --uploads 200 --rate 40000 --bytes 400000]
"""

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[index]


class Server:
    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = data_dir + ".log"
        env = dict(os.environ, TOQ_MEDIA_PROCESSING_START_WORKERS="false")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"],
            stderr=self.log, env=env)
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            time.sleep(0.05)
            if self.proc.poll() is not None:
                raise RuntimeError("serve exited early:\n" + open(self.log_path).read())
            for line in open(self.log_path):
                if '"listening"' in line:
                    self.port = json.loads(line)["port"]
        if self.port is None:
            raise RuntimeError("serve did not report listening")

    def token(self, sub, role):
        out = subprocess.run([self.binary, "token", "--data-dir", self.data_dir, "--sub", str(sub),
                              "--role", role, "--ttl", "3600"], check=True, capture_output=True,
                             text=True)
        return out.stdout.strip()

    def rss_kib(self, field="VmRSS"):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -9


async def request(port, method, target, headers=None, body=b"", timeout=30.0):
    """One request on a fresh connection: (status, headers, body, seconds)."""
    started = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    seconds = time.perf_counter() - started
    head, _, payload = raw.partition(b"\r\n\r\n")
    first = head.split(b"\r\n", 1)[0].decode(errors="replace")
    status = int(first.split()[1]) if first.startswith("HTTP/1.1 ") else 0
    return status, head.decode(errors="replace"), payload, seconds


class Load:
    def __init__(self, args, server):
        self.args = args
        self.server = server
        self.port = server.port
        self.stop = asyncio.Event()
        self.errors = []
        self.held = 0
        self.peak_held = 0
        self.reopened = 0
        self.probes = {"healthz": [], "status": []}

    def fail(self, what):
        if len(self.errors) < 50:
            self.errors.append(what)

    async def hostile(self, kind):
        """One idle or dribbling connection, opened again whenever the server closes it."""
        head = (f"POST /api/v2/listings/media/status HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n").encode()
        first = True
        while not self.stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError as e:
                self.fail(f"hostile connect: {e}")
                await asyncio.sleep(1)
                continue
            if not first:
                self.reopened += 1
            first = False
            self.held += 1
            self.peak_held = max(self.peak_held, self.held)
            try:
                if kind == "body":
                    writer.write(head + b"{")
                    await writer.drain()
                sent = 0
                while not self.stop.is_set():
                    try:
                        data = await asyncio.wait_for(reader.read(4096), self.args.dribble_every)
                        if not data:
                            break  # closed by the server (a deadline)
                        continue
                    except asyncio.TimeoutError:
                        pass
                    if kind == "headers" and sent < len(head) - 1:
                        writer.write(head[sent:sent + 1])
                        sent += 1
                    elif kind == "body":
                        writer.write(b" ")
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                self.held -= 1
                writer.close()

    async def upload(self, instruction, data, results, index):
        url = instruction["url"]
        match = re.match(r"http://127\.0\.0\.1:(\d+)(/.*)", url)
        target = match.group(2)
        lines = [f"PUT {target} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close"]
        for name, value in instruction["headers"].items():
            lines.append(f"{name}: {value}")
        if not any(k.lower() == "content-length" for k in instruction["headers"]):
            lines.append(f"Content-Length: {len(data)}")
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            piece = max(1, self.args.rate // 10)
            for offset in range(0, len(data), piece):
                writer.write(data[offset:offset + piece])
                await writer.drain()
                await asyncio.sleep(0.1)
            raw = await asyncio.wait_for(reader.read(), 60)
            writer.close()
        except (ConnectionError, OSError, asyncio.TimeoutError) as e:
            self.fail(f"upload {index}: {e!r}")
            results[index] = False
            return
        head = raw.partition(b"\r\n\r\n")[0].decode(errors="replace")
        ok = head.startswith("HTTP/1.1 200") and re.search(r"(?im)^etag:", head) is not None
        if not ok:
            self.fail(f"upload {index}: {head[:200]}")
        results[index] = ok
        results[f"seconds-{index}"] = time.perf_counter() - started

    async def prober(self, status_token, listing):
        body = json.dumps({"listingIdentityId": listing}).encode()
        auth = {"Authorization": f"Bearer {status_token}", "Content-Type": "application/json"}
        while not self.stop.is_set():
            try:
                status, _, payload, seconds = await request(self.port, "GET", "/healthz")
                if status != 200 or json.loads(payload) != {"status": "ok"}:
                    self.fail(f"healthz: {status} {payload[:200]!r}")
                self.probes["healthz"].append(seconds)
                status, _, payload, seconds = await request(
                    self.port, "POST", "/api/v2/listings/media/status", auth, body)
                answer = json.loads(payload) if payload else {}
                if status != 200 or answer.get("listingIdentityId") != listing:
                    self.fail(f"status: {status} {payload[:200]!r}")
                self.probes["status"].append(seconds)
            except (ConnectionError, OSError, asyncio.TimeoutError, ValueError) as e:
                self.fail(f"probe: {e!r}")
            await asyncio.sleep(self.args.probe_every)


async def run(args):
    work = tempfile.mkdtemp(prefix="toq-load-")
    server = Server(args.binary, os.path.join(work, "var"))
    report = {}
    try:
        service = server.token(1, "service")
        photographer = server.token(7, "photographer")
        port = server.port
        load = Load(args, server)
        auth = {"Authorization": f"Bearer {service}", "Content-Type": "application/json"}
        rng = random.Random(12)

        # Listings and batches: at most 100 files per batch, one open batch per listing.
        batches = []
        uploads = []
        per_batch = 100
        for b in range((args.uploads + per_batch - 1) // per_batch):
            listing = 9000 + b
            status, _, payload, _ = await request(
                port, "PUT", f"/api/v2/internal/listings/{listing}", auth,
                json.dumps({"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL",
                            "status": "PENDING_PHOTO_PROCESSING"}).encode())
            if status != 200:
                raise RuntimeError(f"register listing: {status} {payload[:300]!r}")
            files = []
            datas = {}
            for i in range(min(per_batch, args.uploads - b * per_batch)):
                data = rng.randbytes(args.bytes)
                client_id = f"p-{i}"
                datas[client_id] = data
                files.append({"clientId": client_id, "mediaType": "PHOTO_HORIZONTAL",
                              "filename": f"IMG_{i}.jpg", "contentType": "image/jpeg",
                              "bytes": len(data),
                              "checksumSha256": base64.b64encode(
                                  hashlib.sha256(data).digest()).decode(),
                              "title": "Sala", "sequence": i + 1})
            status, _, payload, _ = await request(
                port, "POST", "/api/v2/listings/media/uploads",
                {"Authorization": f"Bearer {photographer}", "Content-Type": "application/json"},
                json.dumps({"listingIdentityId": listing, "batchReference": "load",
                            "files": files}).encode())
            if status != 201:
                raise RuntimeError(f"create batch: {status} {payload[:300]!r}")
            created = json.loads(payload)
            batches.append((listing, created["batchId"]))
            for f in created["files"]:
                uploads.append((f["upload"], datas[f["clientId"]]))
        status_listing = batches[0][0]
        baseline_rss = server.rss_kib()

        kinds = ["idle", "headers", "body"]
        hostile = [asyncio.create_task(load.hostile(kinds[i % 3])) for i in range(args.idle)]
        # Let the hostile connections pile up before the measured phase.
        for _ in range(100):
            if load.held >= args.idle * 0.95:
                break
            await asyncio.sleep(0.1)
        held_before = load.held
        prober = asyncio.create_task(load.prober(photographer, status_listing))
        peak_rss = [server.rss_kib()]

        async def sample_rss():
            while not load.stop.is_set():
                peak_rss[0] = max(peak_rss[0], server.rss_kib())
                await asyncio.sleep(0.2)

        sampler = asyncio.create_task(sample_rss())
        results = {}
        started = time.perf_counter()
        await asyncio.gather(*(load.upload(u, d, results, i) for i, (u, d) in enumerate(uploads)))
        upload_seconds = time.perf_counter() - started
        held_during = load.held

        # Nothing lost: the server checks every file's length and checksum on complete.
        completes = []
        for listing, batch in batches:
            status, _, payload, _ = await request(
                port, "POST", "/api/v2/listings/media/uploads/complete",
                {"Authorization": f"Bearer {photographer}", "Content-Type": "application/json"},
                json.dumps({"listingIdentityId": listing, "batchId": batch,
                            "files": []}).encode())
            completes.append(status)
            if status != 202:
                load.fail(f"complete batch {batch}: {status} {payload[:300]!r}")

        load.stop.set()
        await prober
        await sampler
        for task in hostile:
            task.cancel()
        await asyncio.gather(*hostile, return_exceptions=True)

        peak = max(peak_rss[0], server.rss_kib("VmHWM"))
        alive = server.proc.poll() is None
        ok_uploads = sum(1 for k, v in results.items() if isinstance(k, int) and v)
        report = {
            "hostile_connections": {"target": args.idle, "held_at_start": held_before,
                                    "held_at_end_of_uploads": held_during,
                                    "peak": load.peak_held, "reopened": load.reopened},
            "uploads": {"count": len(uploads), "ok": ok_uploads, "bytes_each": args.bytes,
                        "rate_bytes_per_s": args.rate, "wall_s": round(upload_seconds, 2)},
            "batches_completed_202": sum(1 for s in completes if s == 202),
            "batches": len(batches),
        }
        for name, values in load.probes.items():
            report[name] = {"requests": len(values),
                            "p50_ms": round(percentile(values, 50) * 1000, 2),
                            "p99_ms": round(percentile(values, 99) * 1000, 2),
                            "max_ms": round(max(values) * 1000, 2) if values else None}
        report["rss_mib"] = {"before_load": round(baseline_rss / 1024, 1),
                             "peak": round(peak / 1024, 1), "limit": args.max_rss_mib}
        report["errors"] = load.errors
        exit_code = server.stop() if alive else None
        report["server_alive_after_load"] = alive
        report["server_exit_code"] = exit_code
        ok = (not load.errors and alive and exit_code == 0 and ok_uploads == len(uploads)
              and all(s == 202 for s in completes) and peak / 1024 <= args.max_rss_mib
              and all(load.probes[k] for k in load.probes))
        report["p99_target_100ms_met"] = all(
            percentile(v, 99) <= 0.1 for v in load.probes.values() if v)
        report["result"] = "PASS" if ok else "FAIL"
        print(json.dumps(report, indent=2))
        return 0 if ok else 1
    finally:
        server.stop()
        if args.keep:
            print("kept:", work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--idle", type=int, default=1000, help="idle or dribbling connections")
    parser.add_argument("--uploads", type=int, default=200, help="concurrent honest uploads")
    parser.add_argument("--rate", type=int, default=40000, help="bytes/s of each upload")
    parser.add_argument("--bytes", type=int, default=400000, help="bytes of each upload")
    parser.add_argument("--dribble-every", type=float, default=5.0,
                        help="seconds between a dribbling connection's bytes")
    parser.add_argument("--probe-every", type=float, default=0.05,
                        help="seconds between two probe rounds")
    parser.add_argument("--max-rss-mib", type=float, default=512.0)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
