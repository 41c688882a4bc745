#!/usr/bin/env python3
"""Tests of scripts/quota_proxy.py against a real moto_server on a free loopback port.

    python3 scripts/test_quota_proxy.py          # or: python3 -m unittest scripts/test_quota_proxy.py

Plain http.client requests (no SDK: its retries would hide what the proxy answered), signed
with a dummy SigV4 Authorization header so moto routes them to the right service. Finishes
in well under a minute.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from quota_proxy import QuotaProxy, identify, quota_lower_bound  # noqa: E402


def auth(service: str, region: str = "us-east-1") -> str:
    return (f"AWS4-HMAC-SHA256 Credential=testing/20240101/{region}/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=0000")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def moto_cmd() -> list[str]:
    from shutil import which
    exe = which("moto_server")
    return [exe] if exe else [sys.executable, "-m", "moto.server"]


class Moto:
    """A moto_server on a free port for the whole test module."""

    def __init__(self):
        self.port = free_port()
        env = dict(os.environ)
        env.pop("AWS_PROFILE", None)
        self.log = tempfile.TemporaryFile()  # closed in stop()
        self.proc = subprocess.Popen(moto_cmd() + ["-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                status, _, _ = request(self.url, "GET", "/moto-api/data.json")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start")

    def reset(self):
        request(self.url, "POST", "/moto-api/reset")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def request(base: str, method: str, path: str, body=None, headers=None, timeout=15):
    """(status, headers dict lower-cased, body bytes); raises OSError on a reset."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        data = None
        h = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def apigw(base, method, path, body=None):
    return request(base, method, path, body, {"Authorization": auth("apigateway")})


MOTO: Moto | None = None


def setUpModule():
    global MOTO
    MOTO = Moto()


def tearDownModule():
    if MOTO:
        MOTO.stop()


class ProxyCase(unittest.TestCase):
    def setUp(self):
        MOTO.reset()
        self.tmp = tempfile.mkdtemp(prefix="quota-proxy-test-")
        self.proxies = []

    def tearDown(self):
        for p in self.proxies:
            p.stop()

    def proxy(self, **kw) -> QuotaProxy:
        p = QuotaProxy(MOTO.url, **kw).start()
        self.proxies.append(p)
        return p

    def make_api_with_method(self, base) -> str:
        """CreateRestApi + a GET method with a MOCK integration on / (so a deployment is valid)."""
        st, _, b = apigw(base, "POST", "/restapis", {"name": "t"})
        self.assertIn(st, (200, 201), b)
        api = json.loads(b)
        root = api["rootResourceId"]
        st, _, b = apigw(base, "PUT", f"/restapis/{api['id']}/resources/{root}/methods/GET",
                         {"authorizationType": "NONE"})
        self.assertLess(st, 300, b)
        st, _, b = apigw(base, "PUT", f"/restapis/{api['id']}/resources/{root}/methods/GET/integration",
                         {"type": "MOCK"})
        self.assertLess(st, 300, b)
        return api["id"]


class TestNaming(unittest.TestCase):
    def test_apigateway_paths(self):
        h = {"Authorization": auth("apigateway")}
        cases = [
            ("POST", "/restapis", "CreateRestApi"),
            ("POST", "/restapis?mode=import&failonwarnings=true", "ImportRestApi"),
            ("PUT", "/restapis/abc?mode=overwrite", "PutRestApi"),
            ("POST", "/restapis/abc/deployments", "CreateDeployment"),
            ("GET", "/restapis/abc/resources?embed=methods&limit=500", "GetResources"),
            ("POST", "/restapis/abc/resources/r1", "CreateResource"),
            ("PUT", "/restapis/abc/resources/r1/methods/GET/integration", "PutIntegration"),
            ("PUT", "/restapis/abc/resources/r1/methods/GET/integration/responses/200",
             "PutIntegrationResponse"),
            ("DELETE", "/restapis/abc", "DeleteRestApi"),
            ("POST", "/domainnames", "CreateDomainName"),
            ("PATCH", "/domainnames/api.example.com", "UpdateDomainName"),
            ("DELETE", "/domainnames/api.example.com", "DeleteDomainName"),
            ("PATCH", "/usageplans/u1", "UpdateUsagePlan"),
            ("POST", "/vpclinks", "CreateVpcLink"),
            ("DELETE", "/vpclinks/v1", "DeleteVpcLink"),
            ("POST", "/v2/vpclinks", "CreateVpcLink"),
            ("POST", "/v2/apis/a1/routes", "CreateRoute"),
        ]
        for method, path, op in cases:
            with self.subTest(path=path):
                self.assertEqual(identify(method, path, h, b""), ("apigateway", op, "rest-json"))
        svc, op, _ = identify("GET", "/restapis/abc/documentation/parts", h, b"")
        self.assertEqual(svc, "apigateway")
        self.assertTrue(op.startswith("ApiGateway:GET /restapis/{}/documentation/parts"), op)

    def test_json_and_query(self):
        h = {"Authorization": auth("wafv2"), "X-Amz-Target": "AWSWAF_20190729.CreateWebACL"}
        self.assertEqual(identify("POST", "/", h, b"{}"), ("wafv2", "CreateWebACL", "json"))
        h = {"Authorization": auth("tagging"),
             "X-Amz-Target": "ResourceGroupsTaggingAPI_20170126.GetResources"}
        self.assertEqual(identify("POST", "/", h, b"{}"), ("tagging", "tagging:GetResources", "json"))
        h = {"Authorization": auth("monitoring"), "Content-Type": "application/x-www-form-urlencoded"}
        self.assertEqual(identify("POST", "/", h, b"Action=PutMetricAlarm&Version=2010-08-01"),
                         ("cloudwatch", "PutMetricAlarm", "query"))

    def test_lower_bound(self):
        lb = quota_lower_bound({"CreateDeployment": 3, "GetRestApis": 1})
        self.assertAlmostEqual(lb["seconds"], 10.0)
        self.assertEqual(lb["binding"], "apigateway:CreateDeployment")
        lb = quota_lower_bound({"PutMethod": 140})
        self.assertAlmostEqual(lb["seconds"], 10.0)  # (140 - 40) / 10


class TestQuotas(ProxyCase):
    def test_create_deployment_one_per_five_seconds(self):
        p = self.proxy()
        api = self.make_api_with_method(p.url)
        a = apigw(p.url, "POST", f"/restapis/{api}/deployments", {"stageName": "s1"})
        b = apigw(p.url, "POST", f"/restapis/{api}/deployments", {"stageName": "s2"})
        self.assertLess(a[0], 300, a[2])
        self.assertEqual(b[0], 429)
        self.assertEqual(b[1].get("x-amzn-errortype"), "TooManyRequestsException")
        self.assertEqual(b[2], b'{"message":"Too Many Requests"}')
        # The throttled one never reached moto: exactly one deployment exists.
        st, _, body = request(MOTO.url, "GET", f"/restapis/{api}/deployments",
                              headers={"Authorization": auth("apigateway")})
        self.assertEqual(len(json.loads(body)["item"]), 1)
        s = p.stats()
        self.assertEqual(s["throttled_operations"], {"CreateDeployment": 1})
        self.assertEqual(s["forwarded_operations"]["CreateDeployment"], 1)

    def test_account_bucket_burst_40(self):
        p = self.proxy()
        t0 = time.monotonic()
        statuses = [apigw(p.url, "GET", "/restapis")[0] for _ in range(60)]
        elapsed = time.monotonic() - t0
        ok = statuses.count(200)
        first_429 = statuses.index(429) if 429 in statuses else None
        self.assertIsNotNone(first_429, "the account bucket never throttled")
        self.assertGreaterEqual(first_429, 40, statuses)
        # 40 burst plus whatever refilled (10/s) while the requests ran.
        self.assertLessEqual(ok, 40 + int(elapsed * 10) + 1, (ok, elapsed))
        self.assertEqual(statuses.count(429), 60 - ok)
        # After a second the bucket has ~10 tokens again.
        time.sleep(1.05)
        self.assertEqual(apigw(p.url, "GET", "/restapis")[0], 200)

    def test_no_quotas(self):
        p = self.proxy(quotas=False)
        api = self.make_api_with_method(p.url)
        for i in range(3):
            st, _, b = apigw(p.url, "POST", f"/restapis/{api}/deployments", {"stageName": f"s{i}"})
            self.assertLess(st, 300, b)
        self.assertEqual(p.stats()["throttled"], 0)

    def test_json_and_query_protocol_throttles(self):
        p = self.proxy()
        h = {"Authorization": auth("wafv2"), "X-Amz-Target": "AWSWAF_20190729.CreateIPSet",
             "Content-Type": "application/x-amz-json-1.1"}
        body = json.dumps({"Name": "s", "Scope": "REGIONAL", "IPAddressVersion": "IPV4",
                           "Addresses": ["10.0.0.0/8"]}).encode()
        a = request(p.url, "POST", "/", body, h)
        h2 = dict(h, **{"X-Amz-Target": "AWSWAF_20190729.DeleteIPSet"})
        b = request(p.url, "POST", "/", b"{}", h2)  # shares the 1/s WAF write bucket
        self.assertEqual(a[0], 200, a[2])
        self.assertEqual(b[0], 400)
        self.assertEqual(json.loads(b[2]), {"__type": "ThrottlingException", "message": "Rate exceeded"})
        h = {"Authorization": auth("monitoring"), "Content-Type": "application/x-www-form-urlencoded"}
        form = ("Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a{}&MetricName=m&Namespace=n"
                "&Statistic=Sum&Period=60&EvaluationPeriods=1&Threshold=1"
                "&ComparisonOperator=GreaterThanThreshold")
        res = [request(p.url, "POST", "/", form.format(i).encode(), h) for i in range(4)]
        self.assertEqual([r[0] for r in res[:3]], [200, 200, 200], res[0][2])
        self.assertEqual(res[3][0], 400)
        self.assertIn(b"<Code>Throttling</Code>", res[3][2])
        self.assertIn(b"<Type>Sender</Type>", res[3][2])
        self.assertEqual(p.stats()["throttled"], 2)


class TestForwarding(ProxyCase):
    def test_concurrent_connections_and_keepalive(self):
        import threading
        p = self.proxy(quotas=False)
        results, lock = [], threading.Lock()

        def worker():
            u = urllib.parse.urlsplit(p.url)
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
            for _ in range(5):  # keep-alive: five requests on one connection
                conn.request("GET", "/restapis", headers={"Authorization": auth("apigateway")})
                r = conn.getresponse()
                r.read()
                with lock:
                    results.append(r.status)
            conn.close()

        ts = [threading.Thread(target=worker) for _ in range(20)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        self.assertEqual(results, [200] * 100)
        self.assertEqual(p.stats()["forwarded"], 100)

    def test_chunked_request_body_and_host_rewrite(self):
        p = self.proxy(quotas=False)
        u = urllib.parse.urlsplit(p.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
        conn.request("POST", "/restapis", body=iter([b'{"name": ', b'"chunked"}']),
                     headers={"Authorization": auth("apigateway"), "Content-Type": "application/json",
                              "Host": "apigateway.us-east-1.amazonaws.com"},
                     encode_chunked=True)
        r = conn.getresponse()
        body = r.read()
        conn.close()
        self.assertIn(r.status, (200, 201), body)
        self.assertEqual(json.loads(body)["name"], "chunked")
        self.assertEqual(int(r.getheader("Content-Length")), len(body))


class TestFaults(ProxyCase):
    N = 200

    def run_faulted(self, seed):
        p = self.proxy(quotas=False, fault_rate=0.2, faults="429,500,503,reset", seed=seed)
        outcomes = []
        for _ in range(self.N):
            try:
                outcomes.append(apigw(p.url, "GET", "/restapis")[0])
            except (ConnectionError, http.client.HTTPException, OSError):
                outcomes.append("reset")
        return p, outcomes

    def test_rate_and_reproducibility(self):
        p, out = self.run_faulted(seed=7)
        faulted = [o for o in out if o != 200]
        rate = len(faulted) / self.N
        self.assertGreater(rate, 0.12, out)
        self.assertLess(rate, 0.28, out)
        s = p.stats()
        self.assertEqual(sum(s["faults"].values()), len(faulted))
        self.assertEqual(s["faults"]["reset"], out.count("reset"))
        self.assertEqual(s["faults"]["500"], out.count(500))
        self.assertEqual(s["faults"]["503"], out.count(503))
        self.assertEqual(s["faults"]["429"], out.count(429))
        self.assertEqual(s["forwarded"], out.count(200))
        for kind in ("429", "500", "503", "reset"):
            self.assertGreater(s["faults"][kind], 0, kind)
        _, again = self.run_faulted(seed=7)
        self.assertEqual(out, again, "same seed, same faults")

    def test_faults_are_not_forwarded_by_default(self):
        p = self.proxy(quotas=False, fault_rate=0.5, faults="500,503,reset", seed=3)
        ok = 0
        for i in range(30):
            try:
                st, _, _ = apigw(p.url, "POST", "/apikeys", {"name": f"k{i}", "enabled": True})
                ok += st < 300
            except (ConnectionError, http.client.HTTPException, OSError):
                pass
        st, _, b = request(MOTO.url, "GET", "/apikeys", headers={"Authorization": auth("apigateway")})
        self.assertEqual(len(json.loads(b)["item"]), ok)
        self.assertLess(ok, 30)

    def test_fault_after_forward_applies_upstream(self):
        p = self.proxy(quotas=False, fault_rate=0.5, faults="500,reset", seed=3,
                       fault_after_forward=True)
        ok = 0
        for i in range(20):
            try:
                st, _, _ = apigw(p.url, "POST", "/apikeys", {"name": f"k{i}", "enabled": True})
                ok += st < 300
            except (ConnectionError, http.client.HTTPException, OSError):
                pass
        st, _, b = request(MOTO.url, "GET", "/apikeys", headers={"Authorization": auth("apigateway")})
        self.assertEqual(len(json.loads(b)["item"]), 20)  # every one was applied
        self.assertLess(ok, 20)
        s = p.stats()
        self.assertEqual(s["faults_after_forward"], 20 - ok)
        self.assertEqual(s["forwarded"], 20)

    def test_lose_answers_the_named_operation_after_forwarding_it(self):
        p = self.proxy(quotas=False, lose="CreateApiKey:2")
        codes = [apigw(p.url, "POST", "/apikeys", {"name": f"k{i}", "enabled": True})[0]
                 for i in range(3)]
        self.assertEqual(codes[:2], [500, 500])
        self.assertLess(codes[2], 300)
        st, _, b = request(MOTO.url, "GET", "/apikeys", headers={"Authorization": auth("apigateway")})
        self.assertEqual(len(json.loads(b)["item"]), 3)  # the lost ones were made
        self.assertEqual(apigw(p.url, "GET", "/restapis")[0], 200)  # other operations pass
        self.assertEqual(p.stats()["lost_answers"], {"CreateApiKey": 2})

    def test_lost_faults_are_carried_out_upstream_then_answered_500_or_reset(self):
        p = self.proxy(quotas=False, fault_rate=1.0, faults="lost", seed=3)
        self.assertEqual(apigw(p.url, "POST", "/apikeys", {"name": "lost", "enabled": True})[0], 500)
        st, _, b = request(MOTO.url, "GET", "/apikeys", headers={"Authorization": auth("apigateway")})
        self.assertIn("lost", [k["name"] for k in json.loads(b)["item"]])
        s = p.stats()
        self.assertEqual(s["faults"]["500"], 1)
        self.assertEqual(s["faults_after_forward"], 1)

    def test_lose_names_api_gateway_v2_operations_apart(self):
        p = self.proxy(quotas=False, lose="v2/CreateApi")
        self.assertLess(apigw(p.url, "POST", "/restapis", {"name": "rest"})[0], 300)
        st = apigw(p.url, "POST", "/v2/apis", {"name": "http", "protocolType": "HTTP"})[0]
        self.assertEqual(st, 500)
        self.assertEqual(p.stats()["lost_answers"], {"v2/CreateApi": 1})

    def test_slow(self):
        p = self.proxy(quotas=False, fault_rate=1.0, faults="slow", seed=1)
        t0 = time.monotonic()
        st, _, _ = apigw(p.url, "GET", "/restapis")
        dt = time.monotonic() - t0
        self.assertEqual(st, 200)
        self.assertGreaterEqual(dt, 1.0)
        self.assertLess(dt, 3.5)
        self.assertEqual(p.stats()["faults"]["slow"], 1)


class TestScript(ProxyCase):
    def test_cli_stats_file_and_signals(self):
        stats = os.path.join(self.tmp, "stats.json")
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "quota_proxy.py"), "--listen", "127.0.0.1:0",
             "--upstream", MOTO.url, "--stats-file", stats, "--fault-rate", "0.3",
             "--faults", "500,503", "--seed", "11"],
            stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline().strip()
            self.assertTrue(line.startswith("listening on http://127.0.0.1:"), line)
            url = line.split()[-1]
            self.assertNotEqual(url.rsplit(":", 1)[1], "0")
            seen = {}
            for _ in range(30):  # within the account burst (40): no throttling
                st = apigw(url, "GET", "/restapis")[0]
                seen[st] = seen.get(st, 0) + 1
            st = apigw(url, "POST", "/restapis", {"name": "x"})[0]
            seen[st] = seen.get(st, 0) + 1
            proc.send_signal(signal.SIGUSR1)
            deadline = time.time() + 5
            while time.time() < deadline:
                with open(stats) as f:
                    s = json.load(f)
                if s["aws_requests"] == 31:
                    break
                time.sleep(0.05)
            self.assertEqual(s["aws_requests"], 31)
            self.assertEqual(s["operations"]["GetRestApis"], 30)
            self.assertEqual(s["faults"]["500"], seen.get(500, 0))
            self.assertEqual(s["faults"]["503"], seen.get(503, 0))
            self.assertEqual(s["faults"]["500"] + s["faults"]["503"] + s["forwarded"], 31)
            self.assertEqual(s["throttled"], 0)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
            proc.stdout.close()
        self.assertEqual(proc.returncode, 0)
        with open(stats) as f:
            final = json.load(f)
        self.assertEqual(final["aws_requests"], 31)
        self.assertEqual(final["responses"].get("500", 0), final["faults"]["500"])
        self.assertEqual(final["responses"].get("503", 0), final["faults"]["503"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
