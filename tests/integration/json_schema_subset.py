#!/usr/bin/env python3
"""Validate a JSON document against a JSON Schema (draft 2020-12), for the
subset our schemas use (docs/schema/*.schema.json): type (a name or a
list), enum, const, required, properties, additionalProperties (false or
a schema), items, minItems, minimum, anyOf, $ref to "#/$defs/NAME".
The `jsonschema` module is not installed on our hosts and PyPI is not
reachable; a keyword outside the subset is an error, so a schema cannot
silently ask for more than is checked.

usage: json_schema_subset.py SCHEMA.json DOC.json   (exit 0 valid, 1 not, 2 usage)
"""
import json
import sys

KNOWN = {"$schema", "$id", "title", "description", "$defs", "type", "enum", "const",
         "required", "properties", "additionalProperties", "items", "minItems", "minimum",
         "anyOf", "$ref"}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def check(root, s, v, path, errs):
    for k in s:
        if k not in KNOWN:
            raise SystemExit(f"schema keyword '{k}' at {path} is outside the supported subset")
    if "$ref" in s:
        ref = s["$ref"]
        if not ref.startswith("#/$defs/"):
            raise SystemExit(f"unsupported $ref {ref}")
        check(root, root["$defs"][ref[len("#/$defs/"):]], v, path, errs)
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(TYPES[t](v) for t in ts):
            errs.append(f"{path}: expected {'/'.join(ts)}, got {json.dumps(v)[:60]}")
            return
    if "const" in s and v != s["const"]:
        errs.append(f"{path}: expected {json.dumps(s['const'])}, got {json.dumps(v)[:60]}")
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{path}: {json.dumps(v)[:60]} is not one of {s['enum']}")
    if "minimum" in s and TYPES["number"](v) and v < s["minimum"]:
        errs.append(f"{path}: {v} < minimum {s['minimum']}")
    if "anyOf" in s:
        if not any(not _errs(root, sub, v, path) for sub in s["anyOf"]):
            errs.append(f"{path}: matches none of anyOf")
    if isinstance(v, dict):
        for r in s.get("required", []):
            if r not in v:
                errs.append(f"{path}: missing required key '{r}'")
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                check(root, props[k], x, f"{path}.{k}", errs)
            elif s.get("additionalProperties") is False:
                errs.append(f"{path}: key '{k}' is not in the schema")
            elif isinstance(s.get("additionalProperties"), dict):
                check(root, s["additionalProperties"], x, f"{path}.{k}", errs)
    if isinstance(v, list):
        if "minItems" in s and len(v) < s["minItems"]:
            errs.append(f"{path}: fewer than {s['minItems']} items")
        if "items" in s:
            for i, x in enumerate(v):
                check(root, s["items"], x, f"{path}[{i}]", errs)


def _errs(root, s, v, path):
    e = []
    check(root, s, v, path, e)
    return e


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]))
    errs = _errs(schema, schema, doc, "$")
    for e in errs:
        print(f"{sys.argv[2]}: {e}", file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
