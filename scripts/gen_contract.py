#!/usr/bin/env python3
"""Generate a self-contained idrv5-gw stack with N operations, for benchmarks.

    python3 scripts/gen_contract.py --ops 300 --out /tmp/bench300
    idrv5-gw validate --stack /tmp/bench300/stack.yaml

Writes DIR/openapi.json (an OpenAPI 3.0.3 contract; JSON is what the stack's `openapi:` key
accepts besides YAML) and DIR/stack.yaml (one file: stack, environment, one REST API with one
stage). The API is shaped like a real CRUD API, several levels deep, mounted under
`base_path: /api/v1`:

    /<collection>                       GET list, POST create
    /<collection>/{id}                  GET, PUT, PATCH, DELETE
    /<collection>/{id}/<sub>            GET, POST, PUT, DELETE         (3 subs per collection)
    /<collection>/{id}/<sub>/{itemId}   GET, PUT, PATCH, DELETE

30 operations over 8 API Gateway resources per collection, so 1,000 operations stay under
API Gateway's default 300 resources per REST API. Integrations are plain HTTP_PROXY (or
MOCK with --integration mock); no authorizers, validators, usage plans, access logs or
monitoring, so every AWS call is an API Gateway call.

`--change-one` writes the same stack (same names, so the same live API) with one route's
integration changed (an `operations:` override of its timeout): a one-route change.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

COLLECTIONS = [
    "customers", "orders", "invoices", "shipments", "products", "suppliers", "warehouses",
    "carriers", "drivers", "vehicles", "routes", "depots", "zones", "rate-cards", "quotes",
    "bookings", "payments", "refunds", "contracts", "accounts", "users", "teams", "roles",
    "assets", "devices", "tickets", "incidents", "reports", "documents", "projects",
    "campaigns", "subscriptions", "catalogs", "inventories", "returns", "manifests", "pallets",
    "containers", "vessels", "ports",
]
SUBS = ["items", "notes", "events"]
CHANGED_TIMEOUT_MS = 5000


def camel(*words: str) -> str:
    out = []
    for w in words:
        for part in w.replace("{", "").replace("}", "").split("-"):
            out.append(part[:1].upper() + part[1:])
    return "".join(out)


def singular(w: str) -> str:
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("ses") or w.endswith("xes"):
        return w[:-2]
    return w[:-1] if w.endswith("s") else w


def collection_names(n: int) -> list[str]:
    names = list(COLLECTIONS)
    k = 2
    while len(names) < n:
        names += [f"{c}{k}" for c in COLLECTIONS]
        k += 1
    return names[:n]


def path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


def operations(n_ops: int):
    """Yield (path, method, operationId, group, kind) in a fixed order, n_ops of them."""
    per_group = 2 + 4 + len(SUBS) * 8
    groups = collection_names((n_ops + per_group - 1) // per_group)
    count = 0
    for g in groups:
        one = singular(g)
        entries = [
            (f"/{g}", "get", "list" + camel(g), "list"),
            (f"/{g}", "post", "create" + camel(one), "create"),
            (f"/{g}/{{id}}", "get", "get" + camel(one), "get"),
            (f"/{g}/{{id}}", "put", "replace" + camel(one), "replace"),
            (f"/{g}/{{id}}", "patch", "update" + camel(one), "update"),
            (f"/{g}/{{id}}", "delete", "delete" + camel(one), "delete"),
        ]
        for s in SUBS:
            so = singular(s)
            entries += [
                (f"/{g}/{{id}}/{s}", "get", "list" + camel(one, s), "list"),
                (f"/{g}/{{id}}/{s}", "post", "create" + camel(one, so), "create"),
                (f"/{g}/{{id}}/{s}", "put", "replaceAll" + camel(one, s), "replaceAll"),
                (f"/{g}/{{id}}/{s}", "delete", "deleteAll" + camel(one, s), "deleteAll"),
                (f"/{g}/{{id}}/{s}/{{itemId}}", "get", "get" + camel(one, so), "get"),
                (f"/{g}/{{id}}/{s}/{{itemId}}", "put", "replace" + camel(one, so), "replace"),
                (f"/{g}/{{id}}/{s}/{{itemId}}", "patch", "update" + camel(one, so), "update"),
                (f"/{g}/{{id}}/{s}/{{itemId}}", "delete", "delete" + camel(one, so), "delete"),
            ]
        for path, method, op_id, kind in entries:
            if count == n_ops:
                return
            yield path, method, op_id, g, kind
            count += 1


def schema_name(path: str) -> str:
    """Model name for the entity a path addresses: /orders/{id}/items -> OrderItem."""
    lits = [p for p in path.strip("/").split("/") if not p.startswith("{")]
    return camel(*(singular(x) for x in lits))


def contract(n_ops: int) -> dict:
    paths: dict = {}
    schemas: dict = {}
    for path, method, op_id, group, kind in operations(n_ops):
        name = schema_name(path)
        if name not in schemas:
            schemas[name] = {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string", "description": f"{name} identifier"},
                    "name": {"type": "string", "maxLength": 200},
                    "status": {"type": "string", "enum": ["active", "inactive", "archived"]},
                    "createdAt": {"type": "string", "format": "date-time"},
                    "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
            schemas[name + "List"] = {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                    "nextToken": {"type": "string"},
                },
            }
        params = []
        if "{id}" in path:
            params.append(path_param("id", f"{singular(group)} id"))
        if "{itemId}" in path:
            params.append(path_param("itemId", "item id"))
        if kind == "list":
            params += [
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                {"name": "nextToken", "in": "query", "required": False, "schema": {"type": "string"}},
            ]
        op: dict = {
            "operationId": op_id,
            "summary": f"{kind} {path}",
            "tags": [group],
        }
        if params:
            op["parameters"] = params
        ref = {"$ref": f"#/components/schemas/{name}"}
        if method in ("post", "put", "patch"):
            body_schema = ({"type": "array", "items": ref} if kind == "replaceAll" else ref)
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": body_schema}}}
        if method == "delete":
            op["responses"] = {"204": {"description": "Deleted"},
                               "404": {"description": "Not found"}}
        else:
            ok = "201" if kind == "create" else "200"
            schema = {"$ref": f"#/components/schemas/{name}List"} if kind == "list" else ref
            op["responses"] = {ok: {"description": "Success",
                                    "content": {"application/json": {"schema": schema}}},
                               "400": {"description": "Bad request"}}
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Generated benchmark API ({n_ops} operations)",
                 "description": f"A generated CRUD API with {n_ops} operations for idrv5-gw benchmarks.",
                 "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def stack_yaml(n_ops: int, integration: str, changed: list[str],
               timeout_ms: int = CHANGED_TIMEOUT_MS) -> str:
    if integration == "mock":
        integ = "    integration:\n      type: MOCK\n"
    else:
        integ = ("    integration:\n"
                 "      type: HTTP_PROXY\n"
                 "      uri: http://backend.bench.example.com:8080/api{path}\n"
                 "      timeout_ms: 10000\n")
    ops = ""
    if changed:
        ops = "    operations:\n" + "".join(
            f"      {op}:\n"
            "        integration:\n"
            f"          timeout_ms: {timeout_ms}\n" for op in changed)
    return (
        f"# Generated by scripts/gen_contract.py --ops {n_ops}"
        + (f" --change {len(changed)}" if changed else "") + "; do not edit.\n"
        "stack: bench\n"
        "environment: bench\n"
        "region: us-east-1\n"
        "tags:\n"
        "  Purpose: benchmark\n"
        "rest_apis:\n"
        "  main:\n"
        "    name: bench-api\n"
        "    openapi: openapi.json\n"
        "    endpoint_type: REGIONAL\n"
        "    description: Generated benchmark API\n"
        "    base_path: /api/v1\n"
        + integ + ops +
        "    stages:\n"
        "      live:\n"
        "        description: Benchmark stage\n"
    )


def changed_operation(n_ops: int) -> str:
    """The operation the one-route change touches: one in the middle of the contract."""
    return changed_operations(n_ops, 1)[0]


def changed_operations(n_ops: int, n: int) -> list[str]:
    """The operations an n-route change touches: spread evenly over the contract, the
    middle one first (the one-route change's)."""
    ops = [o[2] for o in operations(n_ops)]
    n = min(n, len(ops))
    picked = [ops[len(ops) // 2]]
    for i in range(n):
        op = ops[(i * len(ops)) // n]
        if len(picked) < n and op not in picked:
            picked.append(op)
    return picked


def counts(doc: dict, base_path: str = "/api/v1") -> dict:
    """Sizes a Terraform-style per-resource model needs for this contract."""
    resources = {"/"}
    prefix = ""
    for seg in base_path.strip("/").split("/"):
        prefix += "/" + seg
        resources.add(prefix)
    n_methods = n_method_responses = 0
    for path, item in doc["paths"].items():
        full = ""
        for seg in (base_path + path).strip("/").split("/"):
            full += "/" + seg
            resources.add(full)
        for method, op in item.items():
            n_methods += 1
            n_method_responses += len(op.get("responses", {}))
    return {"operations": n_methods, "paths": len(doc["paths"]), "resources": len(resources),
            "method_responses": n_method_responses}


def generate(n_ops: int, out: str, integration: str = "http", change_one: bool = False,
             change: int = 0, timeout_ms: int = CHANGED_TIMEOUT_MS) -> dict:
    """`timeout_ms`: the changed operations' new timeout (another value, another change)."""
    os.makedirs(out, exist_ok=True)
    doc = contract(n_ops)
    with open(os.path.join(out, "openapi.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    changed = changed_operations(n_ops, max(change, 1 if change_one else 0)) if (change or change_one) else []
    with open(os.path.join(out, "stack.yaml"), "w") as f:
        f.write(stack_yaml(n_ops, integration, changed, timeout_ms))
    info = counts(doc)
    info.update({"dir": out, "stack": os.path.join(out, "stack.yaml"),
                 "changed_operation": changed[0] if changed else None,
                 "changed_operations": changed})
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate an idrv5-gw stack with N operations.")
    ap.add_argument("--ops", type=int, required=True, help="number of operations (>= 1)")
    ap.add_argument("--out", required=True, help="directory to write openapi.json and stack.yaml to")
    ap.add_argument("--integration", choices=["http", "mock"], default="http")
    ap.add_argument("--change-one", action="store_true",
                    help="override one operation's integration timeout (a one-route change)")
    ap.add_argument("--change", type=int, default=0,
                    help="override N operations' integration timeouts (an N-route change)")
    a = ap.parse_args(argv)
    if a.ops < 1:
        ap.error("--ops must be at least 1")
    info = generate(a.ops, a.out, a.integration, a.change_one, a.change)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
