"""ZIP: the batch archive writer (write_zip, store method, streamed) over ~2 GB of media, reading
its entries from the store and writing the archive into the same store: the embedded default's
disk store and S3 (s3rver on loopback). References in the same rounds: `cat > /dev/null` of the
same files (reading the inputs: the target is >= 0.9x of its speed), `cat > file` (reading and
writing the same bytes once: what any archive writer must at least do) and `zip -0`.

Every file is in the page cache after the warm-up round (24 GiB of RAM, ~6 GB of data), so this
measures CPU and memory copies, not the disk. s3rver runs in its own process: its CPU is not in
the candidate's CPU column, its time is in the wall column.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

from harness import Benchmark, Case


def _remove(path):
    def prepare():
        if os.path.exists(path):
            os.remove(path)
    return prepare


_S3RVER_STATE = {}


def benchmarks(ctx) -> list:
    files = sorted(f for f in glob.glob(os.path.join(ctx.inputs, "zip", "*")) if os.path.isfile(f))
    if not files:
        raise RuntimeError("no ZIP inputs (bench/make-inputs.sh)")
    total = sum(os.path.getsize(f) for f in files)
    work = os.path.join(ctx.work, "zip")
    os.makedirs(work, exist_ok=True)
    binary = ctx.binary("toq_zip_bench")
    local = f"local:{os.path.join(work, 'store')}"
    local_put = f"local-put:{os.path.join(work, 'store')}"
    subprocess.run([binary, "setup", local, *files], check=True)

    state = os.path.join(work, "s3rver")
    script = os.path.join(ctx.root, "scripts", "start-s3rver.sh")
    subprocess.run([script, "start", state], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "TOQ_REQUIRE_S3RVER": "1",
                        "TOQ_SERVICES_OWNER_PID": str(os.getpid())})
    _S3RVER_STATE["dir"] = state
    _S3RVER_STATE["script"] = script
    with open(os.path.join(state, "port"), encoding="utf-8") as f:
        endpoint = f"s3:http://127.0.0.1:{f.read().strip()}"
    subprocess.run([binary, "setup", endpoint, *files], check=True)

    zip_out = os.path.join(work, "zip-0.zip")
    copy_out = os.path.join(work, "copy.bin")
    cases = [
        Case("toq-media ZIP, local store -> local store (one streamed put)",
             [binary, "run", local_put, *files]),
        Case("toq-media ZIP, local store -> local store (multipart)",
             [binary, "run", local, *files]),
        Case("toq-media ZIP, S3 (s3rver) -> S3 multipart", [binary, "run", endpoint, *files]),
        Case("cat > /dev/null (reading the inputs)",
             ["sh", "-c", 'cat "$@" > /dev/null', "sh", *files], reference=True),
        Case("cat > file (read + write once)", ["sh", "-c", 'cat "$@" > "$0"', copy_out, *files],
             prepare=_remove(copy_out)),
        Case("zip -0", ["zip", "-0", "-q", "-j", zip_out, *files], prepare=_remove(zip_out)),
    ]
    if ctx.only_candidates:
        cases = cases[:4]
    return [Benchmark(
        name=f"ZIP: {len(files)} media files, {total / 1e9:.2f} GB, store method",
        cases=cases, units=total / 1e6, unit_name="MB")]


def cleanup(ctx):
    if "dir" in _S3RVER_STATE:
        subprocess.run([_S3RVER_STATE["script"], "stop", _S3RVER_STATE["dir"]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        _S3RVER_STATE.clear()
    shutil.rmtree(os.path.join(ctx.work, "zip"), ignore_errors=True)
