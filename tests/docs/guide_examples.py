#!/usr/bin/python3
"""Checks docs/media_processing_guide.md against docs/openapi.yaml (CTest toq_guide_examples).

1. Every ```json block of the guide is preceded (on the line before the fence) by a comment naming
   what it is, and validates against that schema:
     <!-- schema: OPERATION_ID request -->       the operation's request body
     <!-- schema: OPERATION_ID STATUS -->        the operation's response with that status
     <!-- schema: #/components/schemas/NAME -->  any schema of the document
   A block without a comment, a comment naming nothing, or a JSON syntax error fails too.
2. Every operation of the API (the platform, uploads, status and downloads tags) has a section
   whose "### " heading holds its path, and every status the document lists for the operation
   appears in that section (the table that tells the page what to do).
usage: guide_examples.py GUIDE_MD OPENAPI_YAML
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from openapi_common import METHODS, errors, load, resolve  # noqa: E402

ANNOTATION = re.compile(r"^<!--\s*schema:\s*(\S+)(?:\s+(\S+))?\s*-->$")


def operations(doc):
    out = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = (path, method, op)
    return out


def schema_for(doc, ops, target, which):
    if target.startswith("#/"):
        return {"$ref": target}
    if target not in ops:
        raise KeyError(f"no operation {target}")
    _, _, op = ops[target]
    if which == "request":
        return resolve(doc, op["requestBody"])["content"]["application/json"]["schema"]
    response = resolve(doc, op["responses"][which])
    return response["content"]["application/json"]["schema"]


def main():
    guide_path, openapi_path = sys.argv[1:3]
    doc = load(openapi_path)
    ops = operations(doc)
    with open(guide_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    failures = []
    checked = 0
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```json":
            start = i
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            text = "\n".join(lines[i + 1:j])
            where = f"{guide_path}:{start + 1}"
            annotation = ANNOTATION.match(lines[start - 1].strip()) if start > 0 else None
            if not annotation:
                failures.append(f"{where}: a JSON example without a <!-- schema: ... --> line before it")
            else:
                try:
                    value = json.loads(text)
                    schema = schema_for(doc, ops, annotation.group(1), annotation.group(2) or "")
                    for e in errors(doc, schema, value):
                        path = "/".join(str(p) for p in e.path)
                        failures.append(f"{where}: {annotation.group(1)} {annotation.group(2) or ''}: "
                                        f"at '{path}': {e.message}")
                    checked += 1
                except json.JSONDecodeError as e:
                    failures.append(f"{where}: not JSON: {e}")
                except KeyError as e:
                    failures.append(f"{where}: the annotation names nothing in the document: {e}")
            i = j
        i += 1

    # Sections: "### " heading -> text up to the next "##"/"### " heading.
    sections = {}
    current = None
    for line in lines:
        if line.startswith("### ") or line.startswith("## "):
            current = line
            sections[current] = []
        elif current:
            sections[current].append(line)
    for op_id, (path, method, op) in sorted(ops.items()):
        if not set(op.get("tags", [])) & {"platform", "uploads", "status", "downloads"}:
            continue
        heading = next((h for h in sections if h.startswith("### ") and f"`{method.upper()} {path}`" in h), None)
        if heading is None:
            failures.append(f"{op_id}: no '### ... `{method.upper()} {path}`' section in the guide")
            continue
        body = "\n".join(sections[heading])
        for status in op["responses"]:
            if not re.search(rf"^\|\s*{status}\b", body, re.M):
                failures.append(f"{op_id}: status {status} has no row (| {status} ...) in its section")

    for failure in failures:
        print("FAIL", failure)
    print(f"{checked} JSON examples validated; {len(failures)} problems")
    sys.exit(1 if failures or checked == 0 else 0)


if __name__ == "__main__":
    main()
