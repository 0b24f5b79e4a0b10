"""Hostile clients for emailauth serve, on loopback only (127.0.0.0/8): shared by
tests/integration/test_serve_attack.py and bench/serve_attack.py. Every client here
is bounded in time and in connections."""
import http.client
import socket
import threading
import time

# The headers every response carries (docs/serve.md), name -> a part of the value.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=()",
    "cache-control": "",
}


def attacker_ips(n, first=2):
    """n loopback source addresses other than 127.0.0.1 (the legitimate client's)."""
    return ["127.0.0.%d" % (first + i) for i in range(n)]


def missing_headers(headers):
    """The security headers absent from a response's headers (a dict, names lower case)."""
    return [k for k, v in SECURITY_HEADERS.items() if k not in headers or v not in headers[k]]


def parse_response(raw):
    """(status, headers dict with lower-case names, body) of raw response bytes, or
    (None, {}, raw) when they are not an HTTP response."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2) if lines else []
    if not sep or len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        return None, {}, raw
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return int(parts[1]), headers, body


def raw_exchange(port, data, timeout=10.0, shut=False, dribble=None, dribble_every=0.5):
    """Sends data (then, optionally, one byte of dribble every dribble_every seconds),
    reads until the server closes; returns (status, headers, body, seconds)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=min(timeout, dribble_every))
    t0 = time.monotonic()
    out = b""
    try:
        try:
            sock.sendall(data)
            if shut:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        while time.monotonic() - t0 < timeout:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                if dribble:
                    try:
                        sock.sendall(dribble)
                    except OSError:
                        pass
                continue
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        sock.close()
    st, h, body = parse_response(out)
    return st, h, body, time.monotonic() - t0


def request(port, method, path, src="127.0.0.1", timeout=20.0, body=None):
    """One request on its own connection from src; (status, headers, body, seconds);
    status None when the connection failed or timed out."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(src, 0))
    try:
        c.request(method, path, body=body)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data, time.monotonic() - t0
    except (OSError, http.client.HTTPException):
        return None, {}, b"", time.monotonic() - t0
    finally:
        c.close()


class Slowloris:
    """per_ip connections from each address in ips, each sending an unfinished request
    head one byte every interval seconds; reconnects what the server closes, up to
    max_reconnects in all. Counts what it opened and what the server closed."""

    def __init__(self, port, ips, per_ip, interval=1.0, max_reconnects=5000):
        self.port, self.ips, self.per_ip, self.interval = port, ips, per_ip, interval
        self.max_reconnects = max_reconnects
        self.opened = self.closed_by_server = self.answered = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, ip):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.bind((ip, 0))
            s.connect_ex(("127.0.0.1", self.port))
            self.opened += 1
            return [s, ip, False]
        except OSError:
            return None

    def _run(self):
        conns = [c for ip in self.ips for c in [self._open(ip) for _ in range(self.per_ip)] if c]
        reconnects = 0
        while not self.stop.is_set():
            for c in conns:
                s = c[0]
                try:
                    s.send(b"GET /?x=" if not c[2] else b"a")
                    c[2] = True
                except BlockingIOError:
                    pass
                except OSError:
                    c[2] = None
                try:
                    data = s.recv(4096)     # an answer (408, 503) or the end: closed
                    self.answered += data.startswith(b"HTTP/1.1 ")
                    c[2] = None
                except BlockingIOError:
                    pass
                except OSError:
                    c[2] = None
                if c[2] is None:
                    self.closed_by_server += 1
                    s.close()
                    fresh = self._open(c[1]) if reconnects < self.max_reconnects else None
                    reconnects += 1
                    c[:] = fresh if fresh else [socket.socket(), c[1], None]
                    if not fresh:
                        c[0].close()
            self.stop.wait(self.interval)
        for c in conns:
            c[0].close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


class Threads:
    """Runs self.threads from `with` until its end (self.stop)."""

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=40)


class CheckFlood(Threads):
    """From each address in ips, per_ip checks of path kept in flight at once (a new
    one as soon as one is answered, after pause seconds); counts the answers."""

    def __init__(self, port, ips, per_ip, path, pause=0.2):
        self.port, self.path, self.pause = port, path, pause
        self.stop = threading.Event()
        self.statuses = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(ip,), daemon=True)
                        for ip in ips for _ in range(per_ip)]

    def _run(self, ip):
        while not self.stop.is_set():
            st, _, _, _ = request(self.port, "GET", self.path, src=ip, timeout=30)
            with self.lock:
                self.statuses[st] = self.statuses.get(st, 0) + 1
            self.stop.wait(self.pause)


class Legitimate(Threads):
    """The client who should not notice the attack: GET /healthz every health_every
    seconds (latency recorded) and a check every check_every seconds, from 127.0.0.1."""

    def __init__(self, port, check_path, health_every=0.05, check_every=1.0):
        self.port, self.check_path = port, check_path
        self.health_every, self.check_every = health_every, check_every
        self.health = []        # (status, seconds)
        self.checks = []        # (status, seconds)
        self.missing = []       # responses without every security header
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._health, daemon=True),
                        threading.Thread(target=self._checks, daemon=True)]

    def _note(self, st, h, what):
        miss = missing_headers(h)
        if st is not None and miss:
            self.missing.append((what, st, miss))

    def _health(self):
        while not self.stop.is_set():
            st, h, _, dt = request(self.port, "GET", "/healthz", timeout=10)
            self.health.append((st, dt))
            self._note(st, h, "healthz")
            self.stop.wait(self.health_every)

    def _checks(self):
        while not self.stop.is_set():
            st, h, _, dt = request(self.port, "GET", self.check_path, timeout=30)
            self.checks.append((st, dt))
            self._note(st, h, "check")
            self.stop.wait(self.check_every)


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]
