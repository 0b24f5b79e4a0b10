#!/usr/bin/python3
"""bench/delayproxy (the benches' delay element, built by meson): on loopback in front of a
UDP echo server, its delay, jitter and loss are what was asked, roughly (the machine is
shared, so the bounds leave room for a late wake-up, never for an early one), and its
counters agree with what came back. A second or so."""
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import time

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("EA_BUILD", os.path.join(SRC, "build"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

PROXY = os.path.join(BUILD, "bench", "delayproxy")
PACKETS = 1000
LATE_SLACK_MS = 250        # a loaded machine wakes the proxy (and us) late, never early
WAIT_S = 1.0               # after the last answer, how long we wait for stragglers
BURST = 10                 # datagrams sent together
PACE_S = 0.002             # between bursts: 5,000 a second, 0.2 s a run
SO_RCVBUFFORCE = 33        # linux: past net.core.rmem_max when root


def big_buffer(sock):
    """Room for every datagram of a run, so the test measures the proxy, not a full buffer."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)


class Echo:
    """A UDP echo server: the proxy's 'DNS server'."""
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        big_buffer(self.sock)
        self.sock.setblocking(False)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]

    def serve(self):
        """A burst at most, so that the answers coming back are timed as they come."""
        for _ in range(BURST):
            try:
                data, peer = self.sock.recvfrom(2048)
            except BlockingIOError:
                return
            self.sock.sendto(data, peer)


def start(echo, *args):
    p = subprocess.Popen([PROXY, "127.0.0.1:0", echo.address] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    host, port = line[1].rsplit(":", 1)
    return p, (host, int(port))


def stop(p):
    p.terminate()
    _, err = p.communicate(timeout=10)
    return p.returncode, json.loads(err.strip().splitlines()[-1])


def round_trips(echo, proxy_addr):
    """Sends PACKETS datagrams through the proxy, BURST every PACE_S (so that this one
    Python thread, client and echo server both, keeps up and times the proxy, not itself);
    their round trips in ms (those that came back)."""
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    big_buffer(client)
    client.bind(("127.0.0.1", 0))
    client.setblocking(False)
    sent, rtts = {}, {}
    next_burst = time.monotonic()
    deadline = None
    while len(rtts) < PACKETS and (deadline is None or time.monotonic() < deadline):
        now = time.monotonic()
        if len(sent) < PACKETS and now >= next_burst:
            for i in range(len(sent), min(len(sent) + BURST, PACKETS)):
                sent[i] = time.monotonic()
                client.sendto(b"q%d" % i, proxy_addr)
            next_burst += PACE_S
            if len(sent) == PACKETS:
                deadline = time.monotonic() + WAIT_S
        readable, _, _ = select.select([echo.sock, client], [], [], PACE_S)
        if echo.sock in readable:
            echo.serve()
        if client in readable:
            for _ in range(BURST):
                try:
                    data = client.recv(2048)
                except BlockingIOError:
                    break
                i = int(data[1:])
                rtts.setdefault(i, (time.monotonic() - sent[i]) * 1000)
    client.close()
    return list(rtts.values())


def main():
    ok(os.access(PROXY, os.X_OK), "meson built the delay proxy", PROXY)
    echo = Echo()

    # Refuses what is not loopback: the benches never send a packet off the machine.
    r = subprocess.run([PROXY, "127.0.0.1:0", "192.0.2.1:53"], capture_output=True, text=True)
    ok(r.returncode == 64, "a server outside 127.0.0.0/8 is refused (usage, 64)", r)

    # A fixed delay: nothing early, most close to it.
    p, addr = start(echo, "--delay", "30")
    rtts = round_trips(echo, addr)
    rc, st = stop(p)
    ok(len(rtts) == PACKETS, "no loss asked: all %d came back" % PACKETS, len(rtts))
    ok(min(rtts) >= 29.5, "a fixed delay of 30 ms: none back before it (min %.1f ms)" % min(rtts))
    med = statistics.median(rtts)
    ok(med < 30 + LATE_SLACK_MS, "median %.1f ms: the delay, give or take the machine's load" % med)
    ok(rc == 0 and st["queries"] == PACKETS and st["forwarded"] == PACKETS and st["lost"] == 0
       and st["answers"] == PACKETS and st["max_held"] >= 100,
       "counters: every query held (30 ms at 5,000 a second: about 150 at once), forwarded and answered", st)

    # Jitter and loss: delay 40 ms +- 15 ms, 20% lost, seeded.
    p, addr = start(echo, "--delay", "40", "--jitter", "15", "--loss", "0.2", "--seed", "7")
    rtts = round_trips(echo, addr)
    rc, st = stop(p)
    lost = PACKETS - len(rtts)
    # 1,000 draws at p = 0.2: sd 12.6, so 150-250 is about 4 sd either side
    ok(150 <= lost <= 250, "loss 0.2: %d of %d lost" % (lost, PACKETS))
    ok(st["lost"] == lost and st["forwarded"] == len(rtts) and st["answers"] == len(rtts),
       "the proxy's counters agree with what came back (lost %d)" % lost, st)
    ok(min(rtts) >= 24.5, "jitter 15 ms: none back before 40 - 15 ms (min %.1f ms)" % min(rtts))
    spread = sorted(rtts)[int(len(rtts) * 0.9)] - sorted(rtts)[int(len(rtts) * 0.1)]
    # uniform on [25, 55]: the 10th to the 90th percentile is 24 ms apart; at least half of it
    ok(spread >= 12, "jitter spreads the round trips (10th-90th percentile %.1f ms apart)" % spread)
    med = statistics.median(rtts)
    ok(33 <= med < 40 + LATE_SLACK_MS, "median %.1f ms: about the 40 ms asked" % med)

    # Loss 1: nothing passes, nothing hangs.
    p, addr = start(echo, "--loss", "1")
    rtts = round_trips(echo, addr)
    rc, st = stop(p)
    ok(rtts == [] and st["lost"] == PACKETS and st["forwarded"] == 0, "loss 1: every query dropped", st)
    done()


if __name__ == "__main__":
    main()
