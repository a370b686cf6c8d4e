#!/usr/bin/env python3
"""Independent reference for Standard Webhooks v1 signatures (hmac/hashlib/base64 only).

Reads a JSON array of cases from argv[1]: {"secret", "id", "timestamp", "body_b64"}; writes a JSON
array of "v1,<base64>" strings, one per case, to argv[2]. A secret starting with "whsec_" is
base64-decoded after the prefix (the spec's rule); any other secret is used as its UTF-8 bytes.
"""
import base64
import hashlib
import hmac
import json
import sys


def key_of(secret: str) -> bytes:
    secret = secret.strip()
    if secret.startswith("whsec_"):
        encoded = secret[len("whsec_"):]
        encoded += "=" * (-len(encoded) % 4)
        return base64.b64decode(encoded, validate=True)
    return secret.encode("utf-8")


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        content = (case["id"] + "." + case["timestamp"] + ".").encode("utf-8")
        content += base64.b64decode(case["body_b64"])
        mac = hmac.new(key_of(case["secret"]), content, hashlib.sha256).digest()
        out.append("v1," + base64.b64encode(mac).decode("ascii"))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
