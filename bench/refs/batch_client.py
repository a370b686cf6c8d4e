#!/usr/bin/env python3
"""One batch from `complete` to READY over HTTP: starts `toq-media serve` (embedded default: SQLite,
local store) with WORKERS worker processes in a scratch data dir, registers a listing, creates a
batch of FILES (a photo or a video by its extension), uploads them through the answered URLs,
completes it and polls the status route every 20 ms until the batch is READY. Then it reads from
the database (sqlite3 CLI) when the last work item was done and when the job ended: the ZIP and
the ending happen in between.

    batch_client.py TOQ_MEDIA WORKERS FILE...
TOQ_BENCH_POLL_MILLIS sets the workers' poll (processing.pollMillis; 50 ms unless set).
prints: batch_s=.. zip_s=.. items=N workers_used=K max_parallel=P job_start_s=..
        first_item_s=.. idle_due_s=.. max_gap_s=.. heaviest_item_s=.. heaviest_start_s=..
        last_done_s=.. ready_seen_s=..
  batch_s: complete answered -> status READY; zip_s: last item done -> job completed;
  workers_used: distinct workers that did items; max_parallel: most items whose claim-to-done
  spans overlap at one moment. The rest is the run's timeline from the database, in seconds:
  job_start_s (complete answered -> the job claimed), first_item_s (-> the first item claimed),
  idle_due_s (the workers' time without an item while an item was still unclaimed, summed over
  workers: from the plan to each worker's first claim and between its items), max_gap_s (the
  longest such gap), heaviest_item_s (the longest item, claim -> done) and heaviest_start_s (its
  claim after the plan), last_done_s (complete -> the last item done), ready_seen_s (job
  completed -> READY seen by the status polls). Every item's span goes to stderr.
"""

import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from create_batch_client import json_call, start_server, stop_server, token  # noqa: E402

VIDEO = {".mp4": "video/mp4", ".mov": "video/quicktime", ".avi": "video/x-msvideo",
         ".mpg": "video/mpeg"}
PHOTO = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".png": "image/png"}


def displayed_portrait(path):
    """True when the file displays taller than wide (ffprobe: dimensions and display matrix)."""
    out = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height:stream_side_data=rotation", "-of", "json", path],
        capture_output=True, text=True, check=True).stdout)
    stream = out["streams"][0]
    width, height = stream["width"], stream["height"]
    rotation = next((int(d.get("rotation", 0)) for d in stream.get("side_data_list", [])), 0)
    if abs(rotation) % 180 == 90:
        width, height = height, width
    return height > width


def manifest(listing, paths):
    files, seq = [], {}
    for i, path in enumerate(paths):
        ext = os.path.splitext(path)[1].lower()
        kind = ("VIDEO_" if ext in VIDEO else "PHOTO_") + (
            "VERTICAL" if displayed_portrait(path) else "HORIZONTAL")
        seq[kind] = seq.get(kind, 0) + 1
        with open(path, "rb") as f:
            data = f.read()
        files.append({"clientId": f"f-{i}", "mediaType": kind,
                      "filename": f"{i:03d}{ext}", "contentType": VIDEO.get(ext, PHOTO.get(ext)),
                      "bytes": len(data),
                      "checksumSha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
                      "title": f"Arquivo {i}", "sequence": seq[kind]})
    return {"listingIdentityId": listing, "batchReference": "bench-batch", "files": files}


def put(url, headers, data):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    conn.request("PUT", u.path + ("?" + u.query if u.query else ""), body=data, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status >= 300:
        raise SystemExit(f"PUT {u.path}: {response.status} {body[:300]!r}")
    return response.getheader("ETag", "")


def upload(created, paths):
    parts_out = []
    for i, f in enumerate(created["files"]):
        with open(paths[int(f["clientId"][2:])], "rb") as src:
            data = src.read()
        if "upload" in f:
            put(f["upload"]["url"], f["upload"].get("headers", {}), data)
            continue
        mp = f["multipart"]
        size = mp["partSizeBytes"]
        parts = [{"partNumber": p["partNumber"],
                  "etag": put(p["url"], {}, data[(p["partNumber"] - 1) * size:
                                                 (p["partNumber"] - 1) * size + p["bytes"]])}
                 for p in mp["parts"]]
        parts_out.append({"clientId": f["clientId"], "parts": parts})
    return parts_out


def overlap(spans):
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    best = now = 0
    for _, step in events:
        now += step
        best = max(best, now)
    return best


def timeline(rows, complete_ms):
    """The metrics of the module's docstring from the work items' rows (times in epoch ms)."""
    planned = min(r["created_at"] for r in rows)
    last_claim = max(r["claimed_at"] for r in rows)
    last_done = max(r["done_at"] for r in rows)
    completed = rows[0]["completed_at"]
    gaps = []
    for owner in sorted({r["lease_owner"] for r in rows}):
        mine = sorted((r for r in rows if r["lease_owner"] == owner), key=lambda r: r["claimed_at"])
        free = planned
        for r in mine:
            # Only while some item was still unclaimed: after the last claim there is nothing due.
            gaps.append(max(0, min(r["claimed_at"], last_claim) - free))
            free = r["done_at"]
    for r in sorted(rows, key=lambda r: r["claimed_at"]):
        print(f"item {r['filename']} heavy={r['heavy']} by {r['lease_owner']}: "
              f"{(r['claimed_at'] - planned) / 1000:.3f} -> "
              f"{(r['done_at'] - planned) / 1000:.3f} s", file=sys.stderr)
    heaviest = max(rows, key=lambda r: r["done_at"] - r["claimed_at"])
    return {
        "zip_s": f"{(completed - last_done) / 1000:.3f}",
        "items": len(rows),
        "workers_used": len({r["lease_owner"] for r in rows}),
        "max_parallel": overlap([(r["claimed_at"], r["done_at"]) for r in rows]),
        "job_start_s": f"{(rows[0]['started_at'] - complete_ms) / 1000:.3f}",
        "first_item_s": f"{(min(r['claimed_at'] for r in rows) - complete_ms) / 1000:.3f}",
        "idle_due_s": f"{sum(gaps) / 1000:.3f}",
        "max_gap_s": f"{max(gaps) / 1000:.3f}",
        "heaviest_item_s": f"{(heaviest['done_at'] - heaviest['claimed_at']) / 1000:.3f}",
        "heaviest_start_s": f"{(heaviest['claimed_at'] - planned) / 1000:.3f}",
        "last_done_s": f"{(last_done - complete_ms) / 1000:.3f}",
    }


def main():
    binary, workers, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    data_dir = tempfile.mkdtemp(prefix="toq-bench-batch-")
    os.environ["TOQ_MEDIA_PROCESSING_WORKERS"] = workers
    # An idle worker's look for a due job; the bench's default is 50 ms (the server's is 500).
    os.environ["TOQ_MEDIA_PROCESSING_POLL_MILLIS"] = os.environ.get("TOQ_BENCH_POLL_MILLIS", "50")
    proc = None
    try:
        files = manifest(1, paths)  # before the connection: the server closes idle ones
        proc, port = start_server(binary, data_dir)
        service = token(binary, data_dir, 1, "service")
        photographer = token(binary, data_dir, 7, "photographer")

        def call(path, body, bearer, method="POST"):
            # A connection per call: the uploads take longer than the server keeps an idle one.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            data = json_call(conn, method, path, body, bearer)
            return json.loads(data) if data else {}

        call("/api/v2/internal/listings/1", {"ownerId": 11, "photographerId": 7,
                                              "kind": "RESIDENTIAL",
                                              "status": "PENDING_PHOTO_PROCESSING"}, service, "PUT")
        created = call("/api/v2/listings/media/uploads", files, photographer)
        parts = upload(created, paths)
        batch = created["batchId"]
        started = time.monotonic()
        started_epoch_ms = time.time() * 1000.0
        call("/api/v2/listings/media/uploads/complete",
             {"listingIdentityId": 1, "batchId": batch, "files": parts}, photographer)
        while True:
            status = call("/api/v2/listings/media/status",
                          {"listingIdentityId": 1, "batchId": batch}, photographer)["status"]
            if status in ("READY", "FAILED"):
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        if status != "READY":
            raise SystemExit(f"batch ended {status}")
        db = os.path.join(data_dir, "toq-media.db")
        rows = json.loads(subprocess.run(
            ["sqlite3", "-readonly", "-json", db,
             "SELECT w.asset_id, w.heavy, w.lease_owner, w.created_at, w.claimed_at, w.done_at, "
             "j.started_at, j.completed_at, a.filename FROM work_items w "
             "JOIN jobs j ON j.id = w.job_id JOIN assets a ON a.id = w.asset_id"],
            capture_output=True, text=True, check=True).stdout or "[]")
        ready_seen = elapsed - (rows[0]["completed_at"] - started_epoch_ms) / 1000
        print(f"batch_s={elapsed:.3f} " + " ".join(
            f"{k}={v}" for k, v in timeline(rows, started_epoch_ms).items()) +
            f" ready_seen_s={ready_seen:.3f}")
    finally:
        stop_server(proc, data_dir)


if __name__ == "__main__":
    main()
