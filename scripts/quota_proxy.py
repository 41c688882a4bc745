#!/usr/bin/env python3
"""A quota-faithful, fault-injecting HTTP reverse proxy for AWS control-plane calls.

Test and benchmark code only. It sits between idrv5-gw (or any AWS client) and a local
`moto_server`, names the AWS operation of every request, enforces AWS's documented API
Gateway management-API quotas (and a few WAFv2 / CloudWatch ones) with token buckets, and
answers over-quota requests the way AWS does. It can also inject faults (429, 500, 503,
connection reset, slow answers) at a given rate, reproducibly with a seed.

    python3 scripts/quota_proxy.py --listen 127.0.0.1:0 --upstream http://127.0.0.1:5000 \
        --stats-file /tmp/proxy.json [--no-quotas] [--fault-rate 0.2 --faults 429,500,503,reset,slow] \
        [--seed 42] [--fault-after-forward] [--lose CreateUsagePlan,PutItem] [--log-file /tmp/proxy.jsonl] \
        [--count-only]

prints `listening on http://127.0.0.1:PORT` once it accepts connections; point the client at
that URL (AWS_ENDPOINT_URL / --endpoint-url). As a module:

    from quota_proxy import QuotaProxy
    p = QuotaProxy(upstream="http://127.0.0.1:5000", seed=1).start()
    ... p.url ... p.stats() ... p.stop()

Semantics
---------
* Quotas: one bucket per operation (rate, burst), plus the account bucket (10/s, burst 40)
  over every API Gateway (v1 and v2) management call. Buckets start full. A request passes
  only if every bucket that applies has a token; then it takes one from each. A throttled
  request takes no token. `/moto-api/...` is never throttled, faulted or counted as AWS.
* Count-only (`--count-only`, `QuotaProxy(..., enforce=False)`): the buckets run as above, but a
  request that finds a bucket empty is forwarded anyway and counted as `would_throttle` (overall
  and per operation in `would_throttle_operations`); like a throttled request it takes no
  token. That is how many 429s AWS would have answered this exact sequence of calls (a client
  that retried would have spaced its later calls out, so it is a count at the client's pace,
  not a simulation of its retries). For clients the proxy must not slow down or fail, such as
  Terraform or an awscli script in a benchmark. Faults and lost answers still apply. The
  default is enforcing.
* Throttle answers: API Gateway (REST-JSON): 429, `x-amzn-ErrorType: TooManyRequestsException`,
  `{"message":"Too Many Requests"}`; JSON-protocol services (X-Amz-Target): 400
  `{"__type":"ThrottlingException","message":"Rate exceeded"}`; query protocol (Action=):
  400 XML `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>...`.
* Faults are drawn (rate `--fault-rate`, kind uniformly from `--faults`) for requests the
  quotas let through. By default a fault is answered *instead of* forwarding: a 429/500/503/
  reset never reaches the emulator, so a retry is always safe. `slow` waits 1-3 s, then
  forwards (it is not a failure). With `--fault-after-forward`, 500, 503 and reset are
  applied *after* forwarding (the emulator did the work, the client sees a failure: what a
  crash-safety test wants); 429 is always answered before forwarding, as AWS does.
* Lost answers (`--lose OP,OP`): the first call of each named operation is forwarded, then
  answered 500 (`OP:N` for the first N calls; `--lose-as reset` breaks the connection
  instead): a targeted "it happened but the client was told it failed", independent of the
  random faults.
* Stats (`--stats-file`, JSON, written atomically every second when changed, on SIGUSR1 and
  on exit): requests, forwarded, per-operation counts, throttled (429s the proxy sent by
  quota) overall and per operation, faults per kind, upstream errors, and per-operation
  forwarded counts (what the quotas charged).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# --------------------------------------------------------------------------------------
# Quotas

#: operation -> (requests per second, burst). AWS docs "Amazon API Gateway quotas" (per
#: account and Region), WAFv2 and CloudWatch control-plane quotas.
APIGW_QUOTAS: dict[str, tuple[float, float]] = {
    "CreateRestApi": (1 / 3, 1),
    "ImportRestApi": (1 / 3, 1),
    "PutRestApi": (1.0, 1),
    "DeleteRestApi": (1 / 30, 1),
    "CreateDeployment": (1 / 5, 1),
    "CreateResource": (5.0, 5),
    "DeleteResource": (5.0, 5),
    "GetResources": (2.5, 5),
    "CreateDomainName": (1 / 30, 1),
    "UpdateDomainName": (1 / 30, 1),
    "DeleteDomainName": (1 / 30, 1),
    "UpdateUsagePlan": (1 / 20, 1),
    "UpdateAccount": (1 / 20, 1),
    "CreateApiKey": (5.0, 5),
    "DeleteApiKey": (5.0, 5),
    "CreateVpcLink": (1 / 15, 1),
    "DeleteVpcLink": (1 / 30, 1),
}
#: All API Gateway management operations together.
APIGW_ACCOUNT: tuple[float, float] = (10.0, 40)
#: WAFv2: one Create/Update/Delete/Associate/Disassociate/Put per second per account (shared).
WAF_WRITE_QUOTA: tuple[float, float] = (1.0, 1)
WAF_WRITE_PREFIXES = ("Create", "Update", "Delete", "Associate", "Disassociate", "Put")
#: CloudWatch (metrics) control plane.
CLOUDWATCH_QUOTAS: dict[str, tuple[float, float]] = {
    "PutMetricAlarm": (3.0, 3),
    "DeleteAlarms": (3.0, 3),
    "PutDashboard": (10.0, 10),
}


def bucket_keys(service: str, op: str) -> list[str]:
    """Names of the token buckets a call draws from (empty: unthrottled)."""
    keys = []
    if service == "apigateway":
        keys.append("apigateway:account")
        if op in APIGW_QUOTAS:
            keys.append("apigateway:" + op)
    elif service == "wafv2" and op.startswith(WAF_WRITE_PREFIXES):
        keys.append("wafv2:writes")
    elif service == "cloudwatch" and op in CLOUDWATCH_QUOTAS:
        keys.append("cloudwatch:" + op)
    return keys


def bucket_params(key: str) -> tuple[float, float]:
    service, _, name = key.partition(":")
    if key == "apigateway:account":
        return APIGW_ACCOUNT
    if service == "apigateway":
        return APIGW_QUOTAS[name]
    if key == "wafv2:writes":
        return WAF_WRITE_QUOTA
    return CLOUDWATCH_QUOTAS[name]


def quota_lower_bound(counts: dict[str, int], service_of=None) -> dict:
    """Least wall time (s) the quotas allow for these per-operation API Gateway call counts,
    starting from full buckets: max over buckets of (n - burst) / rate. `counts` maps an
    operation name to calls (API Gateway operations unless `service_of(op)` says otherwise)."""
    per_bucket: dict[str, int] = {}
    for op, n in counts.items():
        service = service_of(op) if service_of else "apigateway"
        for k in bucket_keys(service, op):
            per_bucket[k] = per_bucket.get(k, 0) + n
    bound, binding = 0.0, None
    detail = {}
    for k, n in per_bucket.items():
        rate, burst = bucket_params(k)
        t = max(0.0, (n - burst) / rate)
        detail[k] = {"calls": n, "seconds": round(t, 3)}
        if t > bound:
            bound, binding = t, k
    return {"seconds": bound, "binding": binding, "buckets": detail}


class TokenBucket:
    __slots__ = ("rate", "burst", "tokens", "last")

    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.burst, self.tokens, self.last = rate, float(burst), float(burst), now

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now


class Limiter:
    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.lock = threading.Lock()
        self.buckets: dict[str, TokenBucket] = {}

    def admit(self, keys: list[str]) -> bool:
        """True and take a token from each bucket, or False and take none."""
        if not self.enabled or not keys:
            return True
        now = time.monotonic()
        with self.lock:
            bs = []
            for k in keys:
                b = self.buckets.get(k)
                if b is None:
                    b = self.buckets[k] = TokenBucket(*bucket_params(k), now)
                b.refill(now)
                bs.append(b)
            if all(b.tokens >= 1.0 for b in bs):
                for b in bs:
                    b.tokens -= 1.0
                return True
            return False


# --------------------------------------------------------------------------------------
# Naming operations

_SEG = r"[^/]+"

# API Gateway v1 (REST-JSON). (method, path template, operation); {x} = one segment.
_V1_TABLE = [
    ("GET", "/restapis", "GetRestApis"),
    ("POST", "/restapis", "CreateRestApi"),  # ?mode=import -> ImportRestApi
    ("GET", "/restapis/{}", "GetRestApi"),
    ("PUT", "/restapis/{}", "PutRestApi"),
    ("PATCH", "/restapis/{}", "UpdateRestApi"),
    ("DELETE", "/restapis/{}", "DeleteRestApi"),
    ("GET", "/restapis/{}/resources", "GetResources"),
    ("GET", "/restapis/{}/resources/{}", "GetResource"),
    ("POST", "/restapis/{}/resources/{}", "CreateResource"),
    ("PATCH", "/restapis/{}/resources/{}", "UpdateResource"),
    ("DELETE", "/restapis/{}/resources/{}", "DeleteResource"),
    ("GET", "/restapis/{}/resources/{}/methods/{}", "GetMethod"),
    ("PUT", "/restapis/{}/resources/{}/methods/{}", "PutMethod"),
    ("PATCH", "/restapis/{}/resources/{}/methods/{}", "UpdateMethod"),
    ("DELETE", "/restapis/{}/resources/{}/methods/{}", "DeleteMethod"),
    ("GET", "/restapis/{}/resources/{}/methods/{}/responses/{}", "GetMethodResponse"),
    ("PUT", "/restapis/{}/resources/{}/methods/{}/responses/{}", "PutMethodResponse"),
    ("PATCH", "/restapis/{}/resources/{}/methods/{}/responses/{}", "UpdateMethodResponse"),
    ("DELETE", "/restapis/{}/resources/{}/methods/{}/responses/{}", "DeleteMethodResponse"),
    ("GET", "/restapis/{}/resources/{}/methods/{}/integration", "GetIntegration"),
    ("PUT", "/restapis/{}/resources/{}/methods/{}/integration", "PutIntegration"),
    ("PATCH", "/restapis/{}/resources/{}/methods/{}/integration", "UpdateIntegration"),
    ("DELETE", "/restapis/{}/resources/{}/methods/{}/integration", "DeleteIntegration"),
    ("GET", "/restapis/{}/resources/{}/methods/{}/integration/responses/{}", "GetIntegrationResponse"),
    ("PUT", "/restapis/{}/resources/{}/methods/{}/integration/responses/{}", "PutIntegrationResponse"),
    ("PATCH", "/restapis/{}/resources/{}/methods/{}/integration/responses/{}", "UpdateIntegrationResponse"),
    ("DELETE", "/restapis/{}/resources/{}/methods/{}/integration/responses/{}", "DeleteIntegrationResponse"),
    ("GET", "/restapis/{}/deployments", "GetDeployments"),
    ("POST", "/restapis/{}/deployments", "CreateDeployment"),
    ("GET", "/restapis/{}/deployments/{}", "GetDeployment"),
    ("PATCH", "/restapis/{}/deployments/{}", "UpdateDeployment"),
    ("DELETE", "/restapis/{}/deployments/{}", "DeleteDeployment"),
    ("GET", "/restapis/{}/stages", "GetStages"),
    ("POST", "/restapis/{}/stages", "CreateStage"),
    ("GET", "/restapis/{}/stages/{}", "GetStage"),
    ("PATCH", "/restapis/{}/stages/{}", "UpdateStage"),
    ("DELETE", "/restapis/{}/stages/{}", "DeleteStage"),
    ("DELETE", "/restapis/{}/stages/{}/cache/data", "FlushStageCache"),
    ("GET", "/restapis/{}/stages/{}/exports/{}", "GetExport"),
    ("GET", "/restapis/{}/stages/{}/sdks/{}", "GetSdk"),
    ("GET", "/restapis/{}/authorizers", "GetAuthorizers"),
    ("POST", "/restapis/{}/authorizers", "CreateAuthorizer"),
    ("GET", "/restapis/{}/authorizers/{}", "GetAuthorizer"),
    ("PATCH", "/restapis/{}/authorizers/{}", "UpdateAuthorizer"),
    ("DELETE", "/restapis/{}/authorizers/{}", "DeleteAuthorizer"),
    ("GET", "/restapis/{}/requestvalidators", "GetRequestValidators"),
    ("POST", "/restapis/{}/requestvalidators", "CreateRequestValidator"),
    ("GET", "/restapis/{}/requestvalidators/{}", "GetRequestValidator"),
    ("PATCH", "/restapis/{}/requestvalidators/{}", "UpdateRequestValidator"),
    ("DELETE", "/restapis/{}/requestvalidators/{}", "DeleteRequestValidator"),
    ("GET", "/restapis/{}/models", "GetModels"),
    ("POST", "/restapis/{}/models", "CreateModel"),
    ("GET", "/restapis/{}/models/{}", "GetModel"),
    ("PATCH", "/restapis/{}/models/{}", "UpdateModel"),
    ("DELETE", "/restapis/{}/models/{}", "DeleteModel"),
    ("GET", "/restapis/{}/gatewayresponses", "GetGatewayResponses"),
    ("GET", "/restapis/{}/gatewayresponses/{}", "GetGatewayResponse"),
    ("PUT", "/restapis/{}/gatewayresponses/{}", "PutGatewayResponse"),
    ("PATCH", "/restapis/{}/gatewayresponses/{}", "UpdateGatewayResponse"),
    ("DELETE", "/restapis/{}/gatewayresponses/{}", "DeleteGatewayResponse"),
    ("GET", "/apikeys", "GetApiKeys"),
    ("POST", "/apikeys", "CreateApiKey"),  # ?mode=import -> ImportApiKeys
    ("GET", "/apikeys/{}", "GetApiKey"),
    ("PATCH", "/apikeys/{}", "UpdateApiKey"),
    ("DELETE", "/apikeys/{}", "DeleteApiKey"),
    ("GET", "/usageplans", "GetUsagePlans"),
    ("POST", "/usageplans", "CreateUsagePlan"),
    ("GET", "/usageplans/{}", "GetUsagePlan"),
    ("PATCH", "/usageplans/{}", "UpdateUsagePlan"),
    ("DELETE", "/usageplans/{}", "DeleteUsagePlan"),
    ("GET", "/usageplans/{}/keys", "GetUsagePlanKeys"),
    ("POST", "/usageplans/{}/keys", "CreateUsagePlanKey"),
    ("GET", "/usageplans/{}/keys/{}", "GetUsagePlanKey"),
    ("DELETE", "/usageplans/{}/keys/{}", "DeleteUsagePlanKey"),
    ("GET", "/usageplans/{}/usage", "GetUsage"),
    ("GET", "/domainnames", "GetDomainNames"),
    ("POST", "/domainnames", "CreateDomainName"),
    ("GET", "/domainnames/{}", "GetDomainName"),
    ("PATCH", "/domainnames/{}", "UpdateDomainName"),
    ("DELETE", "/domainnames/{}", "DeleteDomainName"),
    ("GET", "/domainnames/{}/basepathmappings", "GetBasePathMappings"),
    ("POST", "/domainnames/{}/basepathmappings", "CreateBasePathMapping"),
    ("GET", "/domainnames/{}/basepathmappings/{}", "GetBasePathMapping"),
    ("PATCH", "/domainnames/{}/basepathmappings/{}", "UpdateBasePathMapping"),
    ("DELETE", "/domainnames/{}/basepathmappings/{}", "DeleteBasePathMapping"),
    ("GET", "/vpclinks", "GetVpcLinks"),
    ("POST", "/vpclinks", "CreateVpcLink"),
    ("GET", "/vpclinks/{}", "GetVpcLink"),
    ("PATCH", "/vpclinks/{}", "UpdateVpcLink"),
    ("DELETE", "/vpclinks/{}", "DeleteVpcLink"),
    ("GET", "/tags/{}", "GetTags"),
    ("PUT", "/tags/{}", "TagResource"),
    ("DELETE", "/tags/{}", "UntagResource"),
    ("GET", "/account", "GetAccount"),
    ("PATCH", "/account", "UpdateAccount"),
]

# API Gateway v2 (HTTP / WebSocket APIs), same REST-JSON style under /v2.
_V2_TABLE = [
    ("GET", "/v2/apis", "GetApis"),
    ("POST", "/v2/apis", "CreateApi"),
    ("PUT", "/v2/apis", "ImportApi"),
    ("GET", "/v2/apis/{}", "GetApi"),
    ("PUT", "/v2/apis/{}", "ReimportApi"),
    ("PATCH", "/v2/apis/{}", "UpdateApi"),
    ("DELETE", "/v2/apis/{}", "DeleteApi"),
    ("GET", "/v2/vpclinks", "GetVpcLinks"),
    ("POST", "/v2/vpclinks", "CreateVpcLink"),
    ("GET", "/v2/vpclinks/{}", "GetVpcLink"),
    ("PATCH", "/v2/vpclinks/{}", "UpdateVpcLink"),
    ("DELETE", "/v2/vpclinks/{}", "DeleteVpcLink"),
    ("GET", "/v2/domainnames", "GetDomainNames"),
    ("POST", "/v2/domainnames", "CreateDomainName"),
    ("GET", "/v2/domainnames/{}", "GetDomainName"),
    ("PATCH", "/v2/domainnames/{}", "UpdateDomainName"),
    ("DELETE", "/v2/domainnames/{}", "DeleteDomainName"),
]
_V2_CHILDREN = {  # /v2/apis/{id}/<collection>[/{x}] -> (singular, plural)
    "routes": ("Route", "Routes"),
    "integrations": ("Integration", "Integrations"),
    "stages": ("Stage", "Stages"),
    "deployments": ("Deployment", "Deployments"),
    "authorizers": ("Authorizer", "Authorizers"),
    "models": ("Model", "Models"),
}
for _coll, (_one, _many) in _V2_CHILDREN.items():
    _V2_TABLE += [
        ("GET", f"/v2/apis/{{}}/{_coll}", f"Get{_many}"),
        ("POST", f"/v2/apis/{{}}/{_coll}", f"Create{_one}"),
        ("GET", f"/v2/apis/{{}}/{_coll}/{{}}", f"Get{_one}"),
        ("PATCH", f"/v2/apis/{{}}/{_coll}/{{}}", f"Update{_one}"),
        ("DELETE", f"/v2/apis/{{}}/{_coll}/{{}}", f"Delete{_one}"),
    ]


def _compile(table):
    out: dict[str, list] = {}
    for method, tmpl, op in table:
        rx = re.compile("^" + re.escape(tmpl).replace(r"\{\}", _SEG) + "/?$")
        out.setdefault(method, []).append((rx, op))
    return out


_V1 = _compile(_V1_TABLE)
_V2 = _compile(_V2_TABLE)
# API Gateway's operation names: another service's operation of the same name (the tagging
# API's GetResources) is named `service:op`, so the stats keep the two apart.
_APIGW_OPS = {op for _, _, op in _V1_TABLE + _V2_TABLE}
_V1_ROOTS = ("restapis", "apikeys", "usageplans", "domainnames", "vpclinks", "tags", "account",
             "clientcertificates", "sdktypes", "documentation")
_CRED_RE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
_TARGET_SERVICES = {  # X-Amz-Target prefix -> service
    "AWSWAF_20190729": "wafv2",
    "Logs_20140328": "logs",
    "CertificateManager": "acm",
    "GraniteServiceVersion20100801": "cloudwatch",
    "DynamoDB_20120810": "dynamodb",
}
_RPCV2_RE = re.compile(r"^/service/([^/]+)/operation/([^/?]+)")


_APIGW_WORDS = {
    "restapis", "resources", "methods", "responses", "integration", "deployments", "stages",
    "authorizers", "requestvalidators", "models", "gatewayresponses", "documentation", "parts",
    "versions", "apikeys", "usageplans", "keys", "usage", "domainnames", "basepathmappings",
    "vpclinks", "tags", "account", "clientcertificates", "sdktypes", "exports", "sdks", "cache",
    "data", "v2", "apis", "routes", "integrations", "routeresponses", "integrationresponses",
    "apimappings", "cors", "exports", "default_template", "template",
}


def _templated(path: str, apigw: bool = False) -> str:
    """A fallback operation name for an unknown REST path, ids replaced by {}: for API
    Gateway every segment that is not one of its collection words; elsewhere every segment
    that is not a lower-case word or a date-like API version (2015-03-31)."""
    parts = []
    for seg in path.split("/")[1:]:
        if apigw:
            keep = seg in _APIGW_WORDS
        else:
            keep = bool(re.fullmatch(r"[a-z][a-z_-]*|\d{4}-\d{2}-\d{2}", seg))
        parts.append(seg if keep else "{}")
    return "/" + "/".join(parts)


def identify(method: str, path: str, headers, body: bytes) -> tuple[str, str, str]:
    """(service, operation, protocol) of a request. protocol: rest-json | json | query | other."""
    split = urllib.parse.urlsplit(path)
    p, query = split.path, split.query
    if p.startswith("/moto-api"):
        return "moto", "MotoApi:" + p[len("/moto-api"):].strip("/"), "other"
    auth = headers.get("Authorization", "") or ""
    m = _CRED_RE.search(auth)
    scope = m.group(1) if m else None
    target = headers.get("X-Amz-Target")
    if target:
        prefix, _, op = target.rpartition(".")
        service = _TARGET_SERVICES.get(prefix) or scope or prefix
        if service != "apigateway" and op in _APIGW_OPS:
            op = f"{service}:{op}"
        return service, op, "json"
    m = _RPCV2_RE.match(p)
    if m and method == "POST":
        service = "cloudwatch" if m.group(1).startswith("GraniteService") else (scope or m.group(1))
        return service, m.group(2), "rpcv2"
    action = None
    qs = urllib.parse.parse_qs(query)
    if "Action" in qs:
        action = qs["Action"][0]
    ctype = (headers.get("Content-Type") or "").lower()
    if action is None and method == "POST" and "x-www-form-urlencoded" in ctype and body:
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            if "Action" in form:
                action = form["Action"][0]
        except Exception:  # noqa: BLE001 - never fail naming
            pass
    if action:
        service = scope or ("cloudwatch" if action in CLOUDWATCH_QUOTAS or "Alarm" in action
                            or "Dashboard" in action or "Metric" in action else "query")
        if service == "monitoring":
            service = "cloudwatch"
        return service, action, "query"
    first = p.strip("/").split("/")[0] if p.strip("/") else ""
    is_v2 = p.startswith("/v2/")
    if scope in ("apigateway", None) and (is_v2 or first in _V1_ROOTS) and scope != "execute-api":
        table = _V2 if is_v2 else _V1
        for rx, op in table.get(method, []):
            if rx.match(p):
                if op in ("CreateRestApi", "CreateApiKey") and "mode=import" in query:
                    op = "ImportRestApi" if op == "CreateRestApi" else "ImportApiKeys"
                if op == "PutRestApi" and "mode=merge" in query:
                    pass  # same operation, same quota
                return "apigateway", op, "rest-json"
        return "apigateway", f"ApiGateway:{method} {_templated(p, apigw=True)}", "rest-json"
    service = scope or "unknown"
    return service, f"{service}:{method} {_templated(p)}", "rest"


# --------------------------------------------------------------------------------------
# Answers

def throttle_response(protocol: str) -> tuple[int, list[tuple[str, str]], bytes]:
    if protocol in ("json", "rpcv2"):
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}, separators=(",", ":")).encode()
        return 400, [("Content-Type", "application/x-amz-json-1.1"),
                     ("x-amzn-ErrorType", "ThrottlingException")], body
    if protocol == "query":
        body = (b'<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">'
                b"<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                b"</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")
        return 400, [("Content-Type", "text/xml")], body
    body = json.dumps({"message": "Too Many Requests"}, separators=(",", ":")).encode()
    return 429, [("Content-Type", "application/json"),
                 ("x-amzn-ErrorType", "TooManyRequestsException")], body


def fault_response(kind: str, protocol: str) -> tuple[int, list[tuple[str, str]], bytes]:
    if kind == "429":
        return throttle_response(protocol)
    code, name, msg = ((500, "InternalFailure", "Internal server error (injected)") if kind == "500"
                       else (503, "ServiceUnavailable", "Service unavailable (injected)"))
    if protocol in ("json", "rpcv2"):
        return code, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(
            {"__type": name, "message": msg}).encode()
    if protocol == "query":
        return code, [("Content-Type", "text/xml")], (
            f"<ErrorResponse><Error><Type>Receiver</Type><Code>{name}</Code>"
            f"<Message>{msg}</Message></Error></ErrorResponse>").encode()
    return code, [("Content-Type", "application/json"), ("x-amzn-ErrorType", name)], json.dumps(
        {"message": msg}).encode()


def denied_response(service: str, op: str, protocol: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """AWS's answer to a call the credentials' IAM policy does not allow, in its protocol."""
    msg = (f"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
           f"{service}:{op} on resource: * because no identity-based policy allows the "
           f"{service}:{op} action")
    if protocol in ("json", "rpcv2"):
        return 400, [("Content-Type", "application/x-amz-json-1.1"),
                     ("x-amzn-ErrorType", "AccessDeniedException")], json.dumps(
            {"__type": "AccessDeniedException", "message": msg}).encode()
    if protocol == "query" or service == "route53":
        return 403, [("Content-Type", "text/xml")], (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{msg}</Message></Error><RequestId>0</RequestId></ErrorResponse>").encode()
    return 403, [("Content-Type", "application/json"),
                 ("x-amzn-ErrorType", "AccessDeniedException")], json.dumps(
        {"Message": msg, "message": msg}).encode()


HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade", "proxy-connection"}
FAULT_KINDS = ("429", "500", "503", "reset", "slow", "lost", "lost-reset")


def lose_key(op: str, path: str) -> str:
    """How --lose names an operation: API Gateway v2's share v1's names, so they are `v2/Op`."""
    return f"v2/{op}" if path.startswith("/v2/") else op


# --------------------------------------------------------------------------------------
# Stats

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.version = 0
        self.data = {
            "requests": 0,            # every request received (AWS + moto-api)
            "aws_requests": 0,        # requests for AWS operations (not /moto-api)
            "forwarded": 0,           # AWS requests sent to the upstream
            "throttled": 0,           # quota 429s (or throttling 400s) the proxy answered
            "faults": {k: 0 for k in FAULT_KINDS},
            "faults_after_forward": 0,
            "upstream_errors": 0,
            "operations": {},         # op -> requests received
            "forwarded_operations": {},  # op -> requests forwarded (charged to the quotas)
            "throttled_operations": {},  # op -> quota throttles
            "would_throttle": 0,      # count-only: requests forwarded that AWS would throttle
            "would_throttle_operations": {},  # op -> those
            "services": {},           # op -> service, for every op seen
            "responses": {},          # status code (or "reset") -> answers sent
            "started": time.time(),
        }

    def bump(self, *path, n=1, op_service=None):
        with self.lock:
            d = self.data
            for k in path[:-1]:
                d = d.setdefault(k, {})
            d[path[-1]] = d.get(path[-1], 0) + n
            if op_service:
                self.data["services"][op_service[0]] = op_service[1]
            self.version += 1

    def snapshot(self) -> dict:
        with self.lock:
            snap = json.loads(json.dumps(self.data))
        snap["written"] = time.time()
        return snap


# --------------------------------------------------------------------------------------
# Server

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, proxy):
        self.proxy = proxy
        self._reset_lock = threading.Lock()
        self._reset: set[int] = set()
        super().__init__(addr, handler)

    def mark_reset(self, sock):
        with self._reset_lock:
            self._reset.add(id(sock))

    def shutdown_request(self, request):
        with self._reset_lock:
            reset = id(request) in self._reset
            self._reset.discard(id(request))
        if reset:
            # SO_LINGER 0 was set: close() now sends RST instead of FIN.
            try:
                request.close()
            except OSError:
                pass
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address):  # quiet on client disconnects
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, BrokenPipeError, socket.timeout, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body of every answer after
    # the first on a kept-alive connection waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server_version = "quota-proxy"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # silence the default access log
        pass

    def _read_body(self) -> bytes:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status: int, headers, body: bytes):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "quota-proxy-%08x" % random.getrandbits(32))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.wfile.flush()

    def _reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.server.mark_reset(self.connection)

    def _forward(self, body: bytes):
        proxy: QuotaProxy = self.server.proxy
        up = proxy.upstream
        conn_cls = http.client.HTTPSConnection if up.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(up.hostname, up.port or (443 if up.scheme == "https" else 80),
                        timeout=proxy.upstream_timeout)
        try:
            headers = {}
            for k, v in self.headers.items():
                if k.lower() in HOP_BY_HOP or k.lower() in ("host", "content-length", "expect"):
                    continue
                headers[k] = v
            headers["Host"] = up.netloc
            if body or self.command in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(body))
            path = (up.path.rstrip("/") + self.path) if up.path not in ("", "/") else self.path
            conn.request(self.command, path, body=body if body else None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            rheaders = [(k, v) for k, v in resp.getheaders()
                        if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
            return resp.status, rheaders, data
        finally:
            conn.close()

    def _handle(self):
        proxy: QuotaProxy = self.server.proxy
        t0 = time.time()
        body = self._read_body()
        service, op, protocol = identify(self.command, self.path, self.headers, body)
        is_aws = service != "moto"
        stats = proxy.stats_obj
        stats.bump("requests")
        if is_aws:
            stats.bump("aws_requests")
            stats.bump("operations", op, op_service=(op, service))
        action = "forward"
        fault = None
        if is_aws and service in proxy.deny:
            stats.bump("denied", service)
            status, h, b = denied_response(service, op.split(":")[-1].split(" ")[0], protocol)
            self._send(status, h, b)
            stats.bump("responses", str(status))
            return
        if is_aws:
            if not proxy.limiter.admit(bucket_keys(service, op)):
                if proxy.enforce:
                    action = "throttle"
                else:
                    stats.bump("would_throttle")
                    stats.bump("would_throttle_operations", op)
            elif proxy.take_lose(lose_key(op, self.path)):
                fault = "lose"
            elif proxy.fault_rate > 0 and proxy.faults:
                fault = proxy.draw_fault()
        status = None
        try:
            if action == "throttle":
                stats.bump("throttled")
                stats.bump("throttled_operations", op)
                status, h, b = throttle_response(protocol)
                self._send(status, h, b)
                return
            # "lost" and "lost-reset": the upstream does the work, the client sees a 500 or a reset.
            after = fault in ("lose", "lost", "lost-reset") or (
                fault in ("500", "503", "reset") and proxy.fault_after_forward)
            if fault and fault != "slow" and not after:
                stats.bump("faults", fault)
                if fault == "reset":
                    status = "reset"
                    self._reset()
                    return
                status, h, b = fault_response(fault, protocol)
                self._send(status, h, b)
                return
            if fault == "slow":
                stats.bump("faults", "slow")
                time.sleep(proxy.draw_delay())
            try:
                if is_aws:
                    stats.bump("forwarded")
                    stats.bump("forwarded_operations", op)
                status, h, b = self._forward(body)
            except (OSError, http.client.HTTPException) as e:
                stats.bump("upstream_errors")
                status = 502
                self._send(502, [("Content-Type", "application/json")],
                           json.dumps({"message": f"quota-proxy: upstream error: {e}"}).encode())
                return
            if after:
                if fault == "lose":
                    stats.bump("lost_answers", lose_key(op, self.path))
                    fault = proxy.lose_as
                fault = {"lost": "500", "lost-reset": "reset"}.get(fault, fault)
                stats.bump("faults", fault)
                stats.bump("faults_after_forward")
                if fault == "reset":
                    status = "reset"
                    self._reset()
                    return
                status, h, b = fault_response(fault, protocol)
                self._send(status, h, b)
                return
            self._send(status, h, b)
        finally:
            stats.bump("responses", str(status))
            if proxy.log:
                proxy.log_line({"t": round(t0, 4), "ms": round((time.time() - t0) * 1000, 1),
                                "method": self.command, "path": self.path.split("?")[0],
                                "service": service, "op": op, "status": status,
                                "action": action if action == "throttle" else (fault or "forward")})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class QuotaProxy:
    """The proxy, in a background thread. `start()` returns self; `url`, `port`, `stats()`."""

    def __init__(self, upstream: str, listen: str = "127.0.0.1:0", quotas: bool = True,
                 fault_rate: float = 0.0, faults=("429", "500", "503", "reset", "slow"),
                 seed: int | None = None, fault_after_forward: bool = False,
                 stats_file: str | None = None, log_file: str | None = None,
                 upstream_timeout: float = 120.0, lose: str = "", lose_as: str = "500",
                 enforce: bool = True, deny: str = ""):
        self.upstream = urllib.parse.urlsplit(upstream)
        # False: count-only, over-quota requests are forwarded and counted as would_throttle
        self.enforce = enforce
        # services whose every call is answered AccessDenied (credentials scoped by IAM)
        self.deny = {s.strip() for s in deny.split(",") if s.strip()}
        host, _, port = listen.rpartition(":")
        self.listen = (host or "127.0.0.1", int(port or 0))
        self.limiter = Limiter(enabled=quotas)
        self.fault_rate = float(fault_rate)
        self.faults = [f.strip() for f in (faults.split(",") if isinstance(faults, str) else faults)
                       if f.strip()]
        for f in self.faults:
            if f not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {f!r}; expected some of {','.join(FAULT_KINDS)}")
        # how a lost answer reaches the client: "500" or "reset"
        self.lose_as = lose_as
        # operation -> how many more of its calls lose their answer
        self.lose: dict[str, int] = {}
        for item in filter(None, (x.strip() for x in lose.split(","))):
            op, _, n = item.partition(":")
            self.lose[op] = int(n or 1)
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.fault_after_forward = fault_after_forward
        self.stats_file = stats_file
        self.stats_obj = Stats()
        self.upstream_timeout = upstream_timeout
        self.log = open(log_file, "a", buffering=1) if log_file else None
        self.log_lock = threading.Lock()
        self._written_version = -1
        self._stop = threading.Event()
        self.server: _Server | None = None

    # -- faults
    def take_lose(self, op: str) -> bool:
        with self.rng_lock:
            if self.lose.get(op, 0) > 0:
                self.lose[op] -= 1
                return True
        return False

    def draw_fault(self) -> str | None:
        with self.rng_lock:
            if self.rng.random() < self.fault_rate:
                return self.rng.choice(self.faults)
        return None

    def draw_delay(self) -> float:
        with self.rng_lock:
            return self.rng.uniform(1.0, 3.0)

    def log_line(self, rec: dict):
        with self.log_lock:
            self.log.write(json.dumps(rec) + "\n")

    # -- lifecycle
    def start(self) -> "QuotaProxy":
        self.server = _Server(self.listen, _Handler, self)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True, name="quota-proxy").start()
        if self.stats_file:
            threading.Thread(target=self._stats_loop, daemon=True, name="quota-proxy-stats").start()
        return self

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.server.server_address[0]}:{self.port}"

    def stats(self) -> dict:
        return self.stats_obj.snapshot()

    def write_stats(self, force: bool = False):
        if not self.stats_file:
            return
        v = self.stats_obj.version
        if not force and v == self._written_version:
            return
        snap = self.stats()
        tmp = f"{self.stats_file}.tmp.{os.getpid()}.{threading.get_ident()}"
        with open(tmp, "w") as f:
            json.dump(snap, f, indent=1, sort_keys=True)
        os.replace(tmp, self.stats_file)
        self._written_version = v

    def _stats_loop(self):
        while not self._stop.wait(1.0):
            try:
                self.write_stats()
            except OSError:
                pass

    def stop(self):
        self._stop.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        self.write_stats(force=True)
        if self.log:
            self.log.close()
            self.log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (port 0: pick a free one)")
    ap.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:5000 (moto_server)")
    ap.add_argument("--no-quotas", action="store_true", help="forward without throttling")
    ap.add_argument("--fault-rate", type=float, default=0.0, help="share of requests faulted, 0..1")
    ap.add_argument("--faults", default="429,500,503,reset,slow",
                    help="comma list of fault kinds: 429,500,503,reset,slow, and lost / lost-reset "
                         "(forwarded, then answered 500 / reset: the upstream did the work)")
    ap.add_argument("--seed", type=int, default=None, help="seed for reproducible faults")
    ap.add_argument("--fault-after-forward", action="store_true",
                    help="apply 500/503/reset faults after forwarding (upstream did the work)")
    ap.add_argument("--lose", default="",
                    help="OP[:N],...: forward the first (N) calls of each operation, then answer 500 "
                         "(API Gateway v2's operations are v2/OP)")
    ap.add_argument("--lose-as", default="500", choices=["500", "reset"],
                    help="how a --lose answer reaches the client: an HTTP 500 or a connection reset")
    ap.add_argument("--count-only", action="store_true",
                    help="run the quota buckets but forward over-quota requests too, counting them "
                         "as would_throttle (the 429s AWS would answer) instead of answering 429")
    ap.add_argument("--deny", default="",
                    help="SERVICE,...: answer every call of these services (lambda, wafv2, acm, "
                         "route53, cloudwatch, logs) with AWS's AccessDenied, as credentials whose "
                         "IAM policy does not allow them would get")
    ap.add_argument("--stats-file", help="JSON counters, written every second, on SIGUSR1 and exit")
    ap.add_argument("--log-file", help="append one JSON line per request")
    a = ap.parse_args(argv)
    if not 0.0 <= a.fault_rate <= 1.0:
        ap.error("--fault-rate must be between 0 and 1")
    try:
        proxy = QuotaProxy(a.upstream, a.listen, quotas=not a.no_quotas, fault_rate=a.fault_rate,
                           faults=a.faults, seed=a.seed, fault_after_forward=a.fault_after_forward,
                           stats_file=a.stats_file, log_file=a.log_file, lose=a.lose,
                           lose_as=a.lose_as, enforce=not a.count_only, deny=a.deny)
    except ValueError as e:
        ap.error(str(e))
    # A plain list, not a threading.Event: a handler runs in the main thread between
    # bytecodes, and Event.set() there can wait forever for the lock the interrupted
    # Event.wait() holds (a test's proxy once never exited on SIGTERM).
    done: list[int] = []

    def on_term(signum, frame):
        done.append(signum)

    def on_usr1(signum, frame):
        threading.Thread(target=proxy.write_stats, kwargs={"force": True}).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if hasattr(signal, "SIGUSR1"):
        signal.signal(signal.SIGUSR1, on_usr1)
    proxy.start()
    proxy.write_stats(force=True)
    print(f"listening on {proxy.url}", flush=True)
    while not done:
        time.sleep(0.2)
    proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
