#!/usr/bin/python3
"""emailauth serve's /metrics (Prometheus text exposition format 0.0.4) and /openapi.yaml,
against a real server on 127.0.0.1 and real DNS servers (tests/integration/bed.py):
checks counted by kind and status, the duration histogram, refusals by the rate limit
(429) and for overload (503), DNS queries and cache hits; no domain, token or address in
any line; the OpenAPI document is docs/openapi.yaml byte for byte."""
import os
import re
import sys
import threading
import time
import urllib.parse

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed  # noqa: E402
import serve_data  # noqa: E402
from tap import ok, done  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? (-?[0-9.]+(?:e[+-]?[0-9]+)?|\+Inf|NaN)$')


def parse(text):
    """{(name, labels): value}, and the families declared by # TYPE; None on a bad line."""
    samples, types, bad = {}, {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line.startswith("#"):
            continue
        else:
            m = SAMPLE.match(line)
            if not m:
                bad.append(line)
                continue
            samples[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return samples, types, bad


def metrics(s):
    st, h, body = s.get("/metrics")
    return st, h, body.decode("utf-8", "replace")


def val(samples, name, labels=""):
    return samples.get((name, labels))


def q(**params):
    return urllib.parse.urlencode(params)


zones = serve_data.zones()
OK_T = serve_data.OK_T
with Bed(zones, timeout_zones=["slow-shop.com"]) as bed:
    with serve_data.Server("--resolver", bed.resolver, "--timeout", "3", "--rate", "3",
                           "--max-concurrent", "1") as s:
        st, h, text = metrics(s)
        samples, types, bad = parse(text)
        ok(st == 200 and h.get("content-type", "").startswith("text/plain; version=0.0.4"),
           "GET /metrics: 200, text/plain; version=0.0.4", "%d %s" % (st, h.get("content-type")))
        ok(not bad and samples, "every line is a comment or a well-formed sample", bad[:5])
        want = {"emailauth_checks_total": "counter", "emailauth_check_duration_seconds": "histogram",
                "emailauth_refused_total": "counter", "emailauth_dns_queries_total": "counter",
                "emailauth_dns_cache_hits_total": "counter", "emailauth_checks_running": "gauge"}
        ok(all(types.get(k) == v for k, v in want.items()), "the families and their types", types)
        ok(val(samples, "emailauth_checks_total", '{kind="ses",status="pass"}') == 0,
           "no checks yet: the counters are there at 0")

        # A check that passes, one that times out (could not determine), one refused while
        # that one runs (overload), one past the rate.
        st, _, _ = s.get("/api/v1/ses?" + q(domain="ok-shop.com", tokens=",".join(OK_T)))
        ok(st == 200, "a ses check ran", st)
        slow = {}
        t = threading.Thread(target=lambda: slow.update(r=s.get("/api/v1/ses?" + q(domain="slow-shop.com",
                                                                                   tokens="abc"))))
        t.start()
        deadline = time.time() + 5
        running = 0
        while time.time() < deadline and running < 1:
            running = val(parse(metrics(s)[2])[0], "emailauth_checks_running") or 0
            time.sleep(0.05)
        ok(running == 1, "emailauth_checks_running shows the check in flight", running)
        busy = s.get("/api/v1/spf?" + q(domain="ok-shop.com"))[0]
        t.join(timeout=15)
        limited = s.get("/api/v1/spf?" + q(domain="ok-shop.com"))[0]
        ok(busy == 503 and limited == 429, "one refused for overload (503), one past the rate (429)",
           (busy, limited))
        st, h, text = metrics(s)
        samples, types, bad = parse(text)
        ok(not bad, "still well-formed", bad[:5])
        ok(val(samples, "emailauth_checks_total", '{kind="ses",status="pass"}') == 1 and
           val(samples, "emailauth_checks_total", '{kind="ses",status="unknown"}') == 1 and
           val(samples, "emailauth_checks_total", '{kind="spf",status="pass"}') == 0,
           "checks by kind and status: ses pass 1, ses error (timed out) 1",
           [l for l in text.splitlines() if l.startswith("emailauth_checks_total")])
        ok(val(samples, "emailauth_refused_total", '{reason="rate_limit"}') == 1 and
           val(samples, "emailauth_refused_total", '{reason="overload"}') == 1,
           "refusals: rate_limit 1, overload 1")
        ok((val(samples, "emailauth_dns_queries_total") or 0) >= 3 and
           val(samples, "emailauth_dns_cache_hits_total") is not None,
           "DNS queries counted (%s), cache hits present (%s)" % (val(samples, "emailauth_dns_queries_total"),
                                                                 val(samples, "emailauth_dns_cache_hits_total")))
        buckets = sorted(((float(re.search(r'le="([^"]+)"', k[1]).group(1).replace("+Inf", "inf")), v)
                          for k, v in samples.items() if k[0] == "emailauth_check_duration_seconds_bucket"
                          and 'kind="ses"' in k[1]))
        count = val(samples, "emailauth_check_duration_seconds_count", '{kind="ses"}')
        total = val(samples, "emailauth_check_duration_seconds_sum", '{kind="ses"}')
        ok(buckets and all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])) and buckets[-1][1] == count == 2
           and total >= 2.0, "the ses duration histogram: cumulative, +Inf = count = 2, sum past the 3 s timeout-ish",
           (buckets, count, total))
        ok(val(samples, "emailauth_http_responses_total", '{code="2xx"}') >= 2, "responses by status class")
        leaks = [x for x in ("ok-shop.com", "slow-shop.com", OK_T[0], "127.0.0.1", bed.resolver.split(":")[0])
                 if x in text]
        ok(not leaks, "no domain, token or address in /metrics", leaks)

        st, h, body = s.get("/openapi.yaml")
        with open(os.path.join(SRC, "docs", "openapi.yaml"), "rb") as f:
            doc = f.read()
        ok(st == 200 and body == doc and h.get("content-type", "").startswith("application/yaml"),
           "GET /openapi.yaml: docs/openapi.yaml as built in, application/yaml", "%d %s" % (st, h.get("content-type")))
        try:
            import yaml
            spec = yaml.safe_load(body)
            ok("/metrics" in spec.get("paths", {}) and "/openapi.yaml" in spec.get("paths", {}),
               "the document describes /metrics and /openapi.yaml")
        except ImportError:
            print("# python3-yaml missing: the document is not parsed")
        st, h, _ = s.request("POST", "/metrics", body=b"x")
        ok(st == 405 and "GET" in h.get("allow", ""), "POST /metrics: 405 with Allow", st)
    log = "".join(s.log)
    ok(re.search(r"GET metrics 200", log) and re.search(r"GET openapi 200", log),
       "the log names the routes, as for the others", log[-400:])
done()
