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
3. The error codes a status row names (`UPPER_SNAKE` in its second column) are codes the document
   allows for that status of that operation, wherever its schema restricts `code` (an enum or a
   const); the table of errors common to every route is checked against every operation.
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


CODE = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})`")
API_TAGS = {"platform", "uploads", "status", "downloads"}
ROW = re.compile(r"^\|\s*(\d{3})\s*\|([^|]*)\|", re.M)


def allowed_codes(doc, schema, depth=0):
    """The codes `schema` allows in its `code` property, or None when it does not restrict them."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict) or depth > 20:
        return None
    if "allOf" in schema:
        sets = [c for c in (allowed_codes(doc, s, depth + 1) for s in schema["allOf"]) if c is not None]
        return set.intersection(*sets) if sets else None
    for key in ("oneOf", "anyOf"):
        if key in schema:
            sets = [allowed_codes(doc, s, depth + 1) for s in schema[key]]
            return None if any(c is None for c in sets) else set().union(*sets)
    code = resolve(doc, schema.get("properties", {}).get("code", {}))
    if "enum" in code:
        return set(code["enum"])
    if "const" in code:
        return {code["const"]}
    return None


def response_codes(doc, op, status):
    response = resolve(doc, op["responses"][status])
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return None if schema is None else allowed_codes(doc, schema)


def check_row_codes(text, allowed_for, where, failures):
    """Every code in a status row's second column must be in allowed_for(status) (None: any)."""
    for row in ROW.finditer(text):
        allowed = allowed_for(row.group(1))
        if allowed is None:
            continue
        for code in CODE.findall(row.group(2)):
            if code not in allowed:
                failures.append(f"{where}: status {row.group(1)} names {code}, which the document "
                                f"does not allow there (allowed: {', '.join(sorted(allowed))})")


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
        if not set(op.get("tags", [])) & API_TAGS:
            continue
        heading = next((h for h in sections if h.startswith("### ") and f"`{method.upper()} {path}`" in h), None)
        if heading is None:
            failures.append(f"{op_id}: no '### ... `{method.upper()} {path}`' section in the guide")
            continue
        body = "\n".join(sections[heading])
        for status in op["responses"]:
            if not re.search(rf"^\|\s*{status}\b", body, re.M):
                failures.append(f"{op_id}: status {status} has no row (| {status} ...) in its section")
        check_row_codes(body, lambda status, op=op: response_codes(doc, op, status)
                        if status in op["responses"] else None, op_id, failures)

    # The errors common to every route: a code there must be allowed for that status somewhere.
    def any_operation(status):
        sets = [response_codes(doc, op, status) for _, _, op in ops.values()
                if status in op["responses"] and set(op.get("tags", [])) & API_TAGS]
        return None if not sets or any(c is None for c in sets) else set().union(*sets)
    common = next((h for h in sections if h.startswith("## ") and "rotas" in h), None)
    if common is None:
        failures.append("no '## As rotas' section (the errors common to every route)")
    else:
        check_row_codes("\n".join(sections[common]), any_operation, common, failures)

    for failure in failures:
        print("FAIL", failure)
    print(f"{checked} JSON examples validated; {len(failures)} problems")
    sys.exit(1 if failures or checked == 0 else 0)


if __name__ == "__main__":
    main()
