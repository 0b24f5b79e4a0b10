"""A UDP DNS proxy on loopback that injects faults in front of a resolver: it drops a
fraction of the queries, or answers a fraction SERVFAIL itself, and forwards the rest.
The choice is drawn from a seeded generator, so a retry may fare differently, as on a
lossy path, and a run is repeatable in its proportions. Standard library only; runs in a thread.

    with FaultProxy("127.0.0.1:10053", drop=0.5) as p:     # or servfail=0.5, delay_ms=50
        p.address     # "127.0.0.1:PORT": give it to --resolver
"""
import random
import select
import socket
import struct
import threading
import time

MAX_PENDING = 4096          # queries forwarded and not yet answered, at most
PENDING_TTL_S = 10.0        # forget a forwarded query after this long


def _split(addr):
    host, port = addr.rsplit(":", 1)
    return host, int(port)


def _servfail(query):
    """The query turned into a SERVFAIL response: same id and question."""
    if len(query) < 12:
        return None
    qid, flags = struct.unpack("!HH", query[:4])
    flags = 0x8000 | (flags & 0x0100) | 0x0080 | 2   # QR, RD copied, RA, rcode 2
    qd = struct.unpack("!H", query[4:6])[0]
    # The question only (no EDNS): header counts qd, 0, 0, 0.
    end = 12
    for _ in range(min(qd, 1)):
        while end < len(query) and query[end] != 0:
            end += query[end] + 1
        end += 5
    return struct.pack("!HHHHHH", qid, flags, min(qd, 1), 0, 0, 0) + query[12:end]


class FaultProxy:
    def __init__(self, upstream, drop=0.0, servfail=0.0, delay_ms=0.0, seed="ea"):
        self.upstream = _split(upstream)
        self.drop, self.servfail, self.delay = drop, servfail, delay_ms / 1000.0
        self.delayed = []       # (due time, data, destination), in order: one fixed delay
        self.random = random.Random(seed)
        self.client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client.bind(("127.0.0.1", 0))
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.up.bind(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.client.getsockname()[1]
        self.pending = {}       # our id -> (client address, their id, time)
        self.next_id = 1
        self.stats = {"queries": 0, "dropped": 0, "servfail": 0, "forwarded": 0}
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join(2)
        self.client.close()
        self.up.close()

    def _loop(self):
        while not self._stop:
            wait = 0.1
            if self.delayed:
                wait = max(0.0, min(wait, self.delayed[0][0] - time.monotonic()))
            r, _, _ = select.select([self.client, self.up], [], [], wait)
            while self.delayed and self.delayed[0][0] <= time.monotonic():
                _, data, dest = self.delayed.pop(0)
                self.up.sendto(data, dest)
            if self.client in r:
                self._from_client()
            if self.up in r:
                self._from_upstream()
            now = time.monotonic()
            if len(self.pending) > MAX_PENDING // 2:
                for k in [k for k, v in self.pending.items() if now - v[2] > PENDING_TTL_S]:
                    del self.pending[k]

    def _from_client(self):
        data, addr = self.client.recvfrom(4096)
        if len(data) < 12:
            return
        self.stats["queries"] += 1
        x = self.random.random()
        if x < self.drop:
            self.stats["dropped"] += 1
            return
        if x < self.drop + self.servfail:
            reply = _servfail(data)
            if reply:
                self.stats["servfail"] += 1
                self.client.sendto(reply, addr)
            return
        if len(self.pending) >= MAX_PENDING:
            return
        ours = self.next_id
        self.next_id = self.next_id % 65535 + 1
        self.pending[ours] = (addr, data[:2], time.monotonic())
        self.stats["forwarded"] += 1
        data = struct.pack("!H", ours) + data[2:]
        if self.delay > 0:
            # delay on the way out: one round trip costs delay_ms more
            self.delayed.append((time.monotonic() + self.delay, data, self.upstream))
        else:
            self.up.sendto(data, self.upstream)

    def _from_upstream(self):
        data, _ = self.up.recvfrom(65535)
        if len(data) < 12:
            return
        entry = self.pending.pop(struct.unpack("!H", data[:2])[0], None)
        if entry:
            self.client.sendto(entry[1] + data[2:], entry[0])
