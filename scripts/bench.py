#!/usr/bin/env python3
"""Benchmark idrv5-gw beside its peers over generated contracts, through the quota proxy, on
two grounds: moto, and LocalStack (API Gateway on LocalStack, the rest on moto).

    python3 scripts/bench.py [--sizes 10,100,300,1000] [--runs 3] [--timeout 1800]
                             [--grounds moto,localstack] [--localstack-python PY]
                             [--tf-timeout 900] [--tf-sizes 10,100,300,1000]
                             [--bin target/release/idrv5-gw] [--json FILE] [--write docs/PERFORMANCE.md]
    python3 scripts/bench.py --render A.json[,B.json] [--notes MD] [--write docs/PERFORMANCE.md]

Per size N (scripts/gen_contract.py --ops N, and the same stack with --change-one and
--change 50): validate and export-openapi offline (median of --runs, peak RSS); then per
ground a fresh emulator (moto_server; for LocalStack a fresh LocalStack *and* a moto for
WAFv2/API Gateway v2/DynamoDB/CloudWatch, the tool reaching them through the SDK's per-service
endpoint variables). Every idrv5-gw command goes through its own fresh, enforcing
scripts/quota_proxy.py (full token buckets, as after a pause; on LocalStack one proxy in
front of each emulator) and gets its own cache directory (IDRV5_GW_CACHE_DIR): empty but
for the import memory the first `--bulk always` apply of the ground learned from its
read-back, as any second command against one endpoint has it (no pacing memory):

  apply (from scratch) x3       `--bulk always`, `--bulk never`, `--bulk auto` (the default,
                                with what `always` taught it), each on an empty emulator, each
                                followed by a plan that must be empty; the emulator is reset
                                between them (moto: /moto-api/reset; LocalStack: restarted).
                                Median of --runs up to --apply-runs-max-ops operations
                                (default 100), and above where the first run took under
                                30 s; else once. The `auto` stack stays for what follows.
  plan (no-op)                  median of --runs; must report no changes
  one-route change              plan (median of --runs), apply, plan after (must be empty),
                                then the base stack applied again (not reported); the
                                three repeated --runs times where the apply took under 30 s
  50-route change               the same with `gen_contract.py --change 50`; on LocalStack
                                also with `--bulk always`
  seed: import + deploy         the seed documents' script, run with the real `aws` CLI:
                                `aws apigateway import-rest-api --body fileb://<export>` +
                                `create-deployment`; and the same two calls with boto3;
                                median of --runs (each a new REST API, as the script makes)
  seed: re-import + deploy      `put-rest-api --mode overwrite` + `create-deployment` of the
                                one-route-changed document
  Terraform                     `terraform` + the AWS provider from a filesystem mirror,
                                offline: a per-resource main.tf.json generated from the same
                                exported document; init, apply from scratch, no-op
                                `plan -detailed-exitcode`, one-route change apply; each
                                command limited by --tf-timeout (recorded as timed out)

The seed script and Terraform go through a *count-only* quota proxy (it forwards every call
and counts the 429s AWS would have answered: they have no retry discipline to measure, and
an enforcing proxy would only make them fail or stall). Prints markdown tables per ground,
the peers' ratios and the target checks; `--write FILE` also writes the performance
document. Standard library only (boto3 optional, for the boto3 seed rows).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_contract  # noqa: E402
from quota_proxy import QuotaProxy, quota_lower_bound  # noqa: E402

STATS_RE = re.compile(r"^aws calls: (\d+) \((.*)\); wall time: (\d+) ms\s*$", re.M)
TIME_BIN = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None

TARGETS = {
    "noop_plan_calls": 15,
    "noop_plan_ms": 500,
    "change_calls": 10,
    "apply_ratio": 1.5,
    "ratio_min_bound_s": 2.0,
    "offline_ms_1000": 100,
    "rss_mb": 100,
    "auto_slack": 1.10,
    "change50_ms_localstack": 2000,
}
CHANGE_N = 50
GROUNDS = ("moto", "localstack")
LS_SERVICES = "apigateway,acm,route53,cloudwatch,logs,lambda,sts,iam"
#: The SDK endpoint variables of the services LocalStack serves (tests/it/common/localstack.rs).
LS_ENDPOINT_VARS = (
    "AWS_ENDPOINT_URL_API_GATEWAY", "AWS_ENDPOINT_URL_ACM", "AWS_ENDPOINT_URL_ROUTE_53",
    "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_LAMBDA",
    "AWS_ENDPOINT_URL_STS",
)
TF_MIRROR = "/opt/tf-plugins"
TF_PROVIDER = ("registry.terraform.io", "hashicorp", "aws")


# --------------------------------------------------------------------------------------
# helpers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def moto_version() -> str:
    try:
        import importlib.metadata as md
        return md.version("moto")
    except Exception:  # noqa: BLE001
        return "unknown"


def have_boto3() -> bool:
    try:
        import boto3  # noqa: F401
        return True
    except ImportError:
        return False


def clean_env() -> dict:
    """This process's environment without AWS profile or endpoint settings."""
    return {k: v for k, v in os.environ.items()
            if k != "AWS_PROFILE" and not k.startswith("AWS_ENDPOINT_URL")}


def tail(text: str, n: int = 800) -> str:
    return text[-n:] if text else ""


def warm_up(url: str, reqs) -> None:
    """An emulator loads a service's code at its first request (some 100s of ms): one cheap
    read per service the tool calls there, so no measured command pays it (AWS has no such
    first-call cost). The signature is not checked; the credential scope names the service."""
    for method, path, body, headers in reqs:
        try:
            urllib.request.urlopen(urllib.request.Request(url + path, data=body,
                                                          headers=headers, method=method),
                                   timeout=60).read()
        except OSError:
            pass


def signed(service: str, target: str | None = None, form: bool = False) -> dict:
    h = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
                          f"{service}/aws4_request, SignedHeaders=host, Signature=0"}
    if target:
        h.update({"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target})
    if form:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    return h


ACM_READ = ("POST", "/", b"{}", signed("acm", "CertificateManager.ListCertificates"))
ALARMS_READ = ("POST", "/", b"Action=DescribeAlarms&Version=2010-08-01",
               signed("monitoring", form=True))
REST_READ = ("GET", "/restapis", None, signed("apigateway"))
TAGGING_READ = ("POST", "/", b"{}", signed("tagging", "ResourceGroupsTaggingAPI_20170126.GetResources"))
# What the tool reads on moto: REST and v2 APIs, WAFv2, ACM, CloudWatch, the tagging API
# (moto's loads every backend it can list: ~1 s on its first call).
MOTO_WARM = (REST_READ, ("GET", "/v2/apis", None, signed("apigateway")),
             ("POST", "/", b'{"Scope": "REGIONAL"}', signed("wafv2", "AWSWAF_20190729.ListWebACLs")),
             ACM_READ, ALARMS_READ, TAGGING_READ)


class Moto:
    def __init__(self, log_path: str):
        self.port = free_port()
        exe = shutil.which("moto_server")
        cmd = ([exe] if exe else [sys.executable, "-m", "moto.server"]) + [
            "-H", "127.0.0.1", "-p", str(self.port)]
        env = clean_env()
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto_server did not start")
        warm_up(self.url, MOTO_WARM)

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset",
                                                      method="POST"), timeout=60).read()
        warm_up(self.url, MOTO_WARM)

    def stop(self):
        kill_group(self.proc)
        self.log.close()


def kill_group(proc, grace: float = 10):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


def localstack_python(flag: str | None) -> tuple[str | None, str]:
    """(python, why-not): the Python that runs LocalStack (--localstack-python, else
    $IDRV5_LOCALSTACK_PYTHON), checked by importing localstack.runtime.main's package."""
    py = flag or os.environ.get("IDRV5_LOCALSTACK_PYTHON")
    if not py:
        return None, "neither --localstack-python nor IDRV5_LOCALSTACK_PYTHON is set"
    try:
        p = subprocess.run([py, "-c", "import importlib.metadata as m; "
                                      "print(m.version('localstack-core'))"],
                           capture_output=True, text=True, timeout=60)
    except OSError as e:
        return None, f"{py}: {e}"
    if p.returncode != 0:
        return None, f"{py} does not import localstack: {tail(p.stderr, 200)}"
    return py, p.stdout.strip()


class LocalStack:
    """LocalStack on a free loopback port in its own directories, the recipe of
    tests/it/common/localstack.rs and shared/reference/localstack.md."""

    def __init__(self, python: str, work: str, label: str):
        self.python = python
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"ls-{label}-", dir=work)
        tmp, root = os.path.join(self.dir, "tmp"), os.path.join(self.dir, "root")
        os.makedirs(tmp)
        os.makedirs(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "GATEWAY_LISTEN": f"127.0.0.1:{self.port}", "LOCALSTACK_HOST": f"localhost:{self.port}",
            "SERVICES": LS_SERVICES, "PERSISTENCE": "0", "DNS_ADDRESS": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1", "DISABLE_EVENTS": "1", "LOCALSTACK_TELEMETRY": "0",
            "FILESYSTEM_ROOT": root, "TMPDIR": tmp,
        })
        self.log_path = os.path.join(self.dir, "localstack.log")
        self.log = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([python, "-m", "localstack.runtime.main"], cwd=self.dir,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"LocalStack exited during startup ({self.proc.returncode}): "
                                   f"{tail(self.log_text(), 1500)}")
            try:
                with urllib.request.urlopen(self.url + "/_localstack/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"LocalStack did not answer within 120 s: "
                                   f"{tail(self.log_text(), 1500)}")
            time.sleep(0.2)
        self.start_s = time.monotonic() - t0
        self.warm_up()

    def warm_up(self):
        warm_up(self.url, (REST_READ, ACM_READ, ALARMS_READ))

    def log_text(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        kill_group(self.proc, grace=15)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Ground:
    """One emulator set for one size: `moto` (everything on one moto_server) or `localstack`
    (API Gateway, ACM, Route 53, CloudWatch, Logs, Lambda, STS on LocalStack; WAFv2, API
    Gateway v2, DynamoDB on a moto_server beside it)."""

    def __init__(self, b: "Bench", name: str, n: int):
        self.b, self.name, self.n = b, name, n
        self.moto = Moto(os.path.join(b.work, f"moto-{name}-{n}.log"))
        self.ls = None
        self.restarts = 0
        # The import memory the first `--bulk always` apply left (text of the cache file).
        self.learned: str | None = None
        if name == "localstack":
            try:
                self.ls = LocalStack(b.ls_python, b.work, str(n))
            except Exception:
                self.moto.stop()
                raise
            b.log(f"{name} {n}: LocalStack up on {self.ls.url} in {self.ls.start_s:.1f} s")

    @property
    def apigw_url(self) -> str:
        """Where API Gateway (REST) calls go."""
        return self.ls.url if self.ls else self.moto.url

    def reset(self):
        """Empty emulators: moto's reset; LocalStack is restarted (a fresh process, in fresh
        directories, on a new port)."""
        self.moto.reset()
        if self.ls:
            self.ls.stop()
            self.ls = LocalStack(self.b.ls_python, self.b.work, f"{self.n}-{self.restarts}")
            self.restarts += 1

    def stop(self):
        if self.ls:
            self.ls.stop()
        self.moto.stop()


def run_cmd(argv, env, timeout, cwd=None) -> dict:
    """Run argv (under /usr/bin/time when present) in its own process group. Returns rc,
    wall_s, stdout, stderr, rss_kb, timed_out."""
    rss_file = None
    full = list(argv)
    if TIME_BIN:
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        full = [TIME_BIN, "-f", "%M", "-o", rss_file] + full
    before = None
    if not TIME_BIN:
        import resource
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    p = subprocess.Popen(full, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    wall = time.monotonic() - t0
    rss_kb = None
    if rss_file:
        try:
            with open(rss_file) as f:
                lines = [ln for ln in f.read().split("\n") if ln.strip().isdigit()]
            rss_kb = int(lines[-1]) if lines else None
        finally:
            os.unlink(rss_file)
    else:
        import resource
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # ru_maxrss of children is the max over all waited-for children: only a rise is ours.
        rss_kb = after if after > before else None
    return {"rc": None if timed_out else p.returncode, "wall_s": wall, "timed_out": timed_out,
            "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace"),
            "rss_kb": rss_kb}


def parse_tool_stats(stderr: str) -> dict | None:
    m = None
    for m in STATS_RE.finditer(stderr):
        pass
    if not m:
        return None
    per_op = {}
    for item in m.group(2).split(", "):
        if "=" in item:
            k, v = item.rsplit("=", 1)
            per_op[k] = int(v)
    apigw = sum(v for k, v in per_op.items() if k.startswith("API Gateway."))
    return {"calls": int(m.group(1)), "apigw_calls": apigw, "per_op": per_op,
            "wall_ms": int(m.group(3))}


def throttle_reached_user(res: dict) -> bool:
    text = res["stderr"] + res["stdout"]
    return res["rc"] not in (0, 2) and bool(
        re.search(r"TooManyRequests|Too Many Requests|Throttl|Rate exceeded", text))


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def merge_stats(snaps: list[dict]) -> dict:
    """Several proxies' stats as one (sums; per-operation maps added up)."""
    out: dict = {"aws_requests": 0, "throttled": 0, "would_throttle": 0, "forwarded": 0,
                 "forwarded_operations": {}, "throttled_operations": {},
                 "would_throttle_operations": {}, "services": {}, "per_proxy_requests": []}
    for s in snaps:
        for k in ("aws_requests", "throttled", "would_throttle", "forwarded"):
            out[k] += s.get(k, 0)
        for k in ("forwarded_operations", "throttled_operations", "would_throttle_operations"):
            for op, n in s.get(k, {}).items():
                out[k][op] = out[k].get(op, 0) + n
        out["services"].update(s.get("services", {}))
        out["per_proxy_requests"].append(s.get("aws_requests", 0))
    return out


def apigw_forwarded(ps: dict) -> dict:
    return {op: n for op, n in ps.get("forwarded_operations", {}).items()
            if ps.get("services", {}).get(op) == "apigateway"}


def bulk_lines(res: dict) -> list[str]:
    return [ln.strip() for ln in (res["stdout"] + "\n" + res["stderr"]).splitlines()
            if ln.strip().startswith("bulk:") and "first" not in ln]


def chose_bulk(lines: list[str]) -> bool:
    return any(ln.startswith("bulk: PutRestApi") and "failed" not in ln for ln in lines)


# --------------------------------------------------------------------------------------
# Terraform: a per-resource configuration of the same contract

def terraform_available() -> tuple[dict | None, str]:
    """({terraform, provider, mirror}, "") or (None, why not)."""
    exe = shutil.which("terraform")
    if not exe:
        return None, "`terraform` is not on PATH"
    try:
        p = subprocess.run([exe, "version", "-json"], capture_output=True, text=True, timeout=60,
                           env={**clean_env(), "TF_CLI_CONFIG_FILE": os.devnull,
                                "CHECKPOINT_DISABLE": "1"})
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"`terraform version` failed: {e}"
    if p.returncode != 0:
        return None, f"`terraform version` failed: {tail(p.stderr, 200)}"
    try:
        version = json.loads(p.stdout)["terraform_version"]
    except (ValueError, KeyError):
        version = p.stdout.split("\n")[0]
    base = os.path.join(TF_MIRROR, *TF_PROVIDER)
    versions = sorted(v for v in (os.listdir(base) if os.path.isdir(base) else [])
                      if os.path.isdir(os.path.join(base, v, "linux_amd64")))
    if not versions:
        return None, f"no AWS provider in the filesystem mirror {TF_MIRROR}"
    return {"exe": exe, "terraform": version, "provider": versions[-1], "mirror": TF_MIRROR}, ""


def tf_name(prefix: str, i: int) -> str:
    return f"{prefix}{i}"


def terraform_config(doc: dict, endpoint: str, provider_version: str) -> dict:
    """main.tf.json for an exported document: aws_api_gateway_rest_api, a _resource per path
    segment, per operation a _method, an _integration, a _method_response and an
    _integration_response (the operation's first declared status code, as one would write it
    by hand for a proxy integration), a _deployment (redeployed when any method or
    integration changes, create_before_destroy) and a _stage."""
    api = "${aws_api_gateway_rest_api.api.id}"
    res: dict = {}
    ids = {"/": "${aws_api_gateway_rest_api.api.root_resource_id}"}
    methods, integrations, mresps, iresps = {}, {}, {}, {}
    fingerprint = []
    for path in sorted(doc["paths"]):
        cur = ""
        for seg in path.strip("/").split("/"):
            parent = cur or "/"
            cur = cur + "/" + seg
            if cur not in ids:
                name = tf_name("r", len(res))
                res[name] = {"rest_api_id": api, "parent_id": ids[parent], "path_part": seg}
                ids[cur] = f"${{aws_api_gateway_resource.{name}.id}}"
        for verb, op in sorted(doc["paths"][path].items()):
            if not isinstance(op, dict) or "x-amazon-apigateway-integration" not in op:
                continue
            i = len(methods)
            m, it = tf_name("m", i), tf_name("i", i)
            rp = {}
            for prm in op.get("parameters", []):
                where = {"path": "path", "query": "querystring", "header": "header"}.get(prm.get("in"))
                if where:
                    rp[f"method.request.{where}.{prm['name']}"] = bool(prm.get("required", False))
            methods[m] = {"rest_api_id": api, "resource_id": ids[cur],
                          "http_method": verb.upper(), "authorization": "NONE"}
            if rp:
                methods[m]["request_parameters"] = rp
            x = op["x-amazon-apigateway-integration"]
            integ = {"rest_api_id": api, "resource_id": ids[cur],
                     "http_method": f"${{aws_api_gateway_method.{m}.http_method}}",
                     "type": x["type"].upper(),
                     "integration_http_method": x.get("httpMethod", verb.upper()),
                     "uri": x["uri"], "passthrough_behavior": x.get("passthroughBehavior",
                                                                    "when_no_match").upper(),
                     "timeout_milliseconds": x.get("timeoutInMillis", 29000)}
            if x.get("requestParameters"):
                integ["request_parameters"] = x["requestParameters"]
            integrations[it] = integ
            code = sorted(op.get("responses", {"200": {}}))[0]
            mr, ir = tf_name("mr", i), tf_name("ir", i)
            mresps[mr] = {"rest_api_id": api, "resource_id": ids[cur],
                          "http_method": f"${{aws_api_gateway_method.{m}.http_method}}",
                          "status_code": code}
            iresps[ir] = {"rest_api_id": api, "resource_id": ids[cur],
                          "http_method": f"${{aws_api_gateway_method.{m}.http_method}}",
                          "status_code": f"${{aws_api_gateway_method_response.{mr}.status_code}}",
                          "depends_on": [f"aws_api_gateway_integration.{it}"]}
            fingerprint.append([path, verb, methods[m].get("request_parameters"), integ["uri"],
                                integ["timeout_milliseconds"], integ.get("request_parameters")])
    digest = hashlib.sha1(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()
    deployment = {"rest_api_id": api, "triggers": {"redeployment": digest},
                  "lifecycle": {"create_before_destroy": True},
                  "depends_on": [f"aws_api_gateway_integration.{k}" for k in integrations]
                  + [f"aws_api_gateway_integration_response.{k}" for k in iresps]}
    resource = {
        "aws_api_gateway_rest_api": {"api": {
            "name": "bench-api-terraform", "description": "Generated benchmark API (Terraform)",
            "endpoint_configuration": {"types": ["REGIONAL"]}}},
        "aws_api_gateway_resource": res,
        "aws_api_gateway_method": methods,
        "aws_api_gateway_integration": integrations,
        "aws_api_gateway_method_response": mresps,
        "aws_api_gateway_integration_response": iresps,
        "aws_api_gateway_deployment": {"d": deployment},
        "aws_api_gateway_stage": {"live": {"rest_api_id": api, "stage_name": "live",
                                           "deployment_id": "${aws_api_gateway_deployment.d.id}"}},
    }
    return {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws",
                                                     "version": provider_version}}},
        "provider": {"aws": {"region": "us-east-1", "access_key": "testing",
                             "secret_key": "testing", "skip_credentials_validation": True,
                             "skip_requesting_account_id": True, "skip_metadata_api_check": True,
                             "skip_region_validation": True,
                             "endpoints": {"apigateway": endpoint, "sts": endpoint}}},
        "resource": {k: v for k, v in resource.items() if v},
    }


def tf_resource_count(cfg: dict) -> int:
    return sum(len(v) for v in cfg["resource"].values())


# --------------------------------------------------------------------------------------
# one command through fresh proxies

class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="idrv5-bench-")
        self.bin = self.snapshot_binary(args.bin)
        self.env = clean_env()
        self.env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                         "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                         "NO_COLOR": "1"})
        self.ls_python = None
        self.aws_cli = self.find_aws_cli()
        self.tf, self.tf_why = (None, "skipped (--no-terraform)") if args.no_terraform \
            else terraform_available()
        self.log(f"binary: {self.bin_info['path']} ({self.bin_info['profile']}, "
                 f"built {self.bin_info['mtime']}, sha256 {self.bin_info['sha256'][:12]})")
        if self.tf:
            self.tfrc = os.path.join(self.work, "terraform.rc")
            with open(self.tfrc, "w") as f:
                f.write('provider_installation {\n'
                        f'  filesystem_mirror {{\n    path = "{self.tf["mirror"]}"\n'
                        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
                        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
            self.log(f"terraform {self.tf['terraform']}, AWS provider {self.tf['provider']} "
                     f"from {self.tf['mirror']}")
        else:
            self.log(f"note: Terraform rows skipped: {self.tf_why}")

    def log(self, msg):
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    @staticmethod
    def find_aws_cli() -> str | None:
        exe = shutil.which("aws")
        if exe and "/shims/" in exe and shutil.which("pyenv"):
            # pyenv's shim is a bash script in front of the real one: call that directly
            p = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True)
            if p.returncode == 0 and p.stdout.strip():
                exe = p.stdout.strip()
        return exe

    def snapshot_binary(self, path):
        """Copy the binary so a concurrent `cargo build` cannot swap it mid-run."""
        if path is None:
            rel = os.path.join(ROOT, "target/release/idrv5-gw")
            dbg = os.path.join(ROOT, "target/debug/idrv5-gw")
            path = rel if os.path.exists(rel) else dbg
        path = os.path.abspath(path)
        if not os.path.exists(path):
            raise SystemExit(f"no binary at {path}; build it (cargo build --release) or pass --bin")
        profile = "release" if "/release/" in path else ("debug" if "/debug/" in path else "unknown")
        dst = os.path.join(self.work, "idrv5-gw")
        shutil.copy2(path, dst)
        with open(dst, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        version = subprocess.run([dst, "--version"], capture_output=True, text=True).stdout.strip()
        if self.args.bin_profile:
            profile = self.args.bin_profile
        self.bin_info = {"path": os.path.relpath(path, ROOT) if path.startswith(ROOT) else path,
                         "profile": profile, "sha256": sha, "version": version,
                         "mtime": datetime.datetime.fromtimestamp(os.path.getmtime(path)).isoformat(
                             timespec="seconds")}
        return dst

    def tool(self, args, env_extra=None, timeout=None):
        env = dict(self.env)
        env.update(env_extra or {})
        return run_cmd([self.bin, "--stats"] + args, env, timeout or self.args.timeout)

    def online(self, g: Ground, args, label, learn: bool = False) -> dict:
        """Run one tool command through fresh enforcing quota proxies (one per emulator) with
        a fresh cache directory: empty but for the import memory (`import-<key>.json`, what
        `--bulk auto` learned from an earlier import's read-back on this ground) once a
        `learn` command left one; merge tool and proxy stats."""
        cache = tempfile.mkdtemp(prefix="cache-", dir=self.work)
        proxies = [QuotaProxy(g.apigw_url).start()]
        env = {"IDRV5_GW_CACHE_DIR": cache}
        if g.ls:
            proxies.append(QuotaProxy(g.moto.url).start())
            env.update({v: proxies[0].url for v in LS_ENDPOINT_VARS})
            env["AWS_ENDPOINT_URL"] = proxies[1].url
        else:
            env["AWS_ENDPOINT_URL"] = proxies[0].url
        if g.learned is not None:
            # The tool names the file after API Gateway's endpoint, region and access key
            # (src/cache.rs `key`); each command's proxy has a new port.
            key = hashlib.sha256(f"{proxies[0].url}|us-east-1|testing".encode()).hexdigest()[:16]
            with open(os.path.join(cache, f"import-{key}.json"), "w") as f:
                f.write(g.learned)
        try:
            res = self.tool(args, env)
            if learn:
                for name in glob.glob(os.path.join(cache, "import-*.json")):
                    with open(name) as f:
                        g.learned = f.read()
        finally:
            for p in proxies:
                p.stop()
            shutil.rmtree(cache, ignore_errors=True)
        ps = merge_stats([p.stats() for p in proxies])
        res["tool"] = parse_tool_stats(res["stderr"])
        res["proxy"] = ps
        res["throttle_to_user"] = throttle_reached_user(res)
        if res["timed_out"]:
            self.log(f"{label}: TIMEOUT after {res['wall_s']:.0f} s")
        elif res["rc"] not in (0, 2):
            self.log(f"{label}: exit {res['rc']}: {tail(res['stderr'])}")
        return res

    # -- the seed's approach: the real aws CLI, and boto3, through a count-only proxy
    def seed_cli(self, g: Ground, doc_path: str, api_id: str | None, label: str) -> dict:
        proxy = QuotaProxy(g.apigw_url, enforce=False).start()
        env = dict(self.env)
        common = ["--endpoint-url", proxy.url, "--region", "us-east-1", "--output", "json",
                  "--cli-read-timeout", "600"]
        out = {"ok": False, "error": None, "how": "aws CLI"}
        t0 = time.monotonic()
        try:
            if api_id is None:
                r = run_cmd([self.aws_cli, "apigateway", "import-rest-api", "--body",
                             f"fileb://{doc_path}", "--parameters",
                             "endpointConfigurationTypes=REGIONAL"] + common, env,
                            self.args.timeout)
                if r["rc"] != 0:
                    raise RuntimeError(f"import-rest-api exit {r['rc']}: {tail(r['stderr'], 300)}")
                api_id = json.loads(r["stdout"])["id"]
            else:
                r = run_cmd([self.aws_cli, "apigateway", "put-rest-api", "--rest-api-id", api_id,
                             "--mode", "overwrite", "--body", f"fileb://{doc_path}"] + common,
                            env, self.args.timeout)
                if r["rc"] != 0:
                    raise RuntimeError(f"put-rest-api exit {r['rc']}: {tail(r['stderr'], 300)}")
            r = run_cmd([self.aws_cli, "apigateway", "create-deployment", "--rest-api-id", api_id,
                         "--stage-name", "live"] + common, env, self.args.timeout)
            if r["rc"] != 0:
                raise RuntimeError(f"create-deployment exit {r['rc']}: {tail(r['stderr'], 300)}")
            out["ok"] = True
        except Exception as e:  # noqa: BLE001
            out["error"] = f"{type(e).__name__}: {e}"[:400]
            self.log(f"{label}: {out['error']}")
        finally:
            out["wall_s"] = time.monotonic() - t0
            proxy.stop()
        out["proxy"] = proxy.stats()
        out["api_id"] = api_id
        return out

    def seed_boto3(self, g: Ground, doc_path: str, api_id: str | None, label: str) -> dict:
        import boto3
        from botocore.config import Config
        proxy = QuotaProxy(g.apigw_url, enforce=False).start()
        out = {"ok": False, "error": None, "how": "boto3"}
        t0 = time.monotonic()
        try:
            c = boto3.client("apigateway", endpoint_url=proxy.url, region_name="us-east-1",
                             aws_access_key_id="testing", aws_secret_access_key="testing",
                             config=Config(retries={"mode": "standard", "max_attempts": 10},
                                           read_timeout=600))
            with open(doc_path, "rb") as f:
                body = f.read()
            if api_id is None:
                api = c.import_rest_api(body=body, failOnWarnings=False,
                                        parameters={"endpointConfigurationTypes": "REGIONAL"})
                api_id = api["id"]
            else:
                c.put_rest_api(restApiId=api_id, mode="overwrite", body=body)
            c.create_deployment(restApiId=api_id, stageName="live")
            out["ok"] = True
        except Exception as e:  # noqa: BLE001
            out["error"] = f"{type(e).__name__}: {e}"[:300]
            self.log(f"{label}: {out['error']}")
        finally:
            out["wall_s"] = time.monotonic() - t0
            proxy.stop()
        out["proxy"] = proxy.stats()
        out["api_id"] = api_id
        return out

    # -- Terraform through a count-only proxy
    def terraform(self, g: Ground, tfdir: str, doc: dict, cmd: list[str], label: str) -> dict:
        proxy = QuotaProxy(g.apigw_url, enforce=False).start()
        cfg = terraform_config(doc, proxy.url, self.tf["provider"])
        with open(os.path.join(tfdir, "main.tf.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        env = dict(self.env)
        env.update({"TF_CLI_CONFIG_FILE": self.tfrc, "CHECKPOINT_DISABLE": "1",
                    "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
        try:
            res = run_cmd([self.tf["exe"]] + cmd, env, self.args.tf_timeout, cwd=tfdir)
        finally:
            proxy.stop()
        ps = proxy.stats()
        fwd = apigw_forwarded(ps)
        lb = quota_lower_bound(fwd)
        out = {"rc": res["rc"], "timed_out": res["timed_out"], "wall_ms": res["wall_s"] * 1000,
               "calls": ps["aws_requests"], "would_429": ps.get("would_throttle", 0),
               "would_429_ops": ps.get("would_throttle_operations", {}),
               "per_op": ps.get("forwarded_operations", {}),
               "lower_bound_s": lb["seconds"], "binding": lb["binding"],
               "resources": tf_resource_count(cfg), "rss_kb": res["rss_kb"],
               "stderr_tail": tail(res["stderr"], 600) if res["rc"] not in (0, 2) else ""}
        if res["timed_out"]:
            self.log(f"{label}: terraform {cmd[0]} TIMED OUT after {res['wall_s']:.0f} s "
                     f"({ps['aws_requests']} calls by then)")
        elif res["rc"] not in (0, 2):
            self.log(f"{label}: terraform {cmd[0]} exit {res['rc']}: {tail(res['stderr'])}")
        return out


def terraform_counts(info: dict) -> dict:
    """Per-resource creates a Terraform-style model needs for this contract: the REST API,
    every resource path but the root, and per operation a method, an integration, a method
    response and an integration response per declared response code, plus deployment and
    stage. A Terraform plan refreshes each of them (one read each)."""
    n = info["operations"]
    creates = (1 + (info["resources"] - 1) + n + n + info["method_responses"] * 2 + 1 + 1)
    return {"creates": creates, "refresh_reads": creates}


def apply_summary(res: dict) -> dict:
    fwd = apigw_forwarded(res["proxy"])
    lb = quota_lower_bound(fwd)
    lines = bulk_lines(res)
    return {**summarize(res), "lower_bound_s": lb["seconds"], "binding": lb["binding"],
            "forwarded_apigw": sum(fwd.values()), "bulk_lines": lines, "bulk": chose_bulk(lines),
            "ratio": (res["wall_s"] / lb["seconds"]) if lb["seconds"] > 0 else None}


CHEAP_S = 30


def repeats(a, reps: int, k: int, res: dict) -> int:
    """How many runs of a command to take: --runs up to --apply-runs-max-ops operations; above
    that too when the first run took under CHEAP_S (noise is large next to a short run), else
    one."""
    if k == 0 and reps < a.runs and res["wall_s"] < CHEAP_S and not res["timed_out"]:
        return a.runs
    return reps


def median_run(runs: list[dict]) -> dict:
    """The run of median wall (the lower middle one of an even count), with every run's wall."""
    ok = sorted(runs, key=lambda c: c["wall_ms"])
    out = dict(ok[(len(ok) - 1) // 2])
    out["walls_ms"] = [c["wall_ms"] for c in runs]
    out["rcs"] = [c.get("rc") for c in runs]
    return out


# The order of the three applies from scratch (runs before 2026-12-05 06:00 had never before auto).
APPLY_ORDER = ("always", "auto", "never")


def bench_size(b: Bench, n: int) -> dict:
    a = b.args
    d = os.path.join(b.work, f"ops{n}")
    dc = os.path.join(b.work, f"ops{n}-change")
    d50 = os.path.join(b.work, f"ops{n}-change{CHANGE_N}")
    info = gen_contract.generate(n, d)
    infoc = gen_contract.generate(n, dc, change_one=True)
    info50 = gen_contract.generate(n, d50, change=CHANGE_N)
    r: dict = {"size": n, "contract": info, "changed_operation": infoc["changed_operation"],
               "changed_n": len(info50["changed_operations"]),
               "terraform": terraform_counts(info), "grounds": {}}
    b.log(f"size {n}: {info['operations']} operations, {info['paths']} paths, "
          f"{info['resources']} resources")

    # offline
    for name, args in (("validate", ["validate"]),
                       ("export", ["export-openapi", "--format", "json", "-o",
                                   os.path.join(d, "export.json")])):
        runs = [b.tool(["--stack", info["stack"]] + args) for _ in range(a.runs)]
        r[name] = {"wall_ms": median([x["wall_s"] * 1000 for x in runs]),
                   "tool_ms": median([(parse_tool_stats(x["stderr"]) or {}).get("wall_ms")
                                      for x in runs]),
                   "rss_kb": max([x["rss_kb"] or 0 for x in runs]) or None,
                   "rc": [x["rc"] for x in runs]}
    for dd, ii in ((dc, infoc), (d50, info50)):
        b.tool(["--stack", ii["stack"], "export-openapi", "--format", "json", "-o",
                os.path.join(dd, "export.json")])
    for ground in b.grounds:
        try:
            r["grounds"][ground] = bench_ground(b, ground, n, info, infoc, info50)
        except Exception as e:  # noqa: BLE001 - one ground failing must not lose the other
            b.log(f"size {n} on {ground}: FAILED: {type(e).__name__}: {e}")
            r["grounds"][ground] = {"error": f"{type(e).__name__}: {e}"[:600]}
    return r


def bench_ground(b: Bench, ground: str, n: int, info: dict, infoc: dict, info50: dict) -> dict:
    a = b.args
    stack, stackc, stack50 = info["stack"], infoc["stack"], info50["stack"]
    g = Ground(b, ground, n)
    r: dict = {}
    tag = f"{ground} {n}"
    try:
        # -- apply from scratch, three ways, each on empty emulators (repeated --runs times
        # up to --apply-runs-max-ops operations, where a run is cheap and noise large)
        # `always` first: its read-back is what `auto` (and every later command) learns
        # about this ground's import, as a second apply against one endpoint would. `auto`
        # right after it, so the two are compared under the same conditions (not after the
        # long per-route runs); `never` last, its stack the one the later commands change.
        for mode in APPLY_ORDER:
            runs, plans = [], []
            reps = a.runs if n <= a.apply_runs_max_ops else 1
            k = 0
            while k < reps:
                b.log(f"{tag}: apply from scratch, --bulk {mode}"
                      + (f" ({k + 1}/{reps})" if reps > 1 else ""))
                res = b.online(g, ["--stack", stack, "apply", "--auto-approve", "--bulk", mode],
                               f"{ground}-{mode}-{n}", learn=(mode == "always" and k == 0))
                runs.append(apply_summary(res))
                reps = repeats(a, reps, k, res)
                res = b.online(g, ["--stack", stack, "plan", "--detailed-exitcode"],
                               f"{ground}-{mode}plan-{n}")
                plans.append(summarize(res))
                k += 1
                if not (mode == "never" and k == reps):
                    g.reset()
            r[f"apply_{mode}"] = median_run(runs)
            r[f"converged_{mode}"] = max(plans, key=lambda c: (c["rc"] != 0, c["wall_ms"]))

        b.log(f"{tag}: no-op plan x{a.runs}")
        plans = [b.online(g, ["--stack", stack, "plan", "--detailed-exitcode"],
                          f"{ground}-plan-{n}") for _ in range(a.runs)]
        r["noop_plan"] = summarize_runs(plans)

        for key, st, what, opts in (("change", stackc, "one-route", {"change_one": True}),
                                    ("change50", stack50, f"{CHANGE_N}-route",
                                     {"change": CHANGE_N})):
            b.log(f"{tag}: {what} change: plan x{a.runs}, apply, plan")
            cplans = [b.online(g, ["--stack", st, "plan", "--detailed-exitcode"],
                               f"{ground}-{key}plan-{n}") for _ in range(a.runs)]
            r[f"{key}_plan"] = summarize_runs(cplans)
            applies, afters, reps, k = [], [], 1, 0
            while k < reps:
                # A repeat changes the same routes to another value: re-applying one already
                # deployed would reuse its deployment (by fingerprint) and measure less.
                stk = st if k == 0 else gen_contract.generate(
                    n, f"{os.path.dirname(st)}-again{k}",
                    timeout_ms=gen_contract.CHANGED_TIMEOUT_MS + 1000 * k, **opts)["stack"]
                res = b.online(g, ["--stack", stk, "apply", "--auto-approve"],
                               f"{ground}-{key}apply-{n}")
                applies.append(apply_summary(res))
                reps = repeats(a, reps, k, res)
                res = b.online(g, ["--stack", stk, "plan", "--detailed-exitcode"],
                               f"{ground}-{key}after-{n}")
                afters.append(summarize(res))
                # back to the base stack for the next change (not reported)
                res = b.online(g, ["--stack", stack, "apply", "--auto-approve"],
                               f"{ground}-{key}revert-{n}")
                r[f"{key}_revert"] = {"rc": res["rc"], "wall_ms": res["wall_s"] * 1000,
                                      "bulk": chose_bulk(bulk_lines(res))}
                k += 1
            r[f"{key}_apply"] = median_run(applies)
            r[f"converged_after_{key}"] = max(afters, key=lambda c: (c["rc"] != 0, c["wall_ms"]))
        if g.ls:
            # what the 50-route change costs in bulk where the import carries the routes
            b.log(f"{tag}: {CHANGE_N}-route change with --bulk always, plan")
            res = b.online(g, ["--stack", stack50, "apply", "--auto-approve", "--bulk", "always"],
                           f"{ground}-change50bulk-{n}")
            r["change50_apply_bulk"] = apply_summary(res)
            res = b.online(g, ["--stack", stack50, "plan", "--detailed-exitcode"],
                           f"{ground}-change50bulkafter-{n}")
            r["converged_after_change50_bulk"] = summarize(res)

        # -- the seed's script
        if b.aws_cli and not a.no_seed:
            b.log(f"{tag}: seed script with the aws CLI (import-rest-api + create-deployment)")
            # A new REST API each time, as the script makes; cheap, so repeated.
            s1s = [b.seed_cli(g, os.path.join(info["dir"], "export.json"), None,
                              f"{ground}-seedcli-{n}") for _ in range(a.runs)]
            s1 = s1s[0]
            r["seed_import"] = median_run([seed_summary(x) for x in s1s])
            if s1["api_id"]:
                s2 = b.seed_cli(g, os.path.join(infoc["dir"], "export.json"), s1["api_id"],
                                f"{ground}-seedcliput-{n}")
                r["seed_reimport"] = seed_summary(s2)
        if have_boto3() and not a.no_seed:
            b.log(f"{tag}: the same two calls with boto3")
            s1s = [b.seed_boto3(g, os.path.join(info["dir"], "export.json"), None,
                                f"{ground}-seedb3-{n}") for _ in range(a.runs)]
            s1 = s1s[0]
            r["seed_import_boto3"] = median_run([seed_summary(x) for x in s1s])
            if s1["api_id"]:
                s2 = b.seed_boto3(g, os.path.join(infoc["dir"], "export.json"), s1["api_id"],
                                  f"{ground}-seedb3put-{n}")
                r["seed_reimport_boto3"] = seed_summary(s2)

        # -- Terraform
        if b.tf and n in b.tf_sizes:
            r["tf"] = bench_terraform(b, g, n, info, infoc)
        elif b.tf:
            r["tf"] = {"skipped": f"not run at {n} operations (--tf-sizes)"}
        else:
            r["tf"] = {"skipped": b.tf_why}
        r["localstack_restarts"] = g.restarts
    finally:
        g.stop()
    return r


def bench_terraform(b: Bench, g: Ground, n: int, info: dict, infoc: dict) -> dict:
    tag = f"{g.name} {n}"
    tfdir = tempfile.mkdtemp(prefix=f"tf-{g.name}-{n}-", dir=b.work)
    with open(os.path.join(info["dir"], "export.json")) as f:
        doc = json.load(f)
    with open(os.path.join(infoc["dir"], "export.json")) as f:
        docc = json.load(f)
    out: dict = {}
    b.log(f"{tag}: terraform init")
    out["init"] = b.terraform(g, tfdir, doc, ["init", "-input=false", "-no-color"], f"tfinit-{n}")
    if out["init"]["rc"] != 0:
        return out
    b.log(f"{tag}: terraform apply from scratch ({out['init']['resources']} resources)")
    out["apply"] = b.terraform(g, tfdir, doc, ["apply", "-auto-approve", "-input=false",
                                               "-no-color"], f"tfapply-{n}")
    if out["apply"]["rc"] != 0:
        return out
    b.log(f"{tag}: terraform plan (no-op)")
    out["noop_plan"] = b.terraform(g, tfdir, doc, ["plan", "-detailed-exitcode", "-input=false",
                                                   "-no-color"], f"tfplan-{n}")
    if n > b.args.tf_change_max_ops:
        out["change_apply"] = {"skipped": f"not run above {b.args.tf_change_max_ops} operations "
                                          "(--tf-change-max-ops)"}
        return out
    if out["noop_plan"]["timed_out"]:
        out["change_apply"] = {"skipped": "the no-op plan timed out"}
        return out
    if not g.ls:
        # Terraform changes the integration in place with UpdateIntegration, which moto 5.2
        # does not implement: it answers 500 and the provider retries for minutes.
        out["change_apply"] = {"skipped": "moto has no UpdateIntegration (Terraform's in-place "
                                          "update gets 500s and retries for minutes)"}
        return out
    b.log(f"{tag}: terraform apply (one-route change)")
    out["change_apply"] = b.terraform(g, tfdir, docc, ["apply", "-auto-approve", "-input=false",
                                                       "-no-color"], f"tfchange-{n}")
    return out


def summarize(res: dict) -> dict:
    t = res.get("tool") or {}
    ps = res["proxy"]
    return {
        "rc": res["rc"], "timed_out": res["timed_out"], "wall_ms": res["wall_s"] * 1000,
        "tool_wall_ms": t.get("wall_ms"), "calls": t.get("calls"), "apigw_calls": t.get("apigw_calls"),
        "per_op": t.get("per_op"), "proxy_requests": ps["aws_requests"],
        "proxy_split": ps.get("per_proxy_requests"),
        "proxy_429": ps["throttled"], "throttle_to_user": res["throttle_to_user"],
        "rss_kb": res["rss_kb"], "stderr_tail": tail(res["stderr"], 600) if res["rc"] not in (0, 2) else "",
    }


def summarize_runs(runs: list) -> dict:
    s = [summarize(x) for x in runs]
    out = dict(s[0])
    for k in ("wall_ms", "tool_wall_ms", "calls", "apigw_calls", "proxy_requests"):
        out[k] = median([x[k] for x in s])
    out["proxy_429"] = sum(x["proxy_429"] for x in s)
    out["rss_kb"] = max((x["rss_kb"] or 0) for x in s) or None
    out["rcs"] = [x["rc"] for x in s]
    out["walls_ms"] = [x["wall_ms"] for x in s]
    out["throttle_to_user"] = any(x["throttle_to_user"] for x in s)
    return out


def seed_summary(s: dict) -> dict:
    ps = s["proxy"]
    fwd = apigw_forwarded(ps)
    lb = quota_lower_bound(fwd)
    return {"ok": s["ok"], "error": s["error"], "how": s.get("how"), "wall_ms": s["wall_s"] * 1000,
            "calls": ps["aws_requests"], "proxy_429": ps["throttled"],
            "would_429": ps.get("would_throttle", 0), "per_op": ps.get("forwarded_operations", {}),
            "lower_bound_s": lb["seconds"]}


# --------------------------------------------------------------------------------------
# rendering

def fmt_ms(x):
    if x is None:
        return "—"
    return f"{x:,.0f} ms" if x < 10_000 else f"{x / 1000:,.1f} s"


def fmt_mb(kb):
    return "—" if not kb else f"{kb / 1024:.0f} MB"


def fmt_x(x):
    return "—" if x is None else (f"{x:.3f}×" if x < 0.1 else f"{x:.2f}×")


def status(c: dict) -> str:
    if c.get("timed_out"):
        return "TIMEOUT"
    if "walls_ms" in c and "bulk_lines" in c:  # repeated applies
        return "ok" if all(x == 0 for x in c["rcs"]) else f"exit {c['rcs']}"
    rc = c.get("rcs", [c.get("rc")])
    if all(x in (0, 2) for x in rc):
        return "ok" if "rcs" not in c else ("no changes" if all(x == 0 for x in rc) else
                                             "changes" if all(x == 2 for x in rc) else f"exit {rc}")
    return f"exit {rc}"


def ground_label(name: str) -> str:
    return {"moto": "moto", "localstack": "LocalStack"}.get(name, name)


def grounds_of(results: list) -> list[str]:
    seen = []
    for r in results:
        for gname in r.get("grounds", {}):
            if gname not in seen:
                seen.append(gname)
    return [x for x in GROUNDS if x in seen] + [x for x in seen if x not in GROUNDS]


def path_word(c: dict) -> str:
    return "bulk" if c.get("bulk") else "per route"


def render_offline(results: list) -> str:
    L = ["| ops | command | wall (median) | peak RSS | result |", "|---:|---|---:|---:|---|"]
    for r in results:
        for key, label in (("validate", "validate"), ("export", "export-openapi")):
            c = r[key]
            ok = "ok" if all(x == 0 for x in c["rc"]) else f"exit {c['rc']}"
            L.append(f"| {r['size']} | {label} | {fmt_ms(c['wall_ms'])} | {fmt_mb(c['rss_kb'])} | {ok} |")
    return "\n".join(L)


def render_ground(results: list, gname: str) -> str:
    L = []
    L.append("| ops | command | AWS calls (API GW) | proxy requests | 429s sent by proxy | "
             "429 reaching user | wall (median) | peak RSS | result |")
    L.append("|---:|---|---:|---:|---:|:---:|---:|---:|---|")
    for r in results:
        n = r["size"]
        g = r.get("grounds", {}).get(gname)
        if g is None:
            continue
        if "error" in g:
            L.append(f"| {n} | (ground failed: {g['error'][:200]}) | | | | | | | |")
            continue
        k50 = r.get("changed_n", CHANGE_N)
        rows = []
        for mode in ("auto", "always", "never"):
            c = g.get(f"apply_{mode}")
            if c:
                extra = f" → {path_word(c)}" if mode == "auto" else ""
                rows.append((c, f"apply (from scratch, `--bulk {mode}`{extra})"))
                rows.append((g.get(f"converged_{mode}"), "plan after it"))
        rows += [(g.get("noop_plan"), "plan (no-op)"),
                 (g.get("change_plan"), "plan (one-route change)"),
                 (g.get("change_apply"), "apply (one-route change)"
                  + (" → bulk" if (g.get("change_apply") or {}).get("bulk") else "")),
                 (g.get("converged_after_change"), "plan after it"),
                 (g.get("change50_plan"), f"plan ({k50}-route change)"),
                 (g.get("change50_apply"), f"apply ({k50}-route change)"
                  + (" → bulk" if (g.get("change50_apply") or {}).get("bulk") else "")),
                 (g.get("converged_after_change50"), "plan after it"),
                 (g.get("change50_apply_bulk"), f"apply ({k50}-route change, `--bulk always`)"),
                 (g.get("converged_after_change50_bulk"), "plan after it")]
        for c, label in rows:
            if not c:
                continue
            calls = "—" if c["calls"] is None else f"{c['calls']:g} ({c['apigw_calls']:g})"
            L.append(f"| {n} | {label} | {calls} | {c['proxy_requests']:g} | {c['proxy_429']} | "
                     f"{'**yes**' if c['throttle_to_user'] else 'no'} | {fmt_ms(c['wall_ms'])} | "
                     f"{fmt_mb(c['rss_kb'])} | {status(c)} |")
    return "\n".join(L)


def auto_vs_best(g: dict):
    """(auto wall / the faster of always and never, the faster's name), or (None, None)."""
    au, al, ne = g.get("apply_auto"), g.get("apply_always"), g.get("apply_never")
    if not (au and al and ne) or any(status(x) != "ok" for x in (au, al, ne)):
        return None, None
    best, name = min((al["wall_ms"], "always"), (ne["wall_ms"], "never"))
    return au["wall_ms"] / best, name


def render_apply(results: list, gname: str) -> str:
    L = ["| ops | resources | `--bulk auto`: path / wall / lower bound / ratio | "
         "`--bulk always`: API GW calls / wall / lower bound / ratio | "
         "`--bulk never`: API GW calls / wall / lower bound / ratio | auto ÷ faster of the two |",
         "|---:|---:|---|---|---|---:|"]

    def cell(c, with_path=False):
        if not c:
            return "—"
        lb = c.get("lower_bound_s") or 0
        ratio = "n/a (within burst)" if c.get("ratio") is None else fmt_x(c["ratio"])
        head = f"{path_word(c)}, {c['forwarded_apigw']} calls" if with_path else f"{c['forwarded_apigw']}"
        st = "" if status(c) == "ok" else f" ({status(c)})"
        return f"{head} / {fmt_ms(c['wall_ms'])} / {lb:.1f} s / {ratio}{st}"
    for r in results:
        g = r.get("grounds", {}).get(gname)
        if not g or "error" in g:
            continue
        x, name = auto_vs_best(g)
        L.append(f"| {r['size']} | {r['contract']['resources']} | {cell(g.get('apply_auto'), True)} | "
                 f"{cell(g.get('apply_always'))} | {cell(g.get('apply_never'))} | "
                 f"{'—' if x is None else f'{x:.2f}× ({name})'} |")
    return "\n".join(L)


def tf_cell(c) -> str:
    if not c:
        return "—"
    if c.get("skipped"):
        return f"not run: {c['skipped']}"
    if c.get("timed_out"):
        return f"**timed out** after {fmt_ms(c['wall_ms'])} ({c['calls']} calls by then, {c['would_429']} would be 429)"
    st = "" if c["rc"] in (0, 2) else f" (exit {c['rc']})"
    return (f"{fmt_ms(c['wall_ms'])} / {c['calls']} / {c['would_429']} / "
            f"{c['lower_bound_s']:.1f} s{st}")


def tool_cell(c) -> str:
    if not c:
        return "—"
    st = "" if status(c) in ("ok", "no changes", "changes") else f" ({status(c)})"
    fwd = c.get("forwarded_apigw")
    lb = c.get("lower_bound_s")
    return (f"{fmt_ms(c['wall_ms'])} / {c['calls']:g} / {c['proxy_429']} / "
            f"{'—' if lb is None else f'{lb:.1f} s'}{st}")


def seed_cell(s) -> str:
    if not s:
        return "—"
    st = "" if s["ok"] else " (failed)"
    return f"{fmt_ms(s['wall_ms'])} / {s['calls']} / {s['would_429']} / {s['lower_bound_s']:.1f} s{st}"


def ratio(a, b):
    if not a or not b or a.get("wall_ms") is None or b.get("wall_ms") is None or b["wall_ms"] == 0:
        return None
    if a.get("skipped") or a.get("timed_out") or (a.get("rc") not in (0, 2, None)) or a.get("ok") is False:
        return None
    return a["wall_ms"] / b["wall_ms"]


def render_peers(results: list, gname: str) -> str:
    L = ["| ops | scenario | idrv5-gw | seed script (aws CLI) | Terraform | "
         "wall ÷ idrv5-gw: seed, Terraform | calls ÷ idrv5-gw: Terraform |",
         "|---:|---|---|---|---|---:|---:|"]
    for r in results:
        g = r.get("grounds", {}).get(gname)
        if not g or "error" in g:
            continue
        tf = g.get("tf") or {}
        skipped = tf.get("skipped")
        n = r["size"]
        au = g.get("apply_auto")
        if au:
            au = dict(au)
        np_ = g.get("noop_plan")
        if np_:
            np_ = {**np_, "lower_bound_s": quota_lower_bound(
                {k.split(".", 1)[1]: v for k, v in (np_.get("per_op") or {}).items()
                 if k.startswith("API Gateway.")})["seconds"]}
        ca = g.get("change_apply")
        res_n = (tf.get("init") or {}).get("resources")
        rows = [
            ("apply from scratch" + (f" (Terraform: {res_n} resources)" if res_n else ""), au,
             g.get("seed_import"), {"skipped": skipped} if skipped else tf.get("apply")),
            ("no-op plan", np_, None, {"skipped": skipped} if skipped else tf.get("noop_plan")),
            ("one-route change (seed: re-import + deploy)", ca, g.get("seed_reimport"),
             {"skipped": skipped} if skipped else tf.get("change_apply")),
        ]
        for label, t, s, f in rows:
            rs, rt = ratio(s, t), ratio(f, t)
            calls = None
            if (f and not f.get("skipped") and not f.get("timed_out") and f.get("rc") in (0, 2)
                    and t and t.get("calls")):
                calls = f["calls"] / t["calls"]
            L.append(f"| {n} | {label} | {tool_cell(t)} | {seed_cell(s) if s else '—'} | "
                     f"{tf_cell(f)} | {fmt_x(rs)}, {fmt_x(rt)} | {fmt_x(calls)} |")
    return "\n".join(L)


def render(results: list, meta: dict) -> str:
    L = ["Offline (no AWS calls; the same on both grounds):", "", render_offline(results), ""]
    for gname in grounds_of(results):
        gl = ground_label(gname)
        L += [f"### On {gl}", "", render_ground(results, gname), "",
              f"Apply from scratch on {gl}, the three `--bulk` modes against the quotas "
              "(API Gateway calls the proxy forwarded / wall / quota lower bound / wall ÷ bound):",
              "", render_apply(results, gname), "",
              f"idrv5-gw beside the seed script and Terraform on {gl} "
              "(each cell: wall / AWS calls / 429s — for idrv5-gw those the enforcing proxy sent "
              "and the tool retried, for the peers those AWS would have answered, counted by the "
              "count-only proxy — / quota lower bound of the API Gateway calls):", "",
              render_peers(results, gname), ""]
    return "\n".join(L)


def check_targets(results: list) -> list[str]:
    notes = []

    def line(ok, text):
        notes.append(f"- {'HELD' if ok else '**MISSED**'}: {text}")

    for r in results:
        n = r["size"]
        if n == 1000:
            for k in ("validate", "export"):
                line(r[k]["wall_ms"] < TARGETS["offline_ms_1000"],
                     f"1000 ops: {k} {fmt_ms(r[k]['wall_ms'])} (target < 100 ms)")
        for gname in grounds_of([r]):
            g = r["grounds"][gname]
            gl = ground_label(gname)
            w = f"{gl}, {n} ops"
            if "error" in g:
                line(False, f"{w}: the ground failed: {g['error'][:300]}")
                continue
            p = g.get("noop_plan")
            if p and p["apigw_calls"] is not None:
                line(p["apigw_calls"] <= TARGETS["noop_plan_calls"] and all(x == 0 for x in p["rcs"])
                     and p["wall_ms"] < TARGETS["noop_plan_ms"],
                     f"{w}: no-op plan {p['apigw_calls']:g} API Gateway calls ({p['calls']:g} in "
                     f"all), {fmt_ms(p['wall_ms'])} median of {len(p['rcs'])} "
                     f"({', '.join(fmt_ms(x) for x in p.get('walls_ms', []))}), exit codes {p['rcs']} "
                     f"(target ≤ 15 REST calls, < 0.5 s, no changes)")
            cp, ca = g.get("change_plan"), g.get("change_apply")
            if cp and ca and ca["per_op"]:
                reads = sum(v for k, v in ca["per_op"].items() if k.startswith("API Gateway.Get"))
                writes = ca["apigw_calls"] - reads
                wnames = ", ".join(f"{k.split('.', 1)[1]}={v}" for k, v in sorted(ca["per_op"].items())
                                   if k.startswith("API Gateway.") and not k.startswith("API Gateway.Get"))
                line(writes <= TARGETS["change_calls"],
                     f"{w}: one-route change: {writes} API Gateway writes ({wnames}); with the "
                     f"reads the apply makes {ca['apigw_calls']:g} API Gateway calls "
                     f"({ca['calls']:g} in all), {fmt_ms(ca['wall_ms'])}; its plan "
                     f"{cp['apigw_calls']:g} (target ≤ 10 writes)")
            c50p, c50 = g.get("change50_plan"), g.get("change50_apply")
            if c50:
                k50 = r.get("changed_n", CHANGE_N)
                text = (f"{w}: {k50}-route change: plan {fmt_ms(c50p['wall_ms']) if c50p else '—'}, "
                        f"apply {fmt_ms(c50['wall_ms'])} ({path_word(c50)}, {c50['apigw_calls']} "
                        f"API Gateway calls, {status(c50)})")
                if gname == "localstack":
                    line(status(c50) == "ok" and c50["wall_ms"] <= TARGETS["change50_ms_localstack"],
                         text + " (target on LocalStack: apply ≤ 2 s)")
                    cb, cba = g.get("change50_apply_bulk"), g.get("converged_after_change50_bulk")
                    if cb:
                        notes.append(
                            f"- info: {w}: the same change with `--bulk always`: "
                            f"{fmt_ms(cb['wall_ms'])}, {cb['apigw_calls']} API Gateway calls "
                            f"({status(cb)}; {'; '.join(cb.get('bulk_lines', [])) or 'no bulk line'}); "
                            f"the plan after it "
                            f"{'is empty' if cba and cba['rc'] == 0 else 'exits ' + str(cba and cba['rc'])}")
                else:
                    notes.append(f"- info: {text} (the ≤ 2 s target is LocalStack's)")
            for mode in ("auto", "always", "never", "change50"):
                a = g.get(f"apply_{mode}") if mode != "change50" else g.get("change50_apply")
                if not a:
                    continue
                what = f"apply from scratch `--bulk {mode}`" if mode != "change50" else \
                    f"{r.get('changed_n', CHANGE_N)}-route change apply"
                if a["timed_out"]:
                    line(False, f"{w}: {what} timed out after {fmt_ms(a['wall_ms'])}")
                elif a.get("ratio") is not None and a["lower_bound_s"] < TARGETS["ratio_min_bound_s"]:
                    notes.append(f"- info: {w}: {what} ({path_word(a)}) {fmt_ms(a['wall_ms'])} = "
                                 f"{a['ratio']:.2f}× the quota lower bound {a['lower_bound_s']:.1f} s of "
                                 f"its {a['forwarded_apigw']} API Gateway calls (not judged: under a "
                                 f"{TARGETS['ratio_min_bound_s']:g} s bound the fixed costs — process "
                                 f"start, the plan's reads, the deployment — dominate)")
                elif a.get("ratio") is not None:
                    line(a["ratio"] <= TARGETS["apply_ratio"],
                         f"{w}: {what} ({path_word(a)}) {fmt_ms(a['wall_ms'])} = {a['ratio']:.2f}× the "
                         f"quota lower bound {a['lower_bound_s']:.1f} s of its "
                         f"{a['forwarded_apigw']} API Gateway calls (target ≤ 1.5×)")
            x, name = auto_vs_best(g)
            if x is not None:
                au = g["apply_auto"]
                same = "always" if au.get("bulk") else "never"
                reps = len(au.get("walls_ms", [1]))
                line(x <= TARGETS["auto_slack"],
                     f"{w}: `--bulk auto` ({path_word(au)}, the path of `{same}`) "
                     f"{fmt_ms(au['wall_ms'])} = {x:.2f}× the faster of always "
                     f"({fmt_ms(g['apply_always']['wall_ms'])}) and never "
                     f"({fmt_ms(g['apply_never']['wall_ms'])})"
                     + (f", medians of {reps} runs" if reps > 1 else ", one run each")
                     + " (target ≤ 1.10×)")
            si = g.get("seed_import")
            if gname == "localstack" and n in (300, 1000) and si and g.get("apply_auto"):
                au = g["apply_auto"]
                line(si["ok"] and status(au) == "ok" and au["wall_ms"] <= si["wall_ms"],
                     f"{w}: apply from scratch (`--bulk auto`, {path_word(au)}) "
                     f"{fmt_ms(au['wall_ms'])} against the seed's aws CLI import-rest-api + "
                     f"create-deployment of the same document {fmt_ms(si['wall_ms'])}"
                     + (f" (boto3, the same two calls without the CLI: "
                        f"{fmt_ms(g['seed_import_boto3']['wall_ms'])})"
                        if g.get("seed_import_boto3") else "")
                     + " (target: no longer)")
            for mode in ("auto", "always", "never"):
                c = g.get(f"converged_{mode}")
                if c:
                    line(c["rc"] == 0, f"{w}: plan after the `--bulk {mode}` apply from scratch is "
                                       f"empty (exit {c['rc']})")
            for key, what in (("change", "one-route"), ("change50", f"{r.get('changed_n', CHANGE_N)}-route")):
                c = g.get(f"converged_after_{key}")
                if c:
                    line(c["rc"] == 0, f"{w}: plan after the {what} apply is empty (exit {c['rc']})")
            keys = ("apply_auto", "apply_always", "apply_never", "noop_plan", "change_plan",
                    "change_apply", "change50_plan", "change50_apply", "change50_apply_bulk")
            user429 = [k for k in keys if (g.get(k) or {}).get("throttle_to_user")]
            sent = sum((g.get(k) or {}).get("proxy_429", 0) for k in keys)
            line(not user429, f"{w}: 429s reaching the user: {', '.join(user429) or 'none'} "
                              f"(the proxy sent {sent} 429s, absorbed by the tool's retries)")
            rss = [g[k]["rss_kb"] for k in keys if g.get(k) and g[k].get("rss_kb")]
            rss += [r[k]["rss_kb"] for k in ("validate", "export") if r[k].get("rss_kb")]
            if rss:
                line(max(rss) < TARGETS["rss_mb"] * 1024,
                     f"{w}: peak RSS {fmt_mb(max(rss))} over all commands (target < 100 MB)")
    return notes


def machine_facts() -> dict:
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for ln in f:
                if ln.startswith("MemTotal:"):
                    mem = f"{int(ln.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "moto": moto_version(), "load_at_start": load}


def document(results, meta, table, notes, commentary: str = "") -> str:
    m = meta["machine"]
    b = meta["binary"]
    tf = meta.get("terraform") or {}
    ls = meta.get("localstack") or {}
    cmds = "\n".join(meta["commands"]) if meta.get("commands") else meta["command"]
    gl = ", ".join(ground_label(x) for x in grounds_of(results))
    first, second, last = meta.get("apply_order") or ("always", "never", "auto")
    order = f"`{first}`, `{second}`, then `{last}`"
    return f"""# Performance

Measured by `scripts/bench.py` over contracts generated by `scripts/gen_contract.py`, on two
grounds (this run: {gl}), every AWS call going through `scripts/quota_proxy.py` (AWS's
documented API Gateway quotas as token buckets): for idrv5-gw an *enforcing* proxy (it answers
429 TooManyRequestsException like AWS, the tool retries), for the peers — the seed documents'
`aws apigateway import-rest-api` script and Terraform — a *count-only* one (it forwards every
call and counts the 429s AWS would have answered).

Commands:

```
{cmds}
```

- Date: {meta['date']}
- Machine: {m['cpu']}, {m['nproc']} CPUs (nproc), {m['memory']} memory, {m['os']}; Python {m['python']};
  load average at the start {m.get('load_at_start', 'unknown')} (shared with other work: walls are
  noisy, read medians and ratios)
- Emulators, on loopback: moto {m['moto']} (`moto_server`, a fresh one per size and ground);
  {('localstack-core ' + ls['version'] + ' (Python ' + ls.get('python_version', '?') + ', `python -m localstack.runtime.main`, no Docker, a fresh one per size, restarted to reset)') if ls.get('version') else 'LocalStack: ' + ls.get('why', 'not run')}
- Peers: {('Terraform ' + tf['terraform'] + ' with the AWS provider ' + tf['provider'] + ' from the filesystem mirror ' + tf['mirror'] + ', offline (`TF_CLI_CONFIG_FILE`)') if tf.get('terraform') else 'Terraform: ' + tf.get('why', 'not run')};
  the seed script with the real `aws` CLI ({meta.get('aws_cli', 'not found')}), and the same two calls with boto3
- Binary: `{b['path']}` {b.get('version', '')} — a **{b['profile']}** build (mtime {b['mtime']}, sha256 {b['sha256'][:12]}).
- Runs: offline commands and plans are the median of {meta['runs']} runs; the applies from
  scratch, the change applies and the seed script too wherever a first run took under 30 s
  (each apply from scratch on empty emulators), else once; Terraform's commands run once. Each idrv5-gw command gets fresh proxies (full token buckets, as
  after a pause between commands) and a fresh cache directory (`IDRV5_GW_CACHE_DIR`) holding
  only the import memory (`import-<key>.json`) that the ground's first `--bulk always` apply
  learned from its read-back: `--bulk auto` decides as on a second run against that endpoint
  (on a first, it guesses an AWS-like import; on moto that first apply costs what `always`
  costs). The three applies from scratch run {order}.
- Generated stacks: one REST API, `base_path: /api/v1`, HTTP_PROXY integrations, one stage, no
  authorizers/validators/usage plans/monitoring, so the writes are all API Gateway calls (the
  tool also makes 7 ACM/API Gateway v2/WAFv2/CloudWatch reads per plan, looking for owned
  leftovers; an apply reads everything twice, the second time to verify its changes). 30 operations per collection over 8 resources (`/x`, `/x/{{id}}`, `/x/{{id}}/<sub>`,
  `/x/{{id}}/<sub>/{{itemId}}`). The one-route change overrides one operation's integration
  timeout (`gen_contract.py --change-one`); the 50-route change fifty operations' spread over
  the contract (`--change 50`; at 10 operations all ten).

## Grounds

- **moto**: one `moto_server` per size; idrv5-gw's every call through one enforcing proxy
  (`AWS_ENDPOINT_URL`). Reset between the three applies from scratch: `POST /moto-api/reset`.
- **LocalStack**: one LocalStack per size (`GATEWAY_LISTEN=127.0.0.1:<free port>`,
  `SERVICES=apigateway,acm,route53,cloudwatch,logs,lambda,sts,iam`, `PERSISTENCE=0`,
  `DNS_ADDRESS=0`, `SKIP_SSL_CERT_DOWNLOAD=1`, `DISABLE_EVENTS=1`, `LOCALSTACK_TELEMETRY=0`, its
  own `FILESYSTEM_ROOT` and `TMPDIR`; ready when `/_localstack/health` answers), and a
  `moto_server` beside it for what LocalStack's free edition lacks (WAFv2, API Gateway v2,
  DynamoDB). idrv5-gw reaches API Gateway, ACM, Route 53, CloudWatch, Logs, Lambda and STS on
  LocalStack through the per-service endpoint variables (`AWS_ENDPOINT_URL_API_GATEWAY`, `_ACM`,
  `_ROUTE_53`, `_CLOUDWATCH`, `_CLOUDWATCH_LOGS`, `_LAMBDA`, `_STS`, each an enforcing proxy in
  front of LocalStack) and the rest on `AWS_ENDPOINT_URL` (an enforcing proxy in front of moto),
  as `tests/it/common/localstack.rs` does. Reset between the three applies from scratch:
  LocalStack is stopped and started again (fresh directories, new port), moto reset. After
  each start one unmeasured read per service (API Gateway, ACM, CloudWatch) makes LocalStack
  load their code, which it does at a service's first request (AWS has no such cost); every
  moto (alone or beside LocalStack) gets the same after its start and each reset (REST and v2
  APIs, WAFv2, ACM, CloudWatch).

## Results

"AWS calls" is the tool's own count (`--stats`: every HTTP attempt, retries included); "API GW"
its API Gateway part. "proxy requests" is what the proxies saw. "429s sent by proxy" are quota
throttles the tool provoked (and retried); "429 reaching user" means a command failed on one.
"→ bulk / per route" says which path `--bulk auto` took (a `bulk: PutRestApi` line in its
output). Each apply from scratch starts from empty emulators and is followed by a plan that
must be empty; the last (`{last}`) apply's stack is the one the plans and changes run against.

{table}

The quota lower bound is the least time AWS's buckets allow for the API Gateway calls a
command made (from full buckets: max over buckets of (calls − burst) / rate); ratio =
measured wall / lower bound. For the peers the calls are those the count-only proxy
forwarded, and "429s" are those AWS would have answered at the peer's own pace: a real client
would have been slowed by them (boto3/awscli and the Terraform provider retry throttles), so
on AWS the peer's wall would be at least its lower bound. The seed script imports the
document `export-openapi` renders (so it carries the same integrations) as a second REST API
on the same emulator; Terraform's per-resource configuration (`main.tf.json`, generated from
that same document) has per operation one `aws_api_gateway_method`, `_integration`,
`_method_response` and `_integration_response` (the operation's first status code), plus one
`_resource` per path segment, the `_rest_api`, a `_deployment` (redeployed on any method or
integration change, `create_before_destroy`) and a `_stage`; its plan refreshes every
resource.

## Targets (issues 7 and 14)

Checked automatically by the script:

{chr(10).join(notes)}
{("" if not commentary else chr(10) + commentary.strip() + chr(10))}
## Raw results

`scripts/bench.py --json FILE` keeps every number (per-operation call counts included);
`scripts/bench.py --render FILE[,FILE] --notes MD --write docs/PERFORMANCE.md` re-renders this
page from it (the commentary sections were added that way).
"""


def load_results(paths: str) -> tuple[dict, list]:
    """One or more --json files (comma-separated): their results by size, the meta of the
    first with every run's command. A size two files hold keeps the grounds of both (a later
    file's ground, and its offline commands, win)."""
    meta, by_size = None, {}
    commands = []
    for path in paths.split(","):
        with open(path) as f:
            saved = json.load(f)
        commands.append(saved["meta"]["command"])
        meta = meta or saved["meta"]
        for r in saved["results"]:
            earlier = by_size.get(r["size"], {})
            grounds = {**earlier.get("grounds", {}), **r.get("grounds", {})}
            by_size[r["size"]] = {**earlier, **r, "grounds": grounds}
    meta = dict(meta)
    meta["commands"] = commands
    return meta, [by_size[k] for k in sorted(by_size)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark idrv5-gw and its peers through the quota proxy.")
    ap.add_argument("--sizes", default="10,100,300,1000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per idrv5-gw command")
    ap.add_argument("--bin", help="idrv5-gw binary (default: target/release, else target/debug)")
    ap.add_argument("--bin-profile", choices=["release", "debug"],
                    help="the binary's build profile, when its path does not say (a copy)")
    ap.add_argument("--grounds", help="comma list of moto,localstack (default: both when "
                                      "LocalStack's Python is available, else moto)")
    ap.add_argument("--localstack-python",
                    help="Python that runs LocalStack (default: $IDRV5_LOCALSTACK_PYTHON)")
    ap.add_argument("--apply-runs-max-ops", type=int, default=100,
                    help="repeat the applies from scratch --runs times up to this size")
    ap.add_argument("--no-seed", action="store_true", help="skip the seed script comparison")
    ap.add_argument("--no-terraform", action="store_true", help="skip Terraform")
    ap.add_argument("--tf-timeout", type=float, default=900, help="seconds per terraform command")
    ap.add_argument("--tf-sizes", help="sizes Terraform runs at (default: all of --sizes)")
    ap.add_argument("--tf-change-max-ops", type=int, default=1000,
                    help="run Terraform's one-route change apply only up to this size")
    ap.add_argument("--write", help="write the performance document (e.g. docs/PERFORMANCE.md)")
    ap.add_argument("--json", help="write raw results as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--notes", metavar="MD",
                    help="a markdown file of commentary sections to add to the --write document")
    ap.add_argument("--render", metavar="JSON[,JSON]",
                    help="only re-render tables/document from --json files of earlier runs")
    a = ap.parse_args(argv)
    commentary = ""
    if a.notes:
        with open(a.notes) as f:
            commentary = f.read()
    if a.render:
        meta, results = load_results(a.render)
        table = render(results, meta)
        print(table)
        notes = check_targets(results)
        if a.write:
            with open(a.write, "w") as f:
                f.write(document(results, meta, table, notes, commentary))
        print("\n".join(notes))
        return 0
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    b = Bench(a)
    b.tf_sizes = set(sizes if not a.tf_sizes else [int(s) for s in a.tf_sizes.split(",") if s.strip()])
    py, why = localstack_python(a.localstack_python)
    ls_meta = {"python": py, "version": why} if py else {"why": why}
    if py:
        ls_meta["python_version"] = subprocess.run(
            [py, "-c", "import platform; print(platform.python_version())"],
            capture_output=True, text=True).stdout.strip()
    if a.grounds:
        grounds = [x.strip() for x in a.grounds.split(",") if x.strip()]
        bad = [x for x in grounds if x not in GROUNDS]
        if bad:
            ap.error(f"unknown ground(s) {bad}; expected some of {','.join(GROUNDS)}")
        if "localstack" in grounds and not py:
            ap.error(f"--grounds localstack: {why} (pass --localstack-python or set "
                     "IDRV5_LOCALSTACK_PYTHON)")
    else:
        grounds = ["moto", "localstack"] if py else ["moto"]
        if not py:
            b.log(f"note: LocalStack ground skipped: {why}")
    b.grounds, b.ls_python = grounds, py
    b.log(f"grounds: {', '.join(grounds)}" + (f" (localstack-core {why} at {py})" if py else ""))
    meta = {"command": "python3 scripts/bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": machine_facts(), "binary": b.bin_info, "runs": a.runs,
            "grounds": grounds, "localstack": ls_meta,
            "terraform": ({k: v for k, v in b.tf.items() if k != "exe"} if b.tf else {"why": b.tf_why}),
            "aws_cli": (subprocess.run([b.aws_cli, "--version"], capture_output=True, text=True)
                        .stdout.strip().split(" ")[0] if b.aws_cli else None),
            "tf_timeout_s": a.tf_timeout, "timeout_s": a.timeout,
            "apply_runs_max_ops": a.apply_runs_max_ops, "apply_order": list(APPLY_ORDER)}
    results = []
    try:
        for n in sizes:
            results.append(bench_size(b, n))
            meta["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
            table = render(results, meta)
            print(f"\n{table}\n", flush=True)
            if a.json:
                with open(a.json, "w") as f:
                    json.dump({"meta": meta, "results": results}, f, indent=1)
            if a.write:  # after every size, so a long run leaves something behind
                with open(a.write, "w") as f:
                    f.write(document(results, meta, table, check_targets(results), commentary))
    finally:
        if not a.keep:
            shutil.rmtree(b.work, ignore_errors=True)
        else:
            b.log(f"work directory kept: {b.work}")
    print("\n".join(check_targets(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
