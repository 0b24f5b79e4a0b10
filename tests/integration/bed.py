"""A DNS test bed on loopback: Knot DNS serves the test zones and a generated root zone,
unbound iterates from that root, and the emailauth binary resolves through it exactly as
on the internet, without a packet leaving 127.0.0.0/8. Python 3 standard library only.

    from bed import Bed
    with Bed({"example.com": ZONE_TEXT, "amazonses.com": ZONE_TEXT}, **options) as bed:
        code, out, err = bed.run("ses", "example.com", "--tokens", T, "--format", "json")
        bed.resolver      # "127.a.b.53:10053", the unbound resolver
        bed.auth_ip       # "127.a.b.1", the main Knot server (serves every zone given)
        bed.update_zone("example.com", new_text)   # rewrite, knotc zone-reload, wait served

run(*args, input=None, timeout_s=None) runs $EMAILAUTH args[0] --resolver bed.resolver
[--timeout T] args[1:] and returns (exit code, stdout, stderr) as text; input (str or
bytes) goes to stdin. --resolver / --timeout are added only when args lack them.
command(*args) returns that argv without running it.

Addresses: each Bed reserves a random 127.a.b.0/24 (a lock file in /tmp/ea-bed-locks, held
while the Bed lives), so concurrent test runs never collide. Authoritative servers listen on
port 53 of their own address (so run as root), as the tool reaches them by NS address:
    127.a.b.1    main Knot: every zone given                        bed.auth_ip
    127.a.b.2    second Knot: the `secondaries` copies; it answers REFUSED for any other
                 zone (started only when secondaries or refused_zones are given)
    127.a.b.9    black hole: a socket on port 53 that never answers  bed.blackhole_ip
    127.a.b.100  root Knot: the generated root zone "."              bed.root_ip
    127.a.b.53   unbound, port 10053                                 bed.resolver
Everything lives in one temp dir, removed at exit. Every server runs in the foreground as
a child that the kernel kills if this process dies (PR_SET_PDEATHSIG); Knot is stopped with
knotc, unbound with SIGTERM, both killed if they linger. Readiness is a kdig query, never a
blind sleep.

Zone text: `$ORIGIN <zone>.` and `$TTL 300` are put before it (the text may set its own).
When it has no SOA the bed adds `<zone>. 60 SOA ns.<zone>. hostmaster.<zone>. SERIAL 3600
600 86400 60` (negative TTL 60 s); when it has no NS at the apex the bed adds
`<zone>. NS ns.<zone>.` with `ns.<zone>. A <main>` (plus ns2 at the second server for a zone
with a secondary). Give apex NS yourself only with names that resolve. Every written zone
also holds `_bed-version.<zone>. 0 TXT "N"`, the marker polled to know that text is served.
Zones below another given zone are delegated from it (NS + glue added to the parent); the
others from the root. Knot loads data other servers would warn about (semantic checks off):
TXT with markup, control bytes written \\DDD, records far over 512 bytes (see txt_rdata()).

Options (keyword arguments):
  secondaries={zone: text}  the zone is also served by the second Knot with this (older,
                            lagging) text. Both copies' NS sets list ns.<zone> (main) and
                            ns2.<zone> (second). The delegation names ns2 only, so unbound
                            always sees the lagging copy, while a direct query to each name
                            server shows the difference. The zone must also be in `zones`.
  timeout_zones=[zone]      delegated to the black hole: every lookup below it times out
                            (unbound may answer SERVFAIL once it gives up).
  refused_zones=[zone]      delegated to the second Knot, which does not serve it and
                            answers REFUSED: unbound answers SERVFAIL.
  timeout_names=[name]      unbound drops every query for the name and the names below it
                            (local-zone deny): exactly that name times out.
  transparent_names=[name]  names below a timeout name that must still resolve
                            (local-zone transparent).
  timeout=5                 --timeout SECONDS given to run() unless the args have one.
  binary=None               the emailauth program; default $EMAILAUTH.
  keep=False                keep the temp dir after exit (its path goes to stderr).

Limit: Knot 3.2 refuses to load a zone with a CNAME next to other data at one name (a
mandatory check), so a name holding a CNAME and a TXT cannot be served.
"""
import atexit
import ctypes
import errno
import fcntl
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

LOCK_DIR = "/tmp/ea-bed-locks"
SUBNET_TRIES = 200
MAIN_HOST, SECOND_HOST, BLACKHOLE_HOST, ROOT_HOST, RESOLVER_HOST = 1, 2, 9, 100, 53
AUTH_PORT = 53
RESOLVER_PORT = 10053
NEGATIVE_TTL = 60            # SOA minimum of added SOAs: how long NXDOMAIN is cached
READY_TIMEOUT_S = 20         # a server that is not answering by then has failed
POLL_INTERVAL_S = 0.05
STOP_TIMEOUT_S = 5
RUN_TIMEOUT_MARGIN_S = 30    # run(): the binary's own --timeout plus this
TXT_STRING_MAX = 255         # RFC 1035 3.3: one <character-string>
MARKER = "_bed-version"
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """In the child before exec: the kernel kills it when the test process dies."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _tool(name):
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    p = shutil.which(name)
    if p is None:
        raise RuntimeError("bed: %s is not installed (run scripts/install-deps.sh)" % name)
    return p


def txt_rdata(data):
    """Zone-file RDATA for a TXT of any length: quoted strings of at most 255 bytes, with
    quote, backslash and every byte outside printable ASCII written as \\DDD."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    parts = []
    for i in range(0, max(len(data), 1), TXT_STRING_MAX):
        chunk = data[i:i + TXT_STRING_MAX]
        parts.append('"' + "".join(chr(c) if 0x20 <= c < 0x7f and c not in (0x22, 0x5c)
                                   else "\\%03d" % c for c in chunk) + '"')
    return " ".join(parts)


def _norm(name):
    return name.strip().rstrip(".").lower()


def _is_below(name, parent):
    """name is parent or a name under it ("" is the root)."""
    return parent == "" or name == parent or name.endswith("." + parent)


_CLASSES = {"IN", "CH", "HS", "CS"}


def _apex_types(zone, text):
    """Record types the text puts at the zone apex, and whether it has any SOA. A rough
    reading of zone-file syntax, enough to know whether the bed must add SOA/NS."""
    apex, soa, owner, depth = set(), False, None, 0
    for raw in text.splitlines():
        line = re.sub(r'"(\\.|[^"\\])*"', '""', raw).split(";", 1)[0]
        if not line.strip():
            continue
        inside = depth > 0
        depth += line.count("(") - line.count(")")
        if inside or line.lstrip().startswith("$"):
            continue
        tokens = line.split()
        if not line[0].isspace():
            owner = tokens.pop(0)
        while tokens and (tokens[0][0].isdigit() or tokens[0].upper() in _CLASSES):
            tokens.pop(0)
        if not tokens:
            continue
        rtype = tokens[0].upper()
        if rtype == "SOA":
            soa = True
        if owner == "@" or (owner is not None and owner.endswith(".") and _norm(owner) == zone):
            apex.add(rtype)
    return apex, soa


class _Knot:
    """One knotd: its config, zone files, process."""

    def __init__(self, name, ip, workdir):
        self.name, self.ip = name, ip
        self.dir = os.path.join(workdir, name)
        self.zone_dir = os.path.join(self.dir, "zones")
        os.makedirs(self.zone_dir)
        self.conf = os.path.join(self.dir, "knot.conf")
        self.log = os.path.join(self.dir, "knotd.log")
        self.zones = {}          # zone -> version of the text last written
        self.proc = None
        self.log_seen = 0        # log bytes before the last write: errors after it are news

    def zone_path(self, zone):
        return os.path.join(self.zone_dir, (zone or "root") + ".zone")

    def write_zone(self, zone, text, version):
        self.log_seen = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        tmp = self.zone_path(zone) + ".tmp"
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        os.replace(tmp, self.zone_path(zone))
        self.zones[zone] = version

    def start(self):
        zone_conf = "".join('  - domain: "%s."\n    file: "%s"\n' % (z, self.zone_path(z))
                            if z else '  - domain: "."\n    file: "%s"\n' % self.zone_path(z)
                            for z in sorted(self.zones))
        with open(self.conf, "w") as f:
            f.write("server:\n"
                    '    rundir: "%s"\n'
                    "    listen: %s@%d\n"
                    "    udp-workers: 1\n"
                    "    tcp-workers: 1\n"
                    "    background-workers: 1\n"
                    "log:\n"
                    '  - target: "%s"\n'
                    "    any: info\n"
                    "database:\n"
                    '    storage: "%s"\n'
                    "control:\n"
                    '    listen: "%s"\n'
                    "template:\n"
                    "  - id: default\n"
                    "    semantic-checks: off\n"
                    "    zonefile-sync: -1\n"
                    "    zonefile-load: whole\n"
                    "    journal-content: none\n"
                    "%s" % (self.dir, self.ip, AUTH_PORT, self.log,
                                   os.path.join(self.dir, "db"),
                                   os.path.join(self.dir, "knot.sock"),
                                   "zone:\n" + zone_conf if zone_conf else ""))
        with open(os.path.join(self.dir, "knotd.out"), "wb") as out:
            self.proc = subprocess.Popen([_tool("knotd"), "-c", self.conf], stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         preexec_fn=_die_with_parent)

    def knotc(self, *args):
        return subprocess.run([_tool("knotc"), "-c", self.conf, "-t", str(STOP_TIMEOUT_S)] + list(args),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=STOP_TIMEOUT_S + 5)

    def load_errors(self):
        """Zone load failures Knot logged since the last write."""
        try:
            with open(self.log, "rb") as f:
                f.seek(self.log_seen)
                new = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(l for l in new.splitlines() if " error: " in l and "zone" in l)

    def log_tail(self):
        text = ""
        for p in (self.log, os.path.join(self.dir, "knotd.out")):
            try:
                with open(p, errors="replace") as f:
                    text += "".join(f.readlines()[-20:])
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.knotc("stop")
                self.proc.wait(STOP_TIMEOUT_S)
            except (subprocess.TimeoutExpired, OSError):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _udp_port_bound(ip, port):
    """True if some socket is bound to ip:port (UDP, IPv4), as /proc/net/udp lists it:
    the address as the kernel prints a network-order u32 read natively, the port in hex."""
    want = "%08X:%04X" % (struct.unpack("=I", socket.inet_aton(ip))[0], port)
    try:
        with open("/proc/net/udp") as f:
            next(f)
            return any(line.split()[1] == want for line in f)
    except OSError:
        return False


class Bed:
    def __init__(self, zones, secondaries=None, timeout_zones=(), refused_zones=(),
                 timeout_names=(), transparent_names=(), timeout=5, binary=None, keep=False,
                 unbound_queries=64):
        self._zone_text = {_norm(z): t for z, t in zones.items()}
        self._second_text = {_norm(z): t for z, t in (secondaries or {}).items()}
        for z in self._second_text:
            if z not in self._zone_text:
                raise ValueError("bed: secondary zone %s is not among the zones" % z)
        self._timeout_zones = [_norm(z) for z in timeout_zones]
        self._refused_zones = [_norm(z) for z in refused_zones]
        self._timeout_names = [_norm(n) for n in timeout_names]
        self._transparent_names = [_norm(n) for n in transparent_names]
        self.timeout = timeout
        self.binary = binary or os.environ.get("EMAILAUTH")
        self.keep = keep
        # Recursions unbound works on at once; past it, queries are dropped (benchmarks
        # with hundreds in flight raise it).
        self._unbound_queries = unbound_queries
        self.dir = None
        self._lock_fd = None
        self._knots = {}
        self._unbound = None
        self._blackhole = []
        self._version = 0
        self._children = None       # parent zone -> [(child, delegation)], built once
        self._old_sigterm = None

    # -- addresses --------------------------------------------------------------------
    def _ip(self, host):
        return "127.%d.%d.%d" % (self._net[0], self._net[1], host)

    def _reserve_subnet(self):
        os.makedirs(LOCK_DIR, mode=0o1777, exist_ok=True)
        rng = random.SystemRandom()
        for _ in range(SUBNET_TRIES):
            net = (rng.randint(1, 254), rng.randint(0, 255))
            fd = os.open(os.path.join(LOCK_DIR, "127.%d.%d" % net), os.O_CREAT | os.O_RDWR, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self._net = net
            if self._addresses_free():
                self._lock_fd = fd
                return
            os.close(fd)
        raise RuntimeError("bed: no free 127.a.b.0/24 found (is a DNS server listening on 0.0.0.0:53?)")

    def _addresses_free(self):
        """Someone not using the lock may hold the ports: try binding them."""
        want = [(self._ip(h), AUTH_PORT) for h in (MAIN_HOST, SECOND_HOST, BLACKHOLE_HOST, ROOT_HOST)]
        want.append((self._ip(RESOLVER_HOST), RESOLVER_PORT))
        for addr in want:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, kind)
                try:
                    s.bind(addr)
                except OSError as e:
                    if e.errno == errno.EACCES:
                        raise RuntimeError("bed: binding port 53 needs root") from e
                    return False
                finally:
                    s.close()
        return True

    @property
    def auth_ip(self):
        return self._ip(MAIN_HOST)

    @property
    def second_ip(self):
        return self._ip(SECOND_HOST)

    @property
    def blackhole_ip(self):
        return self._ip(BLACKHOLE_HOST)

    @property
    def root_ip(self):
        return self._ip(ROOT_HOST)

    @property
    def resolver(self):
        return "%s:%d" % (self._ip(RESOLVER_HOST), RESOLVER_PORT)

    # -- zones ------------------------------------------------------------------------
    def _all_delegated(self):
        """zone -> (NS host names, glue addresses) as the parent delegates it."""
        d = {}
        for z in self._zone_text:
            if z in self._second_text:
                d[z] = [("ns2." + z, self.second_ip)]
            else:
                d[z] = [("ns." + z, self.auth_ip)]
        for z in self._timeout_zones:
            d[z] = [("ns." + z, self.blackhole_ip)]
        for z in self._refused_zones:
            d[z] = [("ns." + z, self.second_ip)]
        return d

    def _parent_of(self, zone):
        """The closest given zone above zone, or "" (the root): its longest proper suffix
        among the zones (by label, so thousands of zones render in linear time)."""
        labels = zone.split(".") if zone else []
        for i in range(1, len(labels)):
            if ".".join(labels[i:]) in self._zone_text:
                return ".".join(labels[i:])
        return ""

    def _delegations_in(self, parent):
        # The zone set is fixed at construction: the children of every zone, once.
        if self._children is None:
            self._children = {}
            delegated = self._all_delegated()
            for child in sorted(delegated):
                self._children.setdefault(self._parent_of(child), []).append((child, delegated[child]))
        lines = []
        for child, servers in self._children.get(parent, []):
            if child != parent:
                for host, ip in servers:
                    lines.append("%s. 3600 IN NS %s." % (child, host))
                    lines.append("%s. 3600 IN A %s" % (host, ip))
        return lines

    def _render(self, zone, text, second):
        self._version += 1
        apex, has_soa = _apex_types(zone, text)
        extra = []
        if not has_soa:
            extra.append("%s. %d IN SOA ns.%s. hostmaster.%s. %d 3600 600 86400 %d"
                         % (zone, NEGATIVE_TTL, zone, zone, self._version, NEGATIVE_TTL))
        if "NS" not in apex:
            extra += ["%s. 3600 IN NS ns.%s." % (zone, zone), "ns.%s. 3600 IN A %s" % (zone, self.auth_ip)]
            if zone in self._second_text:
                extra += ["%s. 3600 IN NS ns2.%s." % (zone, zone),
                          "ns2.%s. 3600 IN A %s" % (zone, self.second_ip)]
        extra.append('%s.%s. 0 IN TXT "%d"' % (MARKER, zone, self._version))
        if not second:
            extra += self._delegations_in(zone)
        return ("$ORIGIN %s.\n$TTL 300\n%s\n; added by the test bed\n%s\n"
                % (zone, text, "\n".join(extra)), self._version)

    def _root_text(self):
        self._version += 1
        lines = ["$ORIGIN .", "$TTL 86400",
                 ". 86400 IN SOA a.root.bed. hostmaster.bed. %d 1800 900 604800 %d"
                 % (self._version, NEGATIVE_TTL),
                 ". 518400 IN NS a.root.bed.", "a.root.bed. 518400 IN A %s" % self.root_ip,
                 '%s. 0 IN TXT "%d"' % (MARKER, self._version)]
        return "\n".join(lines + self._delegations_in("")) + "\n", self._version

    # -- readiness --------------------------------------------------------------------
    def _markers(self, server, port, zones):
        """zone -> marker version served (kdig; zones not answering are left out)."""
        cmd = [_tool("kdig"), "@" + server, "-p", str(port), "+timeout=1", "+retry=0", "+noidn",
               "+noall", "+answer"]
        for z in zones:
            cmd += ["%s.%s." % (MARKER, z) if z else MARKER + ".", "TXT"]
        try:
            out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=10).stdout.decode("ascii", "replace")
        except subprocess.TimeoutExpired:
            return {}
        seen = {}
        for m in re.finditer(r'^%s\.(\S*)\s+\d+\s+IN\s+TXT\s+"(\d+)"' % re.escape(MARKER), out, re.M):
            seen[_norm(m.group(1))] = int(m.group(2))
        return seen

    @staticmethod
    def _wait_bound(ip, port, proc, what):
        """Until the server holds its UDP port. Read from /proc/net/udp, never by binding the
        port ourselves: a probe bind can take the port at the very moment the server binds
        it, and the server then exits (seen as a rare 'unbound did not start')."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _udp_port_bound(ip, port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bed: %s did not start (exit %s)" % (what, proc.returncode))
            time.sleep(POLL_INTERVAL_S / 5)

    def _wait_served(self, knot, zones, port=AUTH_PORT, server=None, what=None):
        deadline = time.monotonic() + READY_TIMEOUT_S
        want = {z: knot.zones[z] for z in zones}
        while want:
            seen = self._markers(server or knot.ip, port, list(want))
            if all(seen.get(z) == v for z, v in want.items()):
                return
            errors = knot.load_errors() if what is None else ""
            if errors:
                raise RuntimeError("bed: knotd %s cannot load a zone:\n%s" % (knot.name, errors))
            proc = knot.proc if what is None else self._unbound
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("bed: %s exited (%s)\n%s" % (what or "knotd " + knot.name,
                                                              proc.returncode, self._log_tail(what, knot)))
            if time.monotonic() > deadline:
                missing = [z or "." for z, v in want.items() if seen.get(z) != v]
                raise RuntimeError("bed: %s does not serve %s after %ds\n%s"
                                   % (what or "knotd " + knot.name, ", ".join(missing),
                                      READY_TIMEOUT_S, self._log_tail(what, knot)))
            time.sleep(POLL_INTERVAL_S)

    def _log_tail(self, what, knot):
        if what is None:
            return knot.log_tail()
        try:
            with open(os.path.join(self.dir, "unbound.log"), errors="replace") as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    # -- start and stop ---------------------------------------------------------------
    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _on_sigterm(self, signum, frame):
        raise SystemExit(128 + signum)

    def _start(self):
        self._reserve_subnet()
        self.dir = tempfile.mkdtemp(prefix="ea-bed-")
        atexit.register(self.close)
        try:
            self._old_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        except ValueError:          # not the main thread
            self._old_sigterm = None
        self._start_blackhole()
        root = self._knots["root"] = _Knot("root", self.root_ip, self.dir)
        root.write_zone("", *self._root_text())
        main = self._knots["main"] = _Knot("main", self.auth_ip, self.dir)
        for z, t in self._zone_text.items():
            main.write_zone(z, *self._render(z, t, False))
        if self._second_text or self._refused_zones:
            second = self._knots["second"] = _Knot("second", self.second_ip, self.dir)
            for z, t in self._second_text.items():
                second.write_zone(z, *self._render(z, t, True))
        for k in self._knots.values():
            k.start()
        for k in self._knots.values():
            self._wait_bound(k.ip, AUTH_PORT, k.proc, "knotd " + k.name)
            self._wait_served(k, list(k.zones))
        self._start_unbound()

    def _start_blackhole(self):
        """A UDP and a TCP socket that are never read: queries sent there time out."""
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind((self.blackhole_ip, AUTH_PORT))
            if kind == socket.SOCK_STREAM:
                s.listen(1)
            self._blackhole.append(s)

    def _start_unbound(self):
        hints = os.path.join(self.dir, "root.hints")
        with open(hints, "w") as f:
            f.write(". 3600000 NS a.root.bed.\na.root.bed. 3600000 A %s\n" % self.root_ip)
        conf = os.path.join(self.dir, "unbound.conf")
        zones = "".join('    local-zone: "%s." deny\n' % n for n in self._timeout_names)
        zones += "".join('    local-zone: "%s." transparent\n' % n for n in self._transparent_names)
        with open(conf, "w") as f:
            f.write("server:\n"
                    "    verbosity: 1\n"
                    "    use-syslog: no\n"
                    '    logfile: "%s"\n'
                    '    username: ""\n'
                    '    chroot: ""\n'
                    '    directory: "%s"\n'
                    '    pidfile: "%s"\n'
                    "    interface: %s\n"
                    "    port: %d\n"
                    "    outgoing-interface: %s\n"
                    "    do-ip6: no\n"
                    "    access-control: 127.0.0.0/8 allow\n"
                    "    do-not-query-localhost: no\n"
                    '    module-config: "iterator"\n'
                    "    qname-minimisation: no\n"
                    '    root-hints: "%s"\n'
                    "    num-threads: 1\n"
                    "    so-reuseport: no\n"
                    "    outgoing-range: %d\n"
                    "    num-queries-per-thread: %d\n"
                    "    prefetch: no\n"
                    "    cache-min-ttl: 0\n"
                    '    target-fetch-policy: "0 0 0 0 0"\n'
                    "    harden-referral-path: no\n"
                    "    minimal-responses: no\n"
                    "    rrset-roundrobin: no\n"
                    "    serve-expired: no\n"
                    "%s"
                    "remote-control:\n"
                    "    control-enable: no\n"
                    % (os.path.join(self.dir, "unbound.log"), self.dir,
                       os.path.join(self.dir, "unbound.pid"), self._ip(RESOLVER_HOST),
                       RESOLVER_PORT, self._ip(RESOLVER_HOST), hints,
                       max(128, 2 * self._unbound_queries), self._unbound_queries, zones))
        with open(os.path.join(self.dir, "unbound.out"), "wb") as out:
            self._unbound = subprocess.Popen([_tool("unbound"), "-d", "-p", "-c", conf],
                                             stdin=subprocess.DEVNULL, stdout=out,
                                             stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self._wait_bound(self._ip(RESOLVER_HOST), RESOLVER_PORT, self._unbound, "unbound")
        # The root's marker, asked through unbound: it iterates from the root hints.
        self._wait_served(self._knots["root"], [""], port=RESOLVER_PORT,
                          server=self._ip(RESOLVER_HOST), what="unbound")

    def close(self):
        """Stops every process and removes the temp dir. Safe to call twice."""
        if self._unbound is not None:
            if self._unbound.poll() is None:
                self._unbound.terminate()
                try:
                    self._unbound.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self._unbound.kill()
                    self._unbound.wait()
            self._unbound = None
        for k in self._knots.values():
            k.stop()
        self._knots = {}
        for s in self._blackhole:
            s.close()
        self._blackhole = []
        if self._old_sigterm is not None:
            try:
                signal.signal(signal.SIGTERM, self._old_sigterm)
            except ValueError:
                pass
            self._old_sigterm = None
        if self.dir is not None:
            if self.keep:
                sys.stderr.write("bed: kept %s\n" % self.dir)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        atexit.unregister(self.close)

    # -- what tests call --------------------------------------------------------------
    def update_zone(self, zone, text, secondary=False):
        """Rewrites the zone's file (on the second server when secondary=True) and reloads
        it with knotc; returns once the new text is served."""
        zone = _norm(zone)
        knot = self._knots["second" if secondary else "main"]
        if zone not in knot.zones:
            raise KeyError("bed: %s is not served by the %s server" % (zone, knot.name))
        (self._second_text if secondary else self._zone_text)[zone] = text
        knot.write_zone(zone, *self._render(zone, text, secondary))
        r = knot.knotc("-b", "zone-reload", zone + ".")
        if r.returncode != 0:
            raise RuntimeError("bed: knotc zone-reload %s failed: %s\n%s"
                               % (zone, r.stdout.decode(errors="replace"), knot.log_tail()))
        self._wait_served(knot, [zone])

    def command(self, *args):
        """The argv run() would run."""
        if not self.binary:
            raise RuntimeError("bed: set EMAILAUTH (or pass binary=) to the emailauth program")
        args = [str(a) for a in args]
        has = lambda opt: any(a == opt or a.startswith(opt + "=") for a in args)
        extra = []
        if not has("--resolver"):
            extra += ["--resolver", self.resolver]
        if not has("--timeout") and self.timeout:
            extra += ["--timeout", str(self.timeout)]
        return [self.binary] + args[:1] + extra + args[1:]

    def run(self, *args, input=None, timeout_s=None):
        """Runs the binary against the bed; returns (exit code, stdout, stderr)."""
        if isinstance(input, str):
            input = input.encode("utf-8")
        p = subprocess.run(self.command(*args), input=input,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout_s or (self.timeout or 10) + RUN_TIMEOUT_MARGIN_S)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))
