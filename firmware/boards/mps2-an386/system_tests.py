#!/usr/bin/env python3
"""System tests: the firmware images in a real network with Linux `pasa-router` peers
(Python 3 standard library only; needs root, network namespaces, TUN, qemu-system-arm, ping).

Every peer runs in its own network namespace (named fw-<pid>-<X>, removed at the end whatever
happens); QEMU runs under `timeout` and connects its UARTs to the Unix sockets the
`pasa-router` serial links listen on (`listen = true`); UART4 is the image's status console,
on a socket this script listens on.

  1 join      host image under a Linux root (netns R): address by GAAO; QEMU start -> joined
              (target <= 2 s, issue 7)
  2 ping/udp  from R's kernel: ping -6 to the image, and UDP echo (port 7)
  3 router    router image between R (UART0) and a Linux host H (UART1, `parent = true`):
              H joins under the image (its address is a child of the image's), ping R -> H and
              H -> R cross the image (its `forwarded` counter on the status console)
  4 reset     monitor system_reset after test 1: the image boots again with its state pages
              kept, registers the same address, ping works again
  5 malformed a relay between R and the image injects random octets, bad SLIP escapes,
              oversized and truncated/corrupted real PASA frames: counted, no reset, ping after

Each test prints PASS or FAIL with its reason and time; the last line is "N passed, N failed"
and the exit code is 1 if any failed.

Usage: system_tests.py [--pasa-router PATH] [--machine mps2-an386] [--qemu-timeout S]
                       HOST_ELF ROUTER_ELF
"""

import argparse
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (slip_encode, FW_BANNER, BOOT_BUDGET_MS, status-line format)

END, ESC, ESC_END, ESC_ESC = harness.END, harness.ESC, harness.ESC_END, harness.ESC_ESC
ADDR_LINE = re.compile(rb"pasa-board: address (\S+) at (\d+) ms")
PREFIX = "2001:db8::/64"
TAG = f"fw-{os.getpid()}"
ROUTER_BIN = None  # set in main()


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


# ---------------------------------------------------------------------------------------------
# Resources: every one registered here is released by cleanup(), in reverse order.

_cleanups = []


def on_cleanup(fn):
    _cleanups.append(fn)
    return fn


def cleanup():
    interrupted = None
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except BaseException as e:  # keep releasing the rest, even when interrupted
            print(f"cleanup: {type(e).__name__}: {e}", file=sys.stderr)
            if isinstance(e, KeyboardInterrupt):
                interrupted = e
    if interrupted:
        raise interrupted


def run(cmd, timeout=10, check_rc=False):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise TestFailure(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def netns(name):
    full = f"{TAG}-{name}"
    run(["ip", "netns", "add", full], check_rc=True)

    def delete():
        run(["ip", "netns", "del", full])
    on_cleanup(delete)
    run(["ip", "netns", "exec", full, "ip", "link", "set", "lo", "up"], check_rc=True)
    return full


def wait_for(pred, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


def stop_process(p, name, grace=3.0):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            print(f"cleanup: {name} (pid {p.pid}) ignored SIGTERM for {grace} s, killing it",
                  file=sys.stderr)
            p.kill()
            p.wait(5)


class Router:
    """One `pasa-router run` in a network namespace, its files in `dir`."""

    def __init__(self, ns, dir, name, role, mac, link_toml):
        self.ns, self.name = ns, name
        self.conf = os.path.join(dir, f"{name}.toml")
        self.log_path = os.path.join(dir, f"{name}.log")
        with open(self.conf, "w") as f:
            f.write(f'role = "{role}"\nprefix = "{PREFIX}"\nstate_file = "{name}.state"\n'
                    f'link_addr = "{mac}"\nlog = "info"\n[tun]\nname = "fwtun0"\n{link_toml}')
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, ROUTER_BIN, "run", "--config", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        on_cleanup(self.stop)

    def stop(self):
        stop_process(self.proc, f"pasa-router {self.name}")
        self.log.close()

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def log_tail(self, n=8):
        return " | ".join(self.log_text().strip().splitlines()[-n:])

    def alive(self):
        return self.proc.poll() is None

    def stats(self):
        """The Prometheus text as {name{labels}: value}."""
        p = run(["ip", "netns", "exec", self.ns, ROUTER_BIN, "stats", "--config", self.conf], timeout=5)
        if p.returncode != 0:
            raise TestFailure(f"pasa-router stats ({self.name}): {p.stderr.strip()}")
        out = {}
        for line in p.stdout.splitlines():
            if line and not line.startswith("#"):
                k, _, v = line.rpartition(" ")
                out[k] = float(v)
        return out

    def address(self, st=None):
        st = st if st is not None else self.stats()
        if st.get("pasa_joined") != 1:
            return None
        for k in st:
            m = re.match(r'pasa_address_info\{address="([^"]+)"', k)
            if m:
                return m.group(1)
        return None

    def ping(self, dst, count=3):
        t = time.monotonic()
        p = run(["ip", "netns", "exec", self.ns, "ping", "-6", "-n", "-c", str(count), "-i", "0.2",
                 "-W", "2", dst], timeout=count * 2 + 5)
        dt = time.monotonic() - t
        m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
        rtt = re.search(r"= [\d.]+/([\d.]+)/", p.stdout)
        if p.returncode != 0 or not m or m.group(1) != m.group(2):
            raise TestFailure(f"ping {dst} from {self.name}: {p.stdout.strip().splitlines()[-2:]} "
                              f"{p.stderr.strip()}")
        return f"{m.group(2)}/{m.group(1)} answered, avg rtt {rtt.group(1) if rtt else '?'} ms ({dt:.1f} s)"

    def udp_echo(self, dst, payload, port=7, timeout=3.0):
        code = ("import socket,sys\n"
                "s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)\n"
                f"s.settimeout({timeout})\n"
                f"s.sendto(bytes.fromhex('{payload.hex()}'),('{dst}',{port}))\n"
                "d,a=s.recvfrom(2048)\n"
                "print(d.hex(),a[0],a[1])\n")
        p = run(["ip", "netns", "exec", self.ns, "python3", "-c", code], timeout=timeout + 5)
        if p.returncode != 0:
            raise TestFailure(f"UDP echo from {self.name} to [{dst}]:{port}: "
                              f"{(p.stderr.strip().splitlines() or ['?'])[-1]}")
        data, src, sport = p.stdout.split()
        return bytes.fromhex(data), src, int(sport)


def serial_link(sock, parent=False):
    return (f'[[link]]\nkind = "serial"\nsocket = "{sock}"\nlisten = true\n'
            + ("parent = true\n" if parent else ""))


def wait_listening(path, router, timeout=5.0):
    if not wait_for(lambda: os.path.exists(path) or not router.alive(), timeout) or not router.alive():
        raise TestFailure(f"pasa-router {router.name} does not listen on {path}: {router.log_tail()}")


class Firmware:
    """One QEMU run of a firmware image: UART0..3 connect to the given Unix sockets (None: not
    wired), UART4 (the status console) to a socket listened on here, HMP monitor socket."""

    def __init__(self, elf, machine, timeout_s, dir, tag, serials, append):
        self.name = f"{os.path.basename(elf)}@{tag}"
        self.mon_path = os.path.join(dir, f"{tag}-mon.sock")
        con_path = os.path.join(dir, f"{tag}-console.sock")
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(con_path)
        ls.listen(1)
        ls.settimeout(10)
        args = ["timeout", "--signal=KILL", str(timeout_s), "qemu-system-arm", "-M", machine,
                "-display", "none", "-nodefaults", "-net", "none",
                "-semihosting-config", "enable=on,target=native",
                "-monitor", f"unix:{self.mon_path},server=on,wait=off"]
        for i, path in enumerate((list(serials) + [None] * 4)[:4]):
            if path:
                args += ["-chardev", f"socket,id=u{i},path={path},server=off", "-serial", f"chardev:u{i}"]
            else:
                args += ["-serial", "null"]
        args += ["-chardev", f"socket,id=con,path={con_path},server=off", "-serial", "chardev:con",
                 "-kernel", elf, "-append", append]
        self.lines = []  # (monotonic time, line) from semihosting stdout
        self.cond = threading.Condition()
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        on_cleanup(self.close)
        self.mon = None
        threading.Thread(target=self._reader, daemon=True).start()
        try:
            self.console, _ = ls.accept()
        except socket.timeout:
            raise TestFailure(f"QEMU did not connect to the console socket: {self._stderr()}")
        finally:
            ls.close()

    def _reader(self):
        for raw in self.proc.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), raw.rstrip(b"\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def _stderr(self):
        if self.proc.poll() is None:
            return "(QEMU still running)"
        return f"QEMU exit {self.proc.returncode}: {self.proc.stderr.read().decode(errors='replace').strip()}"

    def wait_line(self, pattern, timeout, start=0):
        """The first line from index `start` matching `pattern`: (match, time, index)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    m = pattern.search(line)
                    if m:
                        return m, t, i
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    out = b" | ".join(l for _, l in self.lines[-6:]).decode(errors="replace")
                    raise TestFailure(f"{self.name}: no {pattern.pattern.decode()!r} on semihosting "
                                      f"stdout within {timeout} s; stdout: {out}; {self._stderr()}")
                self.cond.wait(left)

    def count(self, pattern):
        with self.cond:
            return sum(1 for _, l in self.lines if pattern.search(l))

    def status(self, timeout=5.0):
        """The status line of the console (see harness.Qemu.status), plus `forwarded` if shown."""
        s = self.console
        s.sendall(b"s")
        buf, deadline = b"", time.monotonic() + timeout
        while not buf.endswith(b"\n"):
            r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                raise TestFailure(f"{self.name}: no status line on the console; got {buf!r}")
            data = s.recv(4096)
            if not data:
                raise TestFailure(f"{self.name}: console closed; {self._stderr()}")
            buf += data
        line = buf.decode(errors="replace").strip().splitlines()[-1]
        st = harness.parse_status(line)
        check(st, f"status line: {line!r}")
        return st

    def monitor(self, cmd):
        if self.mon is None:
            self.mon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.mon.settimeout(5)
            self.mon.connect(self.mon_path)
            self._until_prompt()
        self.mon.sendall(cmd.encode() + b"\n")
        return self._until_prompt()

    def _until_prompt(self):
        return harness.until_prompt(self.mon)

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        if self.proc.poll() is None:
            try:
                if self.mon is None:
                    self.mon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.mon.settimeout(2)
                    self.mon.connect(self.mon_path)
                self.mon.sendall(b"quit\n")
                self.proc.wait(3)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()  # `timeout`, which then ends QEMU; its own limit is the backstop
            self.proc.wait(5)
        for s in (self.console, self.mon):
            if s:
                s.close()


def ipv6_norm(a):
    return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, a))


def pasa_value(addr):
    """The PASA address (the IID as an integer) of an IPv6 address."""
    return int.from_bytes(socket.inet_pton(socket.AF_INET6, addr)[8:], "big")


def pasa_parent(v):
    """addrcodec PasaAddr::parent: strip the last level (a trailing `1^k 0` or run of ones)."""
    if v == 1:
        return None
    up = v >> 1
    ones = (~up & (up + 1)).bit_length() - 1  # trailing ones
    return 1 if ones >= up.bit_length() else up >> ones


# ---------------------------------------------------------------------------------------------
# The relay of test 5: pasa-router's listening socket on one side, QEMU on the other. Frames
# toward the image go through whole (decoded and re-encoded), so injected garbage lands between
# frames; the image's octets are copied as they come.


class Relay:
    def __init__(self, upstream_path, listen_path):
        self.ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ls.bind(listen_path)
        self.ls.listen(1)
        self.ls.settimeout(10)
        self.up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.up.settimeout(5)
        self.up.connect(upstream_path)
        self.down = None
        self.lock = threading.Lock()
        self.frames_down = []  # frames pasa-router sent toward the image (decoded)
        self.stop = False
        on_cleanup(self.close)

    def accept(self):
        self.down, _ = self.ls.accept()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        dec = harness.SlipReader(self.up)
        socks = [self.up, self.down]
        while not self.stop:
            try:
                r, _, _ = select.select(socks, [], [], 0.2)
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is self.down:
                        self.up.sendall(data)
                    else:
                        dec.feed(data)
                        while dec.frames:
                            f = dec.frames.pop(0)
                            self.frames_down.append(f)
                            with self.lock:
                                self.down.sendall(harness.slip_encode(f))
            except OSError:
                return

    def inject(self, data):
        with self.lock:
            self.down.sendall(data)

    def close(self):
        self.stop = True
        for s in (self.ls, self.up, self.down):
            if s:
                s.close()


# ---------------------------------------------------------------------------------------------
# The tests


class Results:
    def __init__(self):
        self.passed, self.failed = 0, 0
        self.figures = {}

    def run(self, label, fn, *a):
        t = time.monotonic()
        try:
            r = fn(*a)
            self.passed += 1
            print(f"PASS {label} ({time.monotonic() - t:.1f} s): {r}", flush=True)
            return True
        except Exception as e:
            self.failed += 1
            kind = "" if isinstance(e, TestFailure) else f"{type(e).__name__}: "
            print(f"FAIL {label} ({time.monotonic() - t:.1f} s): {kind}{e}", flush=True)
            return False

    def skip(self, label, why):
        self.failed += 1
        print(f"FAIL {label}: not run: {why}", flush=True)


def root_ready(r):
    """True once the root's daemon answers stats and holds 2001:db8::1 (None before)."""
    try:
        return r.address() == "2001:db8::1" or None
    except TestFailure:
        return None


def start_root(dir, tag, sock):
    ns = netns(f"{tag}R")
    r = Router(ns, dir, f"{tag}-root", "root", "02:00:5e:00:00:01", serial_link(sock))
    wait_listening(os.path.join(dir, sock), r)
    # The serial socket exists before the daemon has finished starting: wait, bounded, until
    # it answers and holds its address.
    check(wait_for(lambda: root_ready(r), 5, step=0.05), f"root not joined: {r.log_tail()}")
    return r


def session_host(args, res, dir):
    """Tests 1, 2 and 4 on one QEMU run of the host image under a Linux root."""
    r = start_root(dir, "a", "a-uart0.sock")
    mac = "02:00:5e:00:00:11"
    fw = None
    state = {}

    def t1_join():
        nonlocal fw
        fw = Firmware(args.host, args.machine, args.qemu_timeout, dir, "a",
                      [os.path.join(dir, "a-uart0.sock")], f"mac={mac}")
        m, t_addr, _ = fw.wait_line(ADDR_LINE, 10)
        addr = ipv6_norm(m.group(1).decode())
        boot_ms = 1e3 * (t_addr - fw.t0)
        banner, t_banner, _ = fw.wait_line(harness.FW_BANNER, 1)
        guest_ms = int(m.group(2))
        # The root's side: it offered the address (NA with GAAO) and registered it. Its stats
        # are a snapshot the daemon refreshes every 250 ms.
        st = wait_for(lambda: (lambda s: s if s.get("pasa_reg_registered_total", 0) >= 1 else None)(r.stats()),
                      2, step=0.1) or r.stats()
        check(st.get("pasa_reg_offered_total", 0) >= 1, f"root offered no address by GAAO: {st}")
        check(st.get("pasa_reg_registered_total", 0) >= 1, "root registered nothing")
        fst = fw.status()
        check(fst["address"] == m.group(1).decode(), f"status address {fst['address']} != {addr}")
        v = pasa_value(addr)
        check(pasa_parent(v) == 1 and v & 1 == 1, f"{addr} is not a host child of the root")
        state["addr"], state["boot_ms"] = addr, boot_ms
        res.figures["boot_to_joined_ms"] = boot_ms
        check(boot_ms <= harness.BOOT_BUDGET_MS,
              f"joined as {addr} but only {boot_ms:.0f} ms after QEMU start "
              f"(target <= {harness.BOOT_BUDGET_MS} ms)")
        return (f"{addr} by GAAO from the root (root: reg_offered "
                f"{st['pasa_reg_offered_total']:.0f}, reg_registered "
                f"{st['pasa_reg_registered_total']:.0f}); QEMU start -> joined {boot_ms:.0f} ms "
                f"(banner at {1e3 * (t_banner - fw.t0):.0f} ms, address at guest {guest_ms} ms; "
                f"target <= {harness.BOOT_BUDGET_MS} ms)")

    def t2_ping_udp():
        addr = state["addr"]
        before = fw.status()
        p = r.ping(addr)
        payload = b"pasa firmware udp echo \x00\xc0\xdb" + bytes(range(40))
        mid = fw.status()
        try:
            data, src, sport = r.udp_echo(addr, payload)
        except TestFailure as e:
            # Tell a lost datagram from an echo the image holds back: one more frame (a ping)
            # wakes the image's stack.
            held = fw.status()
            r.ping(addr, count=1)
            woke = fw.status()
            raise TestFailure(
                f"{e}; the image took the datagram (local_rx {mid['local_rx']} -> "
                f"{held['local_rx']}) but echoed {held['udp_echoed'] - mid['udp_echoed']} within 3 s, "
                f"and {woke['udp_echoed'] - mid['udp_echoed']} once one more frame (a ping) arrived "
                f"{1e-3 * (woke['now_ms'] - mid['now_ms']):.1f} s later: {woke['line']}")
        check(data == payload, f"UDP echo differs: sent {payload.hex()}, got {data.hex()}")
        check(ipv6_norm(src) == addr and sport == 7, f"UDP echo from [{src}]:{sport}")
        after = fw.status()
        check(after["udp_echoed"] - before["udp_echoed"] == 1,
              f"udp_echoed {before['udp_echoed']} -> {after['udp_echoed']}")
        return f"ping {addr}: {p}; UDP echo of {len(payload)} B from [{src}]:7 intact"

    def t4_reset():
        addr = state["addr"]
        n = len(fw.lines)
        banners = fw.count(harness.FW_BANNER)
        t = time.monotonic()
        fw.monitor("system_reset")
        fw.wait_line(harness.FW_BANNER, 5, n)
        m, t_addr, _ = fw.wait_line(ADDR_LINE, 5, n)
        again = ipv6_norm(m.group(1).decode())
        check(fw.count(harness.FW_BANNER) == banners + 1, "no second boot banner")
        check(again == addr, f"after the reset the image registered {again}, before {addr}")
        st = fw.status()
        check(st["now_ms"] < 5000, f"the guest clock did not restart: {st['line']}")
        # The root took the registration again (a refresh of the same record, no duplicate).
        reg = wait_for(lambda: (lambda s: s if s.get("pasa_reg_registered_total", 0) >= 2 else None)(r.stats()),
                       2, step=0.1) or r.stats()
        check(reg.get("pasa_reg_registered_total", 0) >= 2 and reg.get("pasa_reg_duplicate_total", 0) == 0,
              f"root: reg_registered {reg.get('pasa_reg_registered_total')}, reg_duplicate "
              f"{reg.get('pasa_reg_duplicate_total')}")
        p = r.ping(addr)
        return (f"rebooted, registered {again} again {1e3 * (t_addr - t):.0f} ms after system_reset "
                f"(same address, state pages kept; root: reg_registered "
                f"{reg['pasa_reg_registered_total']:.0f}, reg_offered {reg['pasa_reg_offered_total']:.0f}, "
                f"no duplicate); ping: {p}")

    ok1 = res.run("1 host image joins a Linux root", t1_join)
    if ok1:
        res.run("2 ping and UDP echo through the root", t2_ping_udp)
        res.run("4 system_reset keeps the address", t4_reset)
    else:
        res.skip("2 ping and UDP echo through the root", "test 1 failed")
        res.skip("4 system_reset keeps the address", "test 1 failed")
    check(r.alive(), f"root pasa-router died: {r.log_tail()}")


def session_router(args, res, dir):
    """Test 3: the router image between a Linux root (UART0) and a Linux host (UART1)."""
    def t3():
        r = start_root(dir, "c", "c-uart0.sock")
        nsh = netns("cH")
        h = Router(nsh, dir, "c-host", "host", "02:00:5e:00:00:03",
                   serial_link("c-uart1.sock", parent=True))
        wait_listening(os.path.join(dir, "c-uart1.sock"), h)
        fw = Firmware(args.router, args.machine, args.qemu_timeout, dir, "c",
                      [os.path.join(dir, "c-uart0.sock"), os.path.join(dir, "c-uart1.sock")],
                      "mac=02:00:5e:00:00:12")
        m, t_fw, _ = fw.wait_line(ADDR_LINE, 10)
        fw_addr = ipv6_norm(m.group(1).decode())
        h_addr = wait_for(lambda: h.address(), 10, step=0.05)
        t_h = time.monotonic()
        check(h_addr, f"H did not join within 10 s: {h.log_tail()}; image: {fw.status()['line']}")
        fv, hv = pasa_value(fw_addr), pasa_value(h_addr)
        check(fv & 1 == 0 and pasa_parent(fv) == 1, f"image address {fw_addr} is not a router child of the root")
        check(pasa_parent(hv) == fv and hv & 1 == 1,
              f"H's address {h_addr} ({hv:b}) is not a host child of the image's {fw_addr} ({fv:b})")
        s0 = fw.status()
        check("forwarded" in s0, f"the status line has no forwarded counter: {s0['line']}")
        p1 = r.ping(h_addr)
        s1 = fw.status()
        p2 = h.ping("2001:db8::1")
        s2 = fw.status()
        f1, f2 = s1["forwarded"] - s0["forwarded"], s2["forwarded"] - s1["forwarded"]
        check(f1 >= 6 and f2 >= 6, f"the image forwarded {f1} then {f2} packets for 2 x 3 echoes: "
                                   f"{s2['line']}")
        hs = h.stats()
        h_rx = sum(v for k, v in hs.items() if k.startswith("pasa_link_rx_frames_total"))
        h_join_tx = hs.get("pasa_join_tx_total", 0)
        return (f"image {fw_addr} ({fv:b}) joined {1e3 * (t_fw - fw.t0):.0f} ms after QEMU start, "
                f"H {h_addr} ({hv:b}, a host child of it) {1e3 * (t_h - fw.t0):.0f} ms "
                f"(H sent {h_join_tx:.0f} joiner messages); "
                f"R -> H ping {p1}; H -> R ping {p2}; the image forwarded {f1} + {f2} packets "
                f"(H's serial link received {h_rx:.0f} frames)")
    res.run("3 router image forwards between UART0 and UART1", t3)


def malformed_burst(rng, samples):
    """Garbage toward the image: SLIP-framed random octets and frames with a valid Ethernet
    header, bad escapes and noise between frames, an oversized frame, and real frames pasa-router
    sent (ping requests) truncated at every length and with corrupted octets."""
    out = []
    for f in harness.malformed_frames(rng):
        out.append(harness.slip_encode(f))
    out.append(bytes([END, ESC, 0x00, END]))            # bad escape
    out.append(bytes([END, ESC, ESC, END]))             # bad escape
    out.append(bytes([0x55, 0x66, END]))                # noise before END
    out.append(harness.slip_encode(bytes(rng.randrange(256) for _ in range(3000))))  # oversize
    for f in samples:
        for n in range(1, len(f)):
            out.append(harness.slip_encode(f[:n]))      # truncated PASA frames
        for _ in range(20):
            b = bytearray(f)
            for _ in range(rng.randrange(1, 4)):
                i = rng.randrange(14, len(b))
                b[i] = rng.randrange(256)
            out.append(harness.slip_encode(bytes(b)))   # corrupted inside the LoWPAN part
    return out


def session_malformed(args, res, dir):
    def t5():
        r = start_root(dir, "b", "b-uart0.sock")
        relay = Relay(os.path.join(dir, "b-uart0.sock"), os.path.join(dir, "b-relay.sock"))
        fw = Firmware(args.host, args.machine, args.qemu_timeout, dir, "b",
                      [os.path.join(dir, "b-relay.sock")], "mac=02:00:5e:00:00:13")
        relay.accept()
        m, _, _ = fw.wait_line(ADDR_LINE, 10)
        addr = ipv6_norm(m.group(1).decode())
        n_frames = len(relay.frames_down)
        r.ping(addr, count=2)  # frames to corrupt: the root's echo requests toward the image
        samples = [f for f in relay.frames_down[n_frames:] if len(f) > 40][:2]
        check(samples, "captured no echo request toward the image")
        burst = malformed_burst(random.Random(5), samples)
        before = fw.status()
        t = time.monotonic()
        for chunk in burst:
            relay.inject(chunk)
        # The console answers in order with the links' bytes, but the UART may still hold
        # octets of the burst: wait until the counters stop moving.
        seen = lambda s: s["rx_frames"] + s["rx_ignored"] + s["slip_bad_escape"] + s["slip_oversize"]
        last = [before]

        def settled():
            s = fw.status()
            done = seen(s) == seen(last[0]) and seen(s) > seen(before)
            last[0] = s
            return s if done else None
        time.sleep(0.2)
        after = wait_for(settled, 15, step=0.2)
        t_burst = time.monotonic() - t
        check(fw.alive(), f"QEMU ended during the burst: {fw._stderr()}")
        check(after, f"the counters still moved 15 s after the burst: {last[0]['line']}")
        check(fw.count(harness.FW_BANNER) == 1, "the image booted again during the burst")
        check(after["now_ms"] > before["now_ms"], f"guest clock went back: {before['now_ms']} -> {after['now_ms']}")
        check(after["address"] == m.group(1).decode(), f"address changed: {after['line']}")
        d_seen = seen(after) - seen(before)
        slip = (after["slip_bad_escape"] + after["slip_oversize"]
                - before["slip_bad_escape"] - before["slip_oversize"])
        d_drops = {k: v - before["drops"].get(k, 0) for k, v in after["drops"].items()
                   if v - before["drops"].get(k, 0) > 0}
        check(d_seen >= len(burst) - 2, f"{len(burst)} malformed chunks injected, only {d_seen} "
                                        f"frames accounted for: {after['line']}")
        check(slip >= 3, f"SLIP errors not counted: {after['line']}")
        check(sum(d_drops.values()) > 0, f"no core drop counted: {after['line']}")
        p = r.ping(addr)
        check(fw.count(harness.FW_BANNER) == 1, "the image rebooted")
        drops = " ".join(f"{k}+{v}" for k, v in sorted(d_drops.items()))
        return (f"{len(burst)} malformed chunks ({sum(len(c) for c in burst)} B) injected in "
                f"{t_burst:.1f} s: no reset (one boot banner, guest clock {before['now_ms']} -> "
                f"{after['now_ms']} ms), {d_seen} frames counted: SLIP errors +{slip}, ignored "
                f"below the core +{after['rx_ignored'] - before['rx_ignored']}, into the core "
                f"+{after['rx_frames'] - before['rx_frames']}, local_rx "
                f"+{after['local_rx'] - before['local_rx']}, core drops {drops}; ping after: {p}")
    res.run("5 malformed burst: counted, no reset", t5)


def main():
    global ROUTER_BIN
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.abspath(os.path.join(here, "..", "..", ".."))
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("router")
    ap.add_argument("--pasa-router", default=os.path.join(top, "target", "debug", "pasa-router"))
    ap.add_argument("--machine", default="mps2-an386")
    ap.add_argument("--qemu-timeout", type=int, default=60)
    args = ap.parse_args()
    ROUTER_BIN = os.path.abspath(args.pasa_router)

    print(f"system tests: {os.path.basename(args.host)} and {os.path.basename(args.router)} images "
          f"with pasa-router peers ({ROUTER_BIN}), namespaces {TAG}-*", flush=True)
    if os.geteuid() != 0:
        print("FAIL system tests: need root (network namespaces, TUN)")
        print("\n0 passed, 1 failed")
        sys.exit(1)
    if not os.access(ROUTER_BIN, os.X_OK):
        print(f"{ROUTER_BIN} missing: cargo build -p pasa-router --features linux", flush=True)
        p = subprocess.run(["cargo", "build", "-p", "pasa-router", "--features", "linux"], cwd=top,
                           timeout=1800)
        if p.returncode != 0:
            print("FAIL system tests: pasa-router did not build")
            print("\n0 passed, 1 failed")
            sys.exit(1)

    # SIGTERM (e.g. from an outer timeout) unwinds through the finally blocks once; the cleanup
    # itself is not interrupted again.
    def on_term(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_term)

    res = Results()
    t0 = time.monotonic()
    dir = tempfile.mkdtemp(prefix=f"{TAG}-")
    try:
        for session in (session_host, session_router, session_malformed):
            try:
                session(args, res, dir)
            except Exception as e:
                res.failed += 1
                print(f"FAIL {session.__name__}: {type(e).__name__}: {e}", flush=True)
            finally:
                cleanup()
    except KeyboardInterrupt as e:
        res.failed += 1
        print(f"FAIL interrupted ({e}): cleaning up", flush=True)
    finally:
        cleanup()
        if res.failed:
            print(f"(logs kept in {dir})")
        else:
            shutil.rmtree(dir, ignore_errors=True)
    if "boot_to_joined_ms" in res.figures:
        print(f"\nboot (QEMU start) -> joined, host image under a Linux root: "
              f"{res.figures['boot_to_joined_ms']:.0f} ms (target <= {harness.BOOT_BUDGET_MS} ms)")
    print(f"\n{res.passed} passed, {res.failed} failed ({time.monotonic() - t0:.1f} s)")
    sys.exit(1 if res.failed else 0)


if __name__ == "__main__":
    main()
