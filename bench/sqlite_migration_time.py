#!/usr/bin/env python3
"""How long a SQLite schema migration holds a large embedded database at start.

`serve`, `worker` and `migrate` apply pending migrations in one write transaction when they open
the database (adapter/sqlite/sqlite_database.cpp), before `serve` listens. Migration 9 rebuilds
batches, jobs, assets and work_items (SQLite's 12-step procedure, then PRAGMA foreign_key_check
over the whole database), so its time grows with the data. This makes a database at the old
binary's schema with `toq-media migrate` of that binary, fills it with READY batches (one job,
N photo assets with 8 renditions and a work item each), then times the new binary's
`toq-media migrate` on a fresh copy, ROUNDS times (wall, and CPU from wait4).

  bench/sqlite_migration_time.py --old OLD_TOQ_MEDIA --new NEW_TOQ_MEDIA \\
      [--batches 10000] [--assets 40] [--rounds 3] [--work DIR]

OLD_TOQ_MEDIA: a build from before the migration measured (for migration 9: main 3fc17d1 or
earlier). The filled database is kept in DIR/base between runs (remove it to refill).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time

from harness import Case, run_once

NOW = 1765000000
RENDITIONS = [(name, fmt) for name in ("thumbnail", "small", "medium", "large")
              for fmt in ("jpeg", "webp")]


def fill(db: str, batches: int, per: int) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = OFF")  # filling only; the migration runs as shipped
    sha = hashlib.sha256(b"bench").hexdigest()
    ids = range(1, batches + 1)
    with conn:
        conn.executemany("INSERT INTO listings VALUES (?, 7, 9, 'RESIDENTIAL', "
                         "'PENDING_OWNER_APPROVAL', ?)", ((b, NOW) for b in ids))
        conn.executemany("INSERT INTO batches (id, listing_id, reference, status, created_by, "
                         "created_at, updated_at, expires_at) VALUES (?, ?, ?, 'READY', 9, ?, ?, ?)",
                         ((b, b, f"ref-{b}", NOW, NOW, NOW + 86400) for b in ids))
        conn.executemany("INSERT INTO jobs (id, batch_id, run, attempt, status, created_at, "
                         "started_at, completed_at, available_at) "
                         "VALUES (?, ?, 1, 1, 'SUCCEEDED', ?, ?, ?, ?)",
                         ((b, b, NOW, NOW, NOW + 60, NOW) for b in ids))

        def assets():
            for b in ids:
                for i in range(1, per + 1):
                    yield ((b - 1) * per + i, b, f"c{i}", f"IMG_{i:04d}.jpg", 5_000_000 + i, sha,
                           i, b, NOW, NOW)
        conn.executemany("INSERT INTO assets (id, batch_id, client_id, media_type, filename, "
                         "content_type, bytes, checksum_sha256, sequence, status, width, height, "
                         "format, job_id, created_at, updated_at) VALUES (?, ?, ?, "
                         "'PHOTO_HORIZONTAL', ?, 'image/jpeg', ?, ?, ?, 'READY', 6000, 4000, "
                         "'jpeg', ?, ?, ?)", assets())
        conn.executemany("INSERT INTO work_items (job_id, asset_id, heavy, claim_rank, status, "
                         "attempt, available_at, claimed_at, done_at, created_at) "
                         "VALUES (?, ?, 0, 1, 'DONE', 1, ?, ?, ?, ?)",
                         ((b, (b - 1) * per + i, NOW, NOW, NOW + 30, NOW)
                          for b in ids for i in range(1, per + 1)))

        def renditions():
            for b in ids:
                for i in range(1, per + 1):
                    asset = (b - 1) * per + i
                    for name, fmt in RENDITIONS:
                        yield (asset, b, name, fmt,
                               f"listings/{b}/batches/{b}/jobs/{b}/assets/{asset}/{name}.{fmt}",
                               sha)
        conn.executemany("INSERT INTO renditions (asset_id, job_id, name, format, width, height, "
                         "bytes, key, sha256_hex) VALUES (?, ?, ?, ?, 1920, 1080, 100000, ?, ?)",
                         renditions())
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def migrate(binary: str, data_dir: str, log) -> tuple:
    """`toq-media migrate` on data_dir through the bench harness: (wall s, CPU s, applied)."""
    def applied(out):
        return {"applied": [line.strip() for line in out.splitlines()
                            if line.strip().startswith("applied")]}
    run = run_once(Case("migrate", [binary, "migrate", "--data-dir", data_dir], parse=applied), log)
    return run.wall, run.cpu, run.metrics["applied"]


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--old", required=True)
    args.add_argument("--new", required=True)
    args.add_argument("--batches", type=int, default=10000)
    args.add_argument("--assets", type=int, default=40)
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "toq-migration-time"))
    a = args.parse_args()
    base = os.path.join(a.work, "base")
    db = os.path.join(base, "toq-media.db")
    os.makedirs(a.work, exist_ok=True)
    log = open(os.path.join(a.work, "migrate.log"), "a", encoding="utf-8")  # the commands' stderr
    if not os.path.exists(db):
        os.makedirs(base, exist_ok=True)
        migrate(a.old, base, log)
        started = time.monotonic()
        fill(db, a.batches, a.assets)
        print(f"filled {a.batches} batches x {a.assets} assets in "
              f"{time.monotonic() - started:.0f} s")
    size = os.path.getsize(db) / 2**30
    print(f"database: {size:.2f} GiB, {a.batches} batches, {a.batches * a.assets} assets and "
          f"work items, {a.batches * a.assets * len(RENDITIONS)} renditions")
    for r in range(a.rounds):
        copy = os.path.join(a.work, "run")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(base, copy)
        os.sync()
        wall, cpu, applied = migrate(a.new, copy, log)
        print(f"[{r + 1}/{a.rounds}] migrate: {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"({'; '.join(applied) or 'nothing to apply'}); load {os.getloadavg()[0]:.1f}")
        shutil.rmtree(copy, ignore_errors=True)


if __name__ == "__main__":
    main()
