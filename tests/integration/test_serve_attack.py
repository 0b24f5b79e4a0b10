#!/usr/bin/python3
"""emailauth serve under hostile clients, on loopback only and bounded in time and
connections (tests/integration/serve_attack.py): malformed requests, each answered with
every security header; slowloris from 20 addresses while a legitimate client measures
/healthz and runs checks; a flood of slow checks from 20 addresses (a zone whose name
server never answers) that must not keep the legitimate client out."""
import os
import socket
import sys
import time
import urllib.parse

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed  # noqa: E402
import serve_data  # noqa: E402
from serve_attack import (CheckFlood, Legitimate, Slowloris, attacker_ips, missing_headers,  # noqa: E402
                          parse_response, percentile, raw_exchange)
from tap import ok, done  # noqa: E402

# Generous for a loaded 2-core CI machine under ASan; bench/serve_attack.py measures the
# real figures (docs/performance.md).
HEALTH_P99_MAX_S = 0.5
OK_T = serve_data.OK_T
GOOD_CHECK = "/api/v1/ses?" + urllib.parse.urlencode({"domain": "ok-shop.com", "tokens": ",".join(OK_T)})
SLOW_CHECK = "/api/v1/ses?" + urllib.parse.urlencode({"domain": "slow-shop.com", "tokens": "abc"})

def clean_exit(s, what):
    """The server stopped with 0 and no sanitizer report (the ASan+UBSan build)."""
    code = s.stop()
    log = "".join(s.log)
    ok(code == 0 and "runtime error" not in log and "Sanitizer" not in log,
       "%s: the server exits 0 with no sanitizer report" % what, (code, log[-800:]))


MALFORMED = [
    # (what, request bytes, statuses accepted)
    ("1,000 query parameters", b"GET /api/v1/ses?" + b"&".join(b"a%d=1" % i for i in range(1000)) +
     b" HTTP/1.1\r\nHost: x\r\n\r\n", (414, 431)),
    ("two Content-Length", b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
     b"Content-Length: 6\r\n\r\nFrom:", (400,)),
    ("HTTP/1.1 without Host (RFC 9112 3.2)", b"GET / HTTP/1.1\r\n\r\n", (400,)),
    ("two Host headers", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", (400,)),
    ("%00 in the path", b"GET /static/app.js%00.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,)),
    ("HTTP/2.0 on the request line", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", (505,)),
    ("HTTP/3 garbage version", b"GET / HTTP/x.y\r\nHost: x\r\n\r\n", (400,)),
    ("Content-Length and Transfer-Encoding", b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (400,)),
    ("a chunked body", b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"5\r\nFrom:\r\n0\r\n\r\n", (411,)),
    ("a header without a colon", b"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", (400,)),
    ("a space before the colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", (400,)),
    ("a folded header line", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n", (400,)),
    ("bare LF line ends", b"GET / HTTP/1.1\nHost: x\n\n", (400, 408)),
    ("a NUL in a header", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", (400,)),
    ("a request line of 40 KB", b"GET /?" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", (414,)),
    ("a header of 40 KB", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"c" * 40000 + b"\r\n\r\n", (431,)),
    ("100 header lines", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(100)) +
     b"\r\n", (431,)),
    ("a method of 40 letters", b"A" * 40 + b" / HTTP/1.1\r\nHost: x\r\n\r\n", (501,)),
    ("an unknown expectation", b"GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", (417,)),
    ("an absolute-form target", b"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", (400,)),
    ("a broken percent-escape", b"GET /?domain=%zz HTTP/1.1\r\nHost: x\r\n\r\n", (400,)),
    ("an unknown path", b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", (404,)),
    ("a wrong method", b"DELETE /api/v1/ses HTTP/1.1\r\nHost: x\r\n\r\n", (405,)),
    ("invalid punycode xn--zzzzzzz-.example", b"GET /api/v1/spf?domain=xn--zzzzzzz-.example HTTP/1.1\r\n"
     b"Host: x\r\n\r\n", (400,)),
    ("invalid punycode xn--.example", b"GET /api/v1/spf?domain=xn--.example HTTP/1.1\r\nHost: x\r\n\r\n", (400,)),
    ("HTTP/1.0 without Host is fine", b"GET /healthz HTTP/1.0\r\n\r\n", (200,)),
]

with Bed(serve_data.zones(), timeout_zones=["slow-shop.com"]) as bed:
    os.environ["EMAILAUTH_SERVE_IDLE_TIMEOUT"] = "2"   # the request deadline too: 408 within seconds
    try:
        with serve_data.Server("--resolver", bed.resolver, "--timeout", "2", "--rate", "1000") as s:
            for what, data, want in MALFORMED:
                st, h, body, _ = raw_exchange(s.port, data, timeout=8)
                miss = missing_headers(h)
                ok(st in want and not miss and h.get("connection") == "close",
                   "%s: %s, with every security header" % (what, "/".join(map(str, want))),
                   "%s %s %s" % (st, miss, body[:120]))
            st, h, body, _ = raw_exchange(s.port, b"GET /static/app.js%00.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            ok(b"ea-copy" not in body, "/static/app.js%00.txt does not serve app.js", body[:80])
            st, h, body, _ = raw_exchange(s.port, b"GET /api/v1/ses?domain=x HTTP/1.1\r\nHo", shut=True)
            ok(st == 400 and not missing_headers(h), "a head cut short by the client: 400", st)
            st, h, body, dt = raw_exchange(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ")
            ok(st == 408 and not missing_headers(h) and dt < 6, "a stalled head: 408 at the deadline", (st, dt))
            st, h, body, dt = raw_exchange(s.port, b"GET /?x=", dribble=b"a", dribble_every=0.3)
            ok(st == 408 and not missing_headers(h) and dt < 6,
               "a head sent one byte at a time: 408 at the deadline, however steady", (st, dt))
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # one segment per piece
            answer = b""
            for piece in range(200):     # the server may see fewer pieces than sent
                try:
                    sock.sendall(b"X-%d: 1\r\n" % piece if piece else b"GET / HTTP/1.1\r\nHost: x\r\n")
                    time.sleep(0.01)
                    sock.setblocking(False)
                    answer += sock.recv(65536)
                except (BlockingIOError, socket.timeout):
                    pass
                except OSError:
                    break
                finally:
                    sock.setblocking(True)
                if answer:
                    break
            sock.close()
            st, h, body = parse_response(answer)
            ok(st == 400 and not missing_headers(h) and b"too many pieces" in body,
               "a head in a great many pieces: 400 (each piece costs a read of the whole head)",
               (st, answer[:100]))
            st, h, body, dt = raw_exchange(s.port, b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\n"
                                           b"Content-Length: 5000\r\n\r\nFrom: a", dribble=b"x", dribble_every=0.3)
            ok(st == 408 and not missing_headers(h) and dt < 6,
               "a body sent one byte at a time: 408 at the request deadline", (st, dt))
            st, h, body, _ = raw_exchange(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                          b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
            ok(st == 200 and h.get("connection") == "close" and body.count(b"HTTP/1.1") == 0,
               "pipelined requests: the first is answered and the connection closed", body[:200])
            # One address cannot take every check slot (--max-concurrent 8: 2 per address).
            flood = CheckFlood(s.port, ["127.0.0.9"], 3, SLOW_CHECK, pause=5)
            with flood:
                time.sleep(1.0)
            ok(flood.statuses.get(503, 0) >= 1 and flood.statuses.get(200, 0) == 2,
               "a third slow check from one address: 503 at once, the first two run", flood.statuses)
            clean_exit(s, "malformed requests")
    finally:
        del os.environ["EMAILAUTH_SERVE_IDLE_TIMEOUT"]

    # Slowloris: 20 addresses x 32 unfinished heads, one byte a second each, for 6 s.
    with serve_data.Server("--resolver", bed.resolver, "--timeout", "3", "--rate", "1000") as s:
        loris = Slowloris(s.port, attacker_ips(20), 32, interval=1.0)
        with loris:
            time.sleep(1.0)      # every connection opened and holding
            with Legitimate(s.port, GOOD_CHECK, check_every=0.5) as legit:
                time.sleep(5.0)
        health = [dt for st, dt in legit.health if st == 200]
        p99 = percentile(health, 99)
        ok(len(health) == len(legit.health) and len(health) >= 20 and p99 is not None and
           p99 < HEALTH_P99_MAX_S, "slowloris from 20 addresses: /healthz answered, p99 %.1f ms (%d)" %
           ((p99 or 0) * 1000, len(health)), legit.health[:20])
        ok(legit.checks and all(st == 200 for st, _ in legit.checks),
           "slowloris: the legitimate client's checks are served", legit.checks)
        ok(not legit.missing, "slowloris: every response has the security headers", legit.missing[:5])
        ok(loris.opened >= 600, "slowloris: %d connections opened, %d closed by the server" %
           (loris.opened, loris.closed_by_server))
        clean_exit(s, "slowloris")

    # Slow checks from 20 addresses (each waits out the deadline), 2 in flight per address.
    with serve_data.Server("--resolver", bed.resolver, "--timeout", "2", "--rate", "1000",
                           "--max-concurrent", "8") as s:
        flood = CheckFlood(s.port, attacker_ips(20), 2, SLOW_CHECK)
        with flood:
            time.sleep(0.5)
            with Legitimate(s.port, GOOD_CHECK, check_every=0.5) as legit:
                time.sleep(7.0)
        served = [st for st, _ in legit.checks]
        slowest = max((dt for _, dt in legit.checks), default=0)
        ok(served and all(st == 200 for st in served),
           "slow-check flood from 20 addresses: the legitimate client's %d checks are served "
           "(slowest %.1f s)" % (len(served), slowest), legit.checks)
        health = [dt for st, dt in legit.health if st == 200]
        p99 = percentile(health, 99)
        ok(len(health) == len(legit.health) and p99 is not None and p99 < HEALTH_P99_MAX_S,
           "slow-check flood: /healthz p99 %.1f ms" % ((p99 or 0) * 1000), legit.health[:10])
        ok(not legit.missing, "slow-check flood: every response has the security headers", legit.missing[:5])
        ok(flood.statuses.get(200, 0) > 0 and flood.statuses.get(503, 0) > 0 and None not in flood.statuses,
           "the flood itself is served in turn or refused with 503, never dropped", flood.statuses)
        clean_exit(s, "slow-check flood")
done()
