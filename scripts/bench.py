#!/usr/bin/env python3
"""Benchmark idrv5-gw over generated contracts, through the quota proxy, against moto.

    python3 scripts/bench.py [--sizes 10,100,300,1000] [--runs 3] [--timeout 1800]
                             [--bin target/release/idrv5-gw] [--write docs/PERFORMANCE.md]

Per size N (scripts/gen_contract.py --ops N): a fresh moto_server; then, each command through
its own fresh scripts/quota_proxy.py (full token buckets, as after a pause):

  validate, export-openapi      offline; median of --runs, peak RSS
  apply (from scratch, bulk)    once, `apply --bulk always` (one PutRestApi, read-back, repair),
                                then a plan that must be empty; the emulator is reset after it
  apply (from scratch)          once, `apply --bulk never` (per-route calls); calls, wall, proxy
                                429s, quota lower bound for its calls
  plan (no-op)                  median of --runs; must report no changes
  plan (one-route change)       median of --runs (stack with one operation's integration changed)
  apply (one-route change)      once, then a plan that must be empty again
  seed: import + deploy         boto3 ImportRestApi + CreateDeployment of the exported document
                                (the seed's `aws apigateway import-rest-api` script), if boto3
  seed: re-import + deploy      boto3 PutRestApi(mode=overwrite) + CreateDeployment of the changed one

plus the Terraform-style per-resource call count computed from the contract. Prints markdown
tables; `--write FILE` also writes the performance document. Standard library only (boto3
optional, for the seed side).
"""

from __future__ import annotations

import argparse
import datetime
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
    "noop_plan_ms_300": 1000,
    "change_calls": 10,
    "apply_ratio": 1.5,
    "offline_ms_1000": 100,
    "rss_mb": 100,
}


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


class Moto:
    def __init__(self, log_path: str):
        self.port = free_port()
        exe = shutil.which("moto_server")
        cmd = ([exe] if exe else [sys.executable, "-m", "moto.server"]) + [
            "-H", "127.0.0.1", "-p", str(self.port)]
        env = dict(os.environ)
        env.pop("AWS_PROFILE", None)
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start")

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


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
                         start_new_session=True)
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


# --------------------------------------------------------------------------------------
# one command through a fresh proxy

class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="idrv5-bench-")
        self.bin = self.snapshot_binary(args.bin)
        self.env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"}
        self.env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                         "AWS_REGION": "us-east-1", "NO_COLOR": "1"})
        self.log(f"binary: {self.bin_info['path']} ({self.bin_info['profile']}, "
                 f"built {self.bin_info['mtime']}, sha256 {self.bin_info['sha256'][:12]})")

    def log(self, msg):
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

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
        self.bin_info = {"path": os.path.relpath(path, ROOT) if path.startswith(ROOT) else path,
                         "profile": profile, "sha256": sha,
                         "mtime": datetime.datetime.fromtimestamp(os.path.getmtime(path)).isoformat(
                             timespec="seconds")}
        return dst

    def tool(self, args, env_extra=None, timeout=None):
        env = dict(self.env)
        env.update(env_extra or {})
        return run_cmd([self.bin, "--stats"] + args, env, timeout or self.args.timeout)

    def online(self, moto: Moto, args, label) -> dict:
        """Run one tool command through a fresh quota proxy; merge tool and proxy stats."""
        stats_file = os.path.join(self.work, f"proxy-{label}-{time.time_ns()}.json")
        proxy = QuotaProxy(moto.url, stats_file=stats_file).start()
        try:
            res = self.tool(args, {"AWS_ENDPOINT_URL": proxy.url})
        finally:
            proxy.stop()
        ps = proxy.stats()
        res["tool"] = parse_tool_stats(res["stderr"])
        res["proxy"] = ps
        res["throttle_to_user"] = throttle_reached_user(res)
        if res["timed_out"]:
            self.log(f"{label}: TIMEOUT after {res['wall_s']:.0f} s")
        elif res["rc"] not in (0, 2):
            self.log(f"{label}: exit {res['rc']}: {res['stderr'][-800:]}")
        return res

    # -- the seed's approach, emulated with boto3 through the proxy
    def seed(self, moto: Moto, doc_path: str, api_id: str | None, label: str) -> dict:
        import boto3
        from botocore.config import Config
        stats_file = os.path.join(self.work, f"proxy-{label}-{time.time_ns()}.json")
        proxy = QuotaProxy(moto.url, stats_file=stats_file).start()
        out = {"ok": False, "error": None}
        t0 = time.monotonic()
        try:
            c = boto3.client("apigateway", endpoint_url=proxy.url, region_name="us-east-1",
                             aws_access_key_id="testing", aws_secret_access_key="testing",
                             config=Config(retries={"mode": "standard", "max_attempts": 10}))
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


def terraform_counts(info: dict) -> dict:
    """Per-resource creates a Terraform-style model needs for this contract: the REST API,
    every resource path but the root, and per operation a method, an integration, a method
    response and an integration response per declared response code, plus deployment and
    stage. A Terraform plan refreshes each of them (one read each)."""
    n = info["operations"]
    creates = (1 + (info["resources"] - 1) + n + n + info["method_responses"] * 2 + 1 + 1)
    return {"creates": creates, "refresh_reads": creates}


def apigw_forwarded(ps: dict) -> dict:
    return {op: n for op, n in ps.get("forwarded_operations", {}).items()
            if ps.get("services", {}).get(op) == "apigateway"}


def bench_size(b: Bench, n: int) -> dict:
    a = b.args
    d = os.path.join(b.work, f"ops{n}")
    dc = os.path.join(b.work, f"ops{n}-change")
    info = gen_contract.generate(n, d)
    infoc = gen_contract.generate(n, dc, change_one=True)
    stack, stackc = info["stack"], infoc["stack"]
    r: dict = {"size": n, "contract": info, "changed_operation": infoc["changed_operation"],
               "terraform": terraform_counts(info)}
    b.log(f"size {n}: {info['operations']} operations, {info['paths']} paths, "
          f"{info['resources']} resources")

    # offline
    for name, args in (("validate", ["validate"]),
                       ("export", ["export-openapi", "--format", "json", "-o",
                                   os.path.join(d, "export.json")])):
        runs = [b.tool(["--stack", stack] + args) for _ in range(a.runs)]
        r[name] = {"wall_ms": median([x["wall_s"] * 1000 for x in runs]),
                   "tool_ms": median([(parse_tool_stats(x["stderr"]) or {}).get("wall_ms")
                                      for x in runs]),
                   "rss_kb": max([x["rss_kb"] or 0 for x in runs]) or None,
                   "rc": [x["rc"] for x in runs]}
    b.tool(["--stack", stackc, "export-openapi", "--format", "json", "-o",
            os.path.join(dc, "export.json")])

    moto = Moto(os.path.join(b.work, f"moto-{n}.log"))
    try:
        b.log(f"size {n}: apply from scratch, bulk")
        res = b.online(moto, ["--stack", stack, "apply", "--auto-approve", "--bulk", "always"],
                       f"bulk-{n}")
        fwd = apigw_forwarded(res["proxy"])
        lb = quota_lower_bound(fwd)
        r["apply_bulk"] = {**summarize(res), "lower_bound_s": lb["seconds"],
                           "binding": lb["binding"], "forwarded_apigw": sum(fwd.values()),
                           "bulk_lines": [ln for ln in res["stdout"].splitlines()
                                          if ln.startswith("bulk:") and "first" not in ln]}
        res = b.online(moto, ["--stack", stack, "plan", "--detailed-exitcode"], f"bulkplan-{n}")
        r["bulk_converged"] = summarize(res)
        urllib.request.urlopen(urllib.request.Request(moto.url + "/moto-api/reset",
                                                      method="POST"), timeout=30).read()

        b.log(f"size {n}: apply from scratch, per route")
        res = b.online(moto, ["--stack", stack, "apply", "--auto-approve", "--bulk", "never"],
                       f"apply-{n}")
        fwd = apigw_forwarded(res["proxy"])
        lb = quota_lower_bound(fwd)
        r["apply"] = {**summarize(res), "lower_bound_s": lb["seconds"], "binding": lb["binding"],
                      "forwarded_apigw": sum(fwd.values())}
        wall = res["wall_s"]
        r["apply"]["ratio"] = (wall / lb["seconds"]) if lb["seconds"] > 0 else None

        b.log(f"size {n}: no-op plan x{a.runs}")
        plans = [b.online(moto, ["--stack", stack, "plan", "--detailed-exitcode"], f"plan-{n}")
                 for _ in range(a.runs)]
        r["noop_plan"] = summarize_runs(plans)

        b.log(f"size {n}: one-route-change plan x{a.runs}")
        cplans = [b.online(moto, ["--stack", stackc, "plan", "--detailed-exitcode"], f"cplan-{n}")
                  for _ in range(a.runs)]
        r["change_plan"] = summarize_runs(cplans)

        b.log(f"size {n}: one-route-change apply")
        res = b.online(moto, ["--stack", stackc, "apply", "--auto-approve"], f"capply-{n}")
        r["change_apply"] = summarize(res)
        fwd = apigw_forwarded(res["proxy"])
        r["change_apply"]["lower_bound_s"] = quota_lower_bound(fwd)["seconds"]

        res = b.online(moto, ["--stack", stackc, "plan", "--detailed-exitcode"], f"after-{n}")
        r["converged_after_change"] = summarize(res)

        if have_boto3() and not a.no_seed:
            b.log(f"size {n}: seed approach (boto3 import-rest-api + create-deployment)")
            s1 = b.seed(moto, os.path.join(d, "export.json"), None, f"seed-{n}")
            r["seed_import"] = seed_summary(s1)
            if s1["api_id"]:
                s2 = b.seed(moto, os.path.join(dc, "export.json"), s1["api_id"], f"seedput-{n}")
                r["seed_reimport"] = seed_summary(s2)
    finally:
        moto.stop()
    return r


def summarize(res: dict) -> dict:
    t = res.get("tool") or {}
    ps = res["proxy"]
    return {
        "rc": res["rc"], "timed_out": res["timed_out"], "wall_ms": res["wall_s"] * 1000,
        "tool_wall_ms": t.get("wall_ms"), "calls": t.get("calls"), "apigw_calls": t.get("apigw_calls"),
        "per_op": t.get("per_op"), "proxy_requests": ps["aws_requests"],
        "proxy_429": ps["throttled"], "throttle_to_user": res["throttle_to_user"],
        "rss_kb": res["rss_kb"], "stderr_tail": res["stderr"][-600:] if res["rc"] not in (0, 2) else "",
    }


def summarize_runs(runs: list) -> dict:
    s = [summarize(x) for x in runs]
    out = dict(s[0])
    for k in ("wall_ms", "tool_wall_ms", "calls", "apigw_calls", "proxy_requests"):
        out[k] = median([x[k] for x in s])
    out["proxy_429"] = sum(x["proxy_429"] for x in s)
    out["rss_kb"] = max((x["rss_kb"] or 0) for x in s) or None
    out["rcs"] = [x["rc"] for x in s]
    out["throttle_to_user"] = any(x["throttle_to_user"] for x in s)
    return out


def seed_summary(s: dict) -> dict:
    ps = s["proxy"]
    fwd = apigw_forwarded(ps)
    return {"ok": s["ok"], "error": s["error"], "wall_ms": s["wall_s"] * 1000,
            "calls": ps["aws_requests"], "proxy_429": ps["throttled"],
            "lower_bound_s": quota_lower_bound(fwd)["seconds"]}


# --------------------------------------------------------------------------------------
# rendering

def fmt_ms(x):
    if x is None:
        return "—"
    return f"{x:,.0f} ms" if x < 10_000 else f"{x / 1000:,.1f} s"


def fmt_mb(kb):
    return "—" if not kb else f"{kb / 1024:.0f} MB"


def status(c: dict) -> str:
    if c.get("timed_out"):
        return "TIMEOUT"
    rc = c.get("rcs", [c.get("rc")])
    if all(x in (0, 2) for x in rc):
        return "ok" if "rcs" not in c else ("no changes" if all(x == 0 for x in rc) else
                                             "changes" if all(x == 2 for x in rc) else f"exit {rc}")
    return f"exit {rc}"


def render(results: list, meta: dict) -> str:
    L = []
    L.append("| ops | command | AWS calls (API GW) | proxy requests | 429s sent by proxy | "
             "429 reaching user | wall (median) | peak RSS | result |")
    L.append("|---:|---|---:|---:|---:|:---:|---:|---:|---|")
    for r in results:
        n = r["size"]
        for key, label in (("validate", "validate (offline)"), ("export", "export-openapi (offline)")):
            c = r[key]
            ok = "ok" if all(x == 0 for x in c["rc"]) else f"exit {c['rc']}"
            L.append(f"| {n} | {label} | 0 | 0 | 0 | — | {fmt_ms(c['wall_ms'])} | "
                     f"{fmt_mb(c['rss_kb'])} | {ok} |")
        for key, label in (("apply", "apply (from scratch)"),
                           ("apply_bulk", "apply (from scratch, bulk)"),
                           ("bulk_converged", "plan after the bulk apply"),
                           ("noop_plan", "plan (no-op)"),
                           ("change_plan", "plan (one-route change)"),
                           ("change_apply", "apply (one-route change)"),
                           ("converged_after_change", "plan after that apply")):
            c = r.get(key)
            if not c:
                continue
            calls = "—" if c["calls"] is None else f"{c['calls']:g} ({c['apigw_calls']:g})"
            L.append(f"| {n} | {label} | {calls} | {c['proxy_requests']:g} | {c['proxy_429']} | "
                     f"{'**yes**' if c['throttle_to_user'] else 'no'} | {fmt_ms(c['wall_ms'])} | "
                     f"{fmt_mb(c['rss_kb'])} | {status(c)} |")
    L.append("")
    L.append("Apply from scratch against the quotas, and the alternatives for the same contract:")
    L.append("")
    L.append("| ops | resources | apply wall | quota lower bound (binding bucket) | ratio | "
             "bulk apply: API GW calls / wall / quota lower bound | "
             "seed import+deploy: calls / wall | seed re-import+deploy (change): calls / wall | "
             "Terraform-style creates (= refresh reads per plan), account-quota lower bound |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        a = r.get("apply") or {}
        lb = a.get("lower_bound_s")
        ratio = a.get("ratio")
        si, sr = r.get("seed_import"), r.get("seed_reimport")
        ab = r.get("apply_bulk")
        bulkcell = "—" if not ab else (
            f"{ab['forwarded_apigw']} / {fmt_ms(ab['wall_ms'])} / {ab['lower_bound_s']:.1f} s"
            + ("" if status(ab) == "ok" else f" ({status(ab)})"))

        def seedcell(s):
            if not s:
                return "—"
            return (f"{s['calls']} / {fmt_ms(s['wall_ms'])}" + ("" if s["ok"] else " (failed)"))
        L.append(
            f"| {r['size']} | {r['contract']['resources']} | {fmt_ms(a.get('wall_ms'))} | "
            f"{'—' if lb is None else f'{lb:.1f} s'}"
            f"{'' if not a.get('binding') else ' (' + a['binding'].split(':')[1] + ')'} | "
            f"{'n/a (within burst)' if ratio is None else f'{ratio:.2f}×'} | {bulkcell} | "
            f"{seedcell(si)} | "
            f"{seedcell(sr)} | {r['terraform']['creates']}, "
            f"{max(0.0, (r['terraform']['creates'] - 40) / 10):.1f} s |")
    return "\n".join(L)


def check_targets(results: list) -> list[str]:
    notes = []

    def line(ok, text):
        notes.append(f"- {'HELD' if ok else '**MISSED**'}: {text}")

    for r in results:
        n = r["size"]
        p = r.get("noop_plan")
        if p and p["apigw_calls"] is not None:
            line(p["apigw_calls"] <= TARGETS["noop_plan_calls"] and all(x == 0 for x in p["rcs"]),
                 f"{n} ops: no-op plan {p['apigw_calls']:g} API Gateway calls "
                 f"({p['calls']:g} in all), exit codes {p['rcs']} (target ≤ 15, no changes)")
        if n == 300 and p:
            line(p["wall_ms"] < TARGETS["noop_plan_ms_300"],
                 f"300 ops: no-op plan {fmt_ms(p['wall_ms'])} (target < 1 s)")
        cp, ca = r.get("change_plan"), r.get("change_apply")
        if cp and ca and ca["per_op"]:
            reads = sum(v for k, v in ca["per_op"].items() if k.startswith("API Gateway.Get"))
            writes = ca["apigw_calls"] - reads
            wnames = ", ".join(f"{k.split('.', 1)[1]}={v}" for k, v in sorted(ca["per_op"].items())
                               if k.startswith("API Gateway.") and not k.startswith("API Gateway.Get"))
            line(writes <= TARGETS["change_calls"],
                 f"{n} ops: one-route change: {writes} API Gateway writes ({wnames}); with the "
                 f"reads the apply makes {ca['apigw_calls']:g} API Gateway calls "
                 f"({ca['calls']:g} in all) and its plan {cp['apigw_calls']:g} "
                 f"(target ≤ 10, read here as the change's own calls: "
                 f"{'held' if writes <= 10 else 'missed'} for the writes, "
                 f"{'held' if ca['apigw_calls'] <= 10 else 'missed'} counting the apply's reads)")
        a = r.get("apply")
        if a:
            if a["timed_out"]:
                line(False, f"{n} ops: apply from scratch timed out after {fmt_ms(a['wall_ms'])}")
            elif a["ratio"] is not None:
                line(a["ratio"] <= TARGETS["apply_ratio"],
                     f"{n} ops: apply from scratch {fmt_ms(a['wall_ms'])} = {a['ratio']:.2f}× the "
                     f"quota lower bound {a['lower_bound_s']:.1f} s for its "
                     f"{a['forwarded_apigw']} API Gateway calls (target ≤ 1.5×)")
            else:
                notes.append(f"- n/a: {n} ops: apply from scratch made {a['forwarded_apigw']} API "
                             f"Gateway calls, within the burst: the quotas set no lower bound "
                             f"(took {fmt_ms(a['wall_ms'])})")
        ab, bc = r.get("apply_bulk"), r.get("bulk_converged")
        if ab and bc:
            after = "is empty" if bc["rc"] == 0 else f"exits {bc['rc']}"
            line(status(ab) == "ok" and bc["rc"] == 0,
                 f"{n} ops: bulk apply from scratch {status(ab)}, "
                 f"{ab['forwarded_apigw']} API Gateway calls in {fmt_ms(ab['wall_ms'])} "
                 f"({'; '.join(ab.get('bulk_lines', [])) or 'no bulk line'}); "
                 f"the plan after it {after}")
        user429 = [k for k in ("apply", "apply_bulk", "noop_plan", "change_plan", "change_apply")
                   if r.get(k, {}).get("throttle_to_user")]
        sent = sum(r.get(k, {}).get("proxy_429", 0) for k in
                   ("apply", "apply_bulk", "bulk_converged", "noop_plan", "change_plan",
                    "change_apply", "converged_after_change"))
        line(not user429, f"{n} ops: 429s reaching the user: {', '.join(user429) or 'none'} "
                          f"(the proxy sent {sent} 429s, absorbed by the tool's retries)")
        conv = r.get("converged_after_change")
        if conv:
            line(conv["rc"] == 0, f"{n} ops: plan after the one-route apply is empty "
                                  f"(exit {conv['rc']})")
        if n == 1000:
            for k in ("validate", "export"):
                line(r[k]["wall_ms"] < TARGETS["offline_ms_1000"],
                     f"1000 ops: {k} {fmt_ms(r[k]['wall_ms'])} (target < 100 ms)")
        rss = [r[k]["rss_kb"] for k in ("validate", "export", "apply", "apply_bulk",
                                        "bulk_converged", "noop_plan", "change_plan",
                                        "change_apply") if r.get(k) and r[k].get("rss_kb")]
        if rss:
            line(max(rss) < TARGETS["rss_mb"] * 1024,
                 f"{n} ops: peak RSS {fmt_mb(max(rss))} over all commands (target < 100 MB)")
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
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "moto": moto_version()}


def document(results, meta, table, notes, commentary: str = "") -> str:
    m = meta["machine"]
    b = meta["binary"]
    return f"""# Performance

Measured by `scripts/bench.py` over contracts generated by `scripts/gen_contract.py`, every
AWS call going through `scripts/quota_proxy.py` (AWS's documented API Gateway quotas as token
buckets, answering 429 TooManyRequestsException like AWS) to a fresh `moto_server` per size.

Command:

```
{meta['command']}
```

- Date: {meta['date']}
- Machine: {m['cpu']}, {m['nproc']} CPUs (nproc), {m['memory']} memory, {m['os']}; Python {m['python']}
- Emulator: moto {m['moto']} on loopback
- Binary: `{b['path']}` — a **{b['profile']}** build (mtime {b['mtime']}, sha256 {b['sha256'][:12]}).
  {"Debug builds are several times slower than release for CPU-bound work (offline validate/export); the network-bound numbers (calls, quota waits) do not depend on it." if b['profile'] == 'debug' else ""}
- Runs: offline commands and plans are the median of {meta['runs']} runs; applies run once.
  Each online command gets a fresh proxy (full token buckets, as after a pause between commands).
- Generated stacks: one REST API, `base_path: /api/v1`, HTTP_PROXY integrations, one stage, no
  authorizers/validators/usage plans/monitoring, so the writes are all API Gateway calls (the
  tool also makes 4 WAFv2/CloudWatch reads per command, looking for owned leftovers). 30
  operations per collection over 8 resources (`/x`, `/x/{{id}}`, `/x/{{id}}/<sub>`,
  `/x/{{id}}/<sub>/{{itemId}}`). The one-route change overrides one operation's integration
  timeout.

## Results

"AWS calls" is the tool's own count (`--stats`: every HTTP attempt, retries included); "API GW"
its API Gateway part. "proxy requests" is what the proxy saw. "429s sent by proxy" are quota
throttles the tool provoked (and retried); "429 reaching user" means a command failed on one.
"apply (from scratch)" is `apply --bulk never` (per-route calls); "apply (from scratch, bulk)"
is `apply --bulk always` on a fresh emulator (one PutRestApi, a read-back, and the per-route
repair of what moto's import drops), followed by a plan that must be empty.

{table}

Columns of the second table: the quota lower bound is the least time AWS's buckets allow for
the API Gateway calls that apply made (from full buckets: max over buckets of
(calls − burst) / rate); ratio = measured wall / lower bound. The bulk column gives the same
for `apply --bulk always` (API Gateway calls as the proxy counted them). "Seed" is the seed documents'
script (`aws apigateway import-rest-api` + `create-deployment`) emulated with boto3 through the
same proxy, importing the document `export-openapi` renders (so it carries the same
integrations); moto's import is partial (docs/EMULATOR.md), so its correctness is not compared.
"Terraform-style" counts one create per REST API, resource path, method, integration, method
response and integration response (one each per declared response code), plus a deployment
and a stage; a Terraform plan refreshes each of them, so its no-op plan costs as many reads.

## Targets (issue 7)

Checked automatically by the script:

{chr(10).join(notes)}
{("" if not commentary else chr(10) + "## What the numbers show" + chr(10) + chr(10) + commentary.strip() + chr(10))}
## Raw results

`scripts/bench.py --json FILE` keeps every number (per-operation call counts included);
`scripts/bench.py --render FILE --notes MD --write docs/PERFORMANCE.md` re-renders this page
from it (the commentary above was added that way).
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark idrv5-gw through the quota proxy.")
    ap.add_argument("--sizes", default="10,100,300,1000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    ap.add_argument("--bin", help="idrv5-gw binary (default: target/release, else target/debug)")
    ap.add_argument("--no-seed", action="store_true", help="skip the boto3 seed comparison")
    ap.add_argument("--write", help="write the performance document (e.g. docs/PERFORMANCE.md)")
    ap.add_argument("--json", help="write raw results as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--notes", metavar="MD",
                    help="a markdown file of commentary to add to the --write document")
    ap.add_argument("--render", metavar="JSON",
                    help="only re-render tables/document from a --json file of an earlier run")
    a = ap.parse_args(argv)
    commentary = ""
    if a.notes:
        with open(a.notes) as f:
            commentary = f.read()
    if a.render:
        with open(a.render) as f:
            saved = json.load(f)
        meta, results = saved["meta"], saved["results"]
        table = render(results, meta)
        print(table)
        if a.write:
            with open(a.write, "w") as f:
                f.write(document(results, meta, table, check_targets(results), commentary))
        print("\n".join(check_targets(results)))
        return 0
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    b = Bench(a)
    results = []
    meta = {"command": "python3 scripts/bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": machine_facts(), "binary": b.bin_info, "runs": a.runs}
    try:
        for n in sizes:
            results.append(bench_size(b, n))
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
