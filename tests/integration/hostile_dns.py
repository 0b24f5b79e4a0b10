"""A hostile DNS server on loopback for the tests: it answers as a resolver would never
answer, chosen by a label of the query name (the first label of the name that is one of
BEHAVIOURS decides, so every name under tcloop.hostile-test.com truncates). UDP and TCP on
one port of 127.0.0.1; standard library only; runs in threads; nothing leaves loopback.

    with HostileDNS() as h:
        h.address                 # "127.0.0.1:PORT": give it to --resolver
        # emailauth check tcloop.hostile-test.com --resolver h.address ...

BEHAVIOURS: tcloop (TC over UDP and again over TCP), wrongid (every answer carries another
ID), ptrloop (a compression pointer pointing to itself), cnameloop (a -> b -> a in the
answer), longchain (a CNAME chain of CHAIN_HOPS hops and no data), wrongowner (records of
another name only), garbage (random bytes after the right ID), servfail, refused, formerr,
notimp (those rcodes), slow (never answers: past any deadline), tcpclose (TC over UDP, TCP
closes without a word), tcpdrip (TC over UDP, TCP sends the answer a byte every DRIP_S),
chase (no recursion offered, and every name is a CNAME one label deeper: a chain with no end
for a client that follows CNAMEs itself).
Names with none of these labels get NXDOMAIN."""
import random
import socket
import struct
import threading
import time

BEHAVIOURS = ("tcloop", "wrongid", "ptrloop", "cnameloop", "longchain", "wrongowner", "garbage",
              "servfail", "refused", "formerr", "notimp", "slow", "tcpclose", "tcpdrip", "chase")
RCODES = {"servfail": 2, "refused": 5, "formerr": 1, "notimp": 4}
CHAIN_HOPS = 40              # longer than any client should follow
DRIP_S = 0.5                 # seconds between the bytes of a dripped TCP answer
MAX_QUERY = 512              # bytes read of a UDP query
MAX_TCP_CLIENTS = 64         # TCP connections served at once; more are closed


def parse_query(q):
    """(id, rd flag, name labels, qtype, end of question) or None."""
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if qd < 1:
        return None
    labels, i = [], 12
    while i < len(q) and q[i] != 0 and len(labels) < 128:
        n = q[i]
        if n & 0xC0 or i + 1 + n > len(q):
            return None
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    if i + 5 > len(q):
        return None
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    return qid, flags & 0x0100, labels, qtype, i + 5


def encode(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(name, rtype, rdata, ttl=60):
    return encode(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def txt(s):
    b = s.encode()
    return bytes([len(b)]) + b


class HostileDNS:
    def __init__(self, host="127.0.0.1"):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, 0))
        port = self.udp.getsockname()[1]
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((host, port))
        self.tcp.listen(16)
        self.address = "%s:%d" % (host, port)
        self.random = random.Random("hostile")
        self.queries = {}        # behaviour -> queries seen
        self._stop = False
        self._clients = 0
        self._lock = threading.Lock()

    def __enter__(self):
        for target in (self._udp_loop, self._tcp_loop):
            threading.Thread(target=target, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        for s in (self.udp, self.tcp):
            try:
                s.close()
            except OSError:
                pass

    def behaviour(self, labels):
        for label in labels:
            if label in BEHAVIOURS:
                return label
        return None

    def answer(self, q, over_tcp):
        """The bytes to send for query q, or None to stay silent."""
        p = parse_query(q)
        if p is None:
            return None
        qid, rd, labels, qtype, qend = p
        name = ".".join(labels)
        how = self.behaviour(labels)
        with self._lock:
            self.queries[how] = self.queries.get(how, 0) + 1
        question = q[12:qend]
        flags = 0x8000 | rd | 0x0080             # QR, RD copied, RA

        def msg(rcode=0, answers=(), tc=False, ident=qid):
            f = flags | rcode | (0x0200 if tc else 0)
            return struct.pack("!HHHHHH", ident, f, 1, len(answers), 0, 0) + question + b"".join(answers)

        if how == "slow":
            return None
        if how == "chase":
            f = 0x8000 | rd                               # QR, no RA: "follow it yourself"
            one = rr(name, 5, encode("h." + name)) if len(name) < 200 else rr(name, 5, encode(name))
            return struct.pack("!HHHHHH", qid, f, 1, 1, 0, 0) + question + one
        if how == "tcloop" or (how in ("tcpclose", "tcpdrip") and not over_tcp):
            return msg(tc=True)
        if how in RCODES:
            return msg(RCODES[how])
        if how == "wrongid":
            return msg(answers=[rr(name, 16, txt("v=spf1 -all"))], ident=qid ^ 0x5A5A)
        if how == "garbage":
            return struct.pack("!H", qid) + bytes(self.random.getrandbits(8) for _ in range(60))
        if how == "ptrloop":
            # One answer whose owner is a compression pointer to itself.
            at = 12 + len(question)
            loop = struct.pack("!H", 0xC000 | at)
            return msg() [:6] + struct.pack("!HHH", 1, 0, 0) + question + loop + \
                struct.pack("!HHIH", 16, 1, 60, 4) + txt("abc")
        if how == "cnameloop":
            other = "loop-b." + name
            return msg(answers=[rr(name, 5, encode(other)), rr(other, 5, encode(name))])
        if how == "longchain":
            chain, cur = [], name
            for i in range(CHAIN_HOPS):
                nxt = "c%d.%s" % (i, ".".join(labels[-3:]))
                chain.append(rr(cur, 5, encode(nxt)))
                cur = nxt
            return msg(answers=chain)
        if how == "wrongowner":
            return msg(answers=[rr("elsewhere.example.net", 16, txt("v=spf1 -all")),
                                rr("elsewhere.example.net", 15, struct.pack("!H", 10) + encode("mx.example.net"))])
        if how in ("tcpclose", "tcpdrip"):
            return msg(answers=[rr(name, 16, txt("v=spf1 -all"))])
        return msg(3)                                # NXDOMAIN

    def _udp_loop(self):
        while not self._stop:
            try:
                q, peer = self.udp.recvfrom(MAX_QUERY)
            except OSError:
                return
            out = self.answer(q, False)
            if out is not None:
                try:
                    self.udp.sendto(out, peer)
                except OSError:
                    pass

    def _tcp_loop(self):
        while not self._stop:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with self._lock:
                if self._clients >= MAX_TCP_CLIENTS:
                    conn.close()
                    continue
                self._clients += 1
            threading.Thread(target=self._tcp_client, args=(conn,), daemon=True).start()

    def _tcp_client(self, conn):
        try:
            conn.settimeout(30)
            head = conn.recv(2)
            if len(head) < 2:
                return
            want = struct.unpack("!H", head)[0]
            q = b""
            while len(q) < want:
                part = conn.recv(want - len(q))
                if not part:
                    return
                q += part
            p = parse_query(q)
            how = self.behaviour(p[2]) if p else None
            if how == "tcpclose":
                return
            out = self.answer(q, True)
            if out is None:
                time.sleep(30)
                return
            data = struct.pack("!H", len(out)) + out
            if how == "tcpdrip":
                for i in range(len(data)):
                    if self._stop:
                        return
                    conn.sendall(data[i:i + 1])
                    time.sleep(DRIP_S)
            else:
                conn.sendall(data)
        except OSError:
            pass
        finally:
            conn.close()
            with self._lock:
                self._clients -= 1
