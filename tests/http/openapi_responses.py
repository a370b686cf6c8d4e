#!/usr/bin/python3
"""Checks every response the HTTP suites recorded (TOQ_HTTP_RECORD, tests/http/http_client.hpp)
against docs/openapi.yaml (CTest toq_openapi_responses).

A recorded response FAILS when: its path matches no documented path and it is not the JSON 404
NOT_FOUND of an unknown route; its status is not documented for the operation; its Content-Type
is not one the response documents; a JSON body does not validate against the documented schema;
or X-Request-Id is missing. Documented (route, method, status) triples never exercised are
printed, not failed.
usage: openapi_responses.py docs/openapi.yaml RECORD_DIR
"""
import glob
import json
import os
import sys
from collections import Counter

from openapi_common import METHODS, errors, load, resolve, template_regex


def main():
    doc = load(sys.argv[1])
    record_dir = sys.argv[2]
    files = sorted(glob.glob(os.path.join(record_dir, "*.jsonl")))
    records = []
    for name in files:
        with open(name, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    rec = json.loads(line)
                    rec["_where"] = f"{os.path.basename(name)}:{n}"
                    records.append(rec)
    if not records:
        print(f"FAIL no recorded responses in {record_dir} (did the recording suites run?)")
        sys.exit(1)

    # Most specific first: literal paths before templates.
    templates = sorted(doc["paths"], key=lambda t: (t.count("{"), -len(t)))
    regexes = [(t, template_regex(t)) for t in templates]
    not_found = resolve(doc, doc["components"]["responses"]["NotFound"])
    exercised = Counter()
    failures = []

    def fail(rec, what):
        failures.append(f"{rec['_where']} {rec.get('test', '')}: {rec['method']} {rec['path']} "
                        f"-> {rec['status']}: {what}")

    for rec in records:
        status = str(rec["status"])
        headers = rec.get("headers", {})
        if not headers.get("x-request-id"):
            fail(rec, "no X-Request-Id header")
        body = rec.get("body")
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        template = next((t for t, rx in regexes if rx.match(rec["path"])), None)
        op = doc["paths"][template].get(rec["method"].lower()) if template else None
        if op is None:
            # An unknown route (or a method a path does not have): the JSON 404 NOT_FOUND.
            exercised[("(unknown route)", rec["method"], status)] += 1
            if status != "404":
                fail(rec, "undocumented route")
                continue
            if rec["path"].startswith("/storage/"):
                continue
            payload = json.loads(body) if body else None
            for e in errors(doc, not_found["content"]["application/json"]["schema"], payload):
                fail(rec, f"404 body does not match NotFound: {e.message}")
            continue
        exercised[(template, rec["method"].upper(), status)] += 1
        responses = op.get("responses", {})
        response = responses.get(status, responses.get("default"))
        if response is None:
            fail(rec, f"status {status} is not documented (documented: {', '.join(responses)})")
            continue
        response = resolve(doc, response)
        content = response.get("content") or {}
        has_body = rec.get("bodyBytes", 0) > 0 and rec["method"] != "HEAD"
        if not has_body or not content:
            continue
        # The most specific documented media range: type/subtype, then type/*, then */*.
        documented = next((k for k in (ctype, ctype.split("/")[0] + "/*", "*/*") if k in content),
                          None)
        if documented is None:
            fail(rec, f"Content-Type {ctype or '(none)'} not documented ({', '.join(content)})")
            continue
        schema = content[documented].get("schema")
        if ctype == "application/json" and schema is not None:
            if body is None:
                fail(rec, "JSON body is not text")
                continue
            try:
                payload = json.loads(body)
            except ValueError as e:
                fail(rec, f"body is not JSON: {e}")
                continue
            for e in errors(doc, schema, payload):
                at = "/".join(map(str, e.absolute_path))
                fail(rec, f"body does not match the schema: {e.message} at '{at}'")

    documented = []
    for template in doc["paths"]:
        for method in METHODS:
            op = doc["paths"][template].get(method)
            for status in (op or {}).get("responses", {}):
                documented.append((template, method.upper(), str(status)))
    never = [d for d in documented if d not in exercised]
    print(f"{len(records)} recorded responses from {len(files)} files; "
          f"{len(documented) - len(never)}/{len(documented)} documented (route, method, status) "
          f"exercised")
    for key, n in sorted(exercised.items()):
        print(f"  exercised {n:5d}x {key[1]:7s} {key[0]} {key[2]}")
    print("never exercised (informational):")
    for t, m, s in never:
        print(f"  {m:7s} {t} {s}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(failures)} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
