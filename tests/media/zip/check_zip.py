#!/usr/bin/env python3
"""Reads a ZIP with Python's zipfile, independently of the writer, and prints what it found as JSON.

    check_zip.py ZIP [--no-testzip]

Prints {"testzip": null | "first bad name", "zip64_end": bool, "entries": [{"name", "size",
"compress_size", "crc", "crc_of_bytes", "sha256", "flag_bits", "compress_type", "header_offset",
"date_time"}]}. Every entry is read in full, streamed (1 MiB at a time): zipfile checks the stored
CRC-32 at the end of each read, crc_of_bytes is zlib's CRC-32 of the bytes read, and their SHA-256
lets the caller compare them with its inputs.
--no-testzip skips testzip() for archives so large that a second full read would only cost time.
"""
import hashlib
import json
import sys
import zipfile
import zlib


def main() -> int:
    path = sys.argv[1]
    run_testzip = "--no-testzip" not in sys.argv[2:]
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - 65536 - 22 - 76))
        tail = f.read()
    out = {"zip64_end": b"PK\x06\x06" in tail and b"PK\x06\x07" in tail, "entries": []}
    with zipfile.ZipFile(path) as zf:
        out["testzip"] = zf.testzip() if run_testzip else None
        for info in zf.infolist():
            digest = hashlib.sha256()
            crc = 0
            with zf.open(info) as member:
                while True:
                    chunk = member.read(1 << 20)
                    if not chunk:
                        break
                    digest.update(chunk)
                    crc = zlib.crc32(chunk, crc)
            out["entries"].append({
                "name": info.filename,
                "size": info.file_size,
                "compress_size": info.compress_size,
                "crc": info.CRC,
                "crc_of_bytes": crc,
                "sha256": digest.hexdigest(),
                "flag_bits": info.flag_bits,
                "compress_type": info.compress_type,
                "header_offset": info.header_offset,
                "date_time": list(info.date_time),
            })
    json.dump(out, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
