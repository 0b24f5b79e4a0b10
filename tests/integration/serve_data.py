"""Shared by the serve tests (tests/integration/test_serve.py, tests/browser/): the zones
the server is checked against, hostile TXT records included, and a running server."""
import http.client
import os
import re
import signal
import subprocess
import threading

from bed import txt_rdata
import ses_data as sd

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
SCRIPT_XSS = "<script>alert(1)</script>"
ATTR_XSS = '"><img src=x onerror=alert(1)>'
OK_T = sd.tokens("serve-ok")        # ok-shop.com: three right CNAMEs
XSS_T = sd.tokens("serve-xss")      # xss-shop.com: two TXT records of markup, one right CNAME


def zones():
    """zone name -> text for Bed()."""
    keys = sd.Keys()
    keys.publish(OK_T)
    keys.publish(XSS_T[2:])
    out = {
        "ok-shop.com": sd.cnames(OK_T),
        "xss-shop.com": ("%s._domainkey 300 IN TXT %s\n" % (XSS_T[0], txt_rdata(SCRIPT_XSS)) +
                         "%s._domainkey 300 IN TXT %s\n" % (XSS_T[1], txt_rdata(ATTR_XSS)) +
                         sd.cnames(XSS_T[2:]) +
                         "@ 300 IN TXT %s\n" % txt_rdata("v=spf1 " + SCRIPT_XSS + " -all")),
    }
    out.update(keys.zones())
    return out


class Server:
    """emailauth serve on 127.0.0.1, a free port chosen by the kernel (--listen :0)."""

    def __init__(self, *args):
        # Tests may run as root (CI containers); serve refuses root without --allow-root.
        root = ["--allow-root"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([EMAILAUTH, "serve", "--listen", "127.0.0.1:0"] + root + list(args),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log = []
        line = self.proc.stderr.readline()
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("serve did not start: %r" % line)
        self.port = int(m.group(1))
        self.log.append(line)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def request(self, method, path, body=None, headers=None, timeout=20):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.reader.join(timeout=5)
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
