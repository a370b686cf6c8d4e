#!/usr/bin/python3
"""Lints docs/openapi.yaml (CTest toq_openapi_lint).

Debian packages no OpenAPI 3.1 validator and its openapi-specification package stops at the 3.0
meta-schema, so the rules are checked here: document structure, every $ref resolves, path
parameters match their templates, unique operationIds, every schema is a valid JSON Schema
2020-12 schema, every example validates against its schema, every 4xx/5xx JSON response uses the
Error schema, and secured operations document 401.
usage: openapi_lint.py docs/openapi.yaml
"""
import re
import sys

import jsonschema

from openapi_common import METHODS, errors, load, resolve

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def walk_refs(doc, node, where):
    if isinstance(node, dict):
        if "$ref" in node:
            try:
                resolve(doc, {"$ref": node["$ref"]})
            except (KeyError, TypeError) as e:
                problem(where, str(e))
        for k, v in node.items():
            walk_refs(doc, v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_refs(doc, v, f"{where}/{i}")


def uses_error_schema(doc, schema, depth=0):
    if depth > 10 or not isinstance(schema, dict):
        return False
    if schema.get("$ref") == "#/components/schemas/Error":
        return True
    if "$ref" in schema:
        return uses_error_schema(doc, resolve(doc, schema), depth + 1)
    if any(uses_error_schema(doc, s, depth + 1) for s in schema.get("allOf", [])):
        return True
    variants = schema.get("oneOf") or schema.get("anyOf")
    return bool(variants) and all(uses_error_schema(doc, s, depth + 1) for s in variants)


def check_schema(where, schema):
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        problem(where, f"invalid JSON Schema: {e.message}")


def check_examples(doc, where, media):
    schema = media.get("schema")
    if schema is None:
        return
    check_schema(where + "/schema", schema)
    examples = []
    if "example" in media:
        examples.append(("example", media["example"]))
    for name, ex in (media.get("examples") or {}).items():
        ex = resolve(doc, ex)
        if "value" in ex:
            examples.append((f"examples/{name}", ex["value"]))
    for name, value in examples:
        for e in errors(doc, schema, value):
            problem(f"{where}/{name}", f"example does not match its schema: {e.message} at "
                                       f"{'/'.join(map(str, e.path))}")


def main():
    doc = load(sys.argv[1])
    if not str(doc.get("openapi", "")).startswith("3.1."):
        problem("openapi", "expected 3.1.x")
    for key in ("title", "version"):
        if not doc.get("info", {}).get(key):
            problem("info", f"{key} missing")
    walk_refs(doc, doc, "#")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for req in doc.get("security", []):
        for name in req:
            if name not in schemes:
                problem("security", f"unknown scheme {name}")
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        check_schema(f"components/schemas/{name}", schema)
    op_ids = {}
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/"):
            problem(path, "paths must start with /")
        declared = set(re.findall(r"\{([^}]+)\}", path))
        path_params = [resolve(doc, p) for p in item.get("parameters", [])]
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            if "operationId" in op:
                if op["operationId"] in op_ids:
                    problem(where, f"operationId {op['operationId']} also on {op_ids[op['operationId']]}")
                op_ids[op["operationId"]] = where
            params = path_params + [resolve(doc, p) for p in op.get("parameters", [])]
            in_path = {p["name"] for p in params if p.get("in") == "path"}
            if in_path != declared:
                problem(where, f"path parameters {sorted(in_path)} do not match the template {sorted(declared)}")
            for p in params:
                if p.get("in") == "path" and not p.get("required"):
                    problem(where, f"path parameter {p['name']} must be required")
                if "schema" in p:
                    check_schema(f"{where} parameter {p['name']}", p["schema"])
            if "requestBody" in op:
                for ctype, media in resolve(doc, op["requestBody"]).get("content", {}).items():
                    check_examples(doc, f"{where} requestBody {ctype}", media)
            responses = op.get("responses") or {}
            if not responses:
                problem(where, "no responses")
            secured = bool(op.get("security", doc.get("security", [])))
            if secured and "401" not in responses:
                problem(where, "secured operation without a 401 response")
            for status, response in responses.items():
                if not re.fullmatch(r"[1-5][0-9][0-9]|default", str(status)):
                    problem(where, f"bad status key {status}")
                response = resolve(doc, response)
                if not response.get("description"):
                    problem(f"{where} {status}", "response without description")
                for ctype, media in (response.get("content") or {}).items():
                    check_examples(doc, f"{where} {status} {ctype}", media)
                    if str(status)[0] in "45" and ctype == "application/json" and \
                            not response.get("x-toq-not-error") and not uses_error_schema(doc, media.get("schema")):
                        problem(f"{where} {status}", "JSON error response not built on the Error schema")
    print(f"{len(doc.get('paths', {}))} paths, {len(op_ids)} operations with ids checked")
    for p in problems:
        print("FAIL", p)
    print(f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
