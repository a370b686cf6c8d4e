"""Shared by openapi_lint.py and openapi_responses.py: loading docs/openapi.yaml, resolving
$refs, and JSON Schema 2020-12 validation of values against the document's schemas (Debian's
python3-yaml and python3-jsonschema)."""
import re

import jsonschema
import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def resolve(doc, node):
    """Follows a local $ref (possibly chained); returns the node itself otherwise."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise KeyError(f"unresolvable $ref {ref}")
        seen.add(ref)
        target = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def validator(doc, schema):
    """A 2020-12 validator for `schema`, whose "#/components/..." refs resolve in `doc`."""
    resolver = jsonschema.RefResolver(base_uri="", referrer=doc)
    return jsonschema.Draft202012Validator(schema, resolver=resolver,
                                           format_checker=jsonschema.FormatChecker())


def errors(doc, schema, value):
    return sorted(validator(doc, schema).iter_errors(value), key=lambda e: list(e.path))


def template_regex(template):
    """OpenAPI path template -> regex; {key} of /storage/ spans slashes (an object key)."""
    out = "^"
    for part in re.split(r"(\{[^}]+\})", template):
        if part.startswith("{"):
            out += ".+" if template.startswith("/storage/") else "[^/]+"
        else:
            out += re.escape(part)
    return re.compile(out + "$")
