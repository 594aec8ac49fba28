#!/usr/bin/env python3
"""Host-side harness for the mps2-an386 images (Python 3 standard library only).

Every QEMU run is under `timeout`; UART0..3 are Unix sockets the harness listens on and QEMU
connects to (so nothing the guest sends at boot is lost); an HMP monitor socket resets the
machine, reads guest memory and quits.

Checks, each printed as a line, then a footprint table (llvm-size) and "N passed, N failed":
  selftest   examples/selftest: state pages are NOR-like and read erased on a fresh QEMU;
             1000 ms of SysTick against the host clock; a panic ends QEMU with exit code 1.
  echo       examples/echo: SLIP frames echoed on UART0..3 (1..2048 B, END/ESC inside, an
             oversized frame dropped), boot-to-first-echo time, a monitor `system_reset` keeps
             the state pages (boot counter 1 -> 2) and the links work after it.
  host/router  the firmware images: boot with settings from -append (mac=...), send the
             joiner's first frame on UART0 (Ethernet header: broadcast, our MAC, 0xA0ED) within
             the boot budget, survive a burst of malformed frames on every link and keep
             sending, the frames counted (status line on the console, UART4); stack
             high-water marks; a monitor `system_reset` brings the image up again.

Usage: harness.py [--machine mps2-an386] [--qemu-timeout S] [--selftest ELF] [--echo ELF]
                  [FIRMWARE_ELF ...]   (file name "host" or "router")
"""

import argparse
import os
import random
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

END, ESC, ESC_END, ESC_ESC = 0xC0, 0xDB, 0xDC, 0xDD
ECHO_BANNER = re.compile(rb"pasa-board (\S+) up: image echo, (\d+) link\(s\), boot (\d+)")
FW_BANNER = re.compile(rb"pasa-board (\S+) up: image (\S+), (\d+) link\(s\), mac ([0-9a-f:]+), boot stack (\d+) B")
# UART4 (the fifth -serial) is the firmware's status console (src/app.rs).
CONSOLE = 4
BOOT_BUDGET_MS = 2000  # issue 7: boot to joined <= 2 s under QEMU


def parse_status(line):
    """The console's status line as a dict (counters, now_ms, address, drops, line), or None."""
    m = re.match(r"status at (\d+) ms: (.*?) address (\S+) drops ?(.*)$", line)
    if not m:
        return None
    words = m.group(2).split()
    st = {k: int(v) for k, v in zip(words[::2], words[1::2])}
    st["now_ms"] = int(m.group(1))
    st["address"] = m.group(3)
    st["drops"] = {k: int(v) for k, v in (d.split("=") for d in m.group(4).split())}
    st["line"] = line
    return st


def until_prompt(mon):
    """What the QEMU monitor socket `mon` sends up to its next "(qemu)" prompt."""
    buf = b""
    while not buf.rstrip().endswith(b"(qemu)"):
        data = mon.recv(4096)
        if not data:
            break
        buf += data
    return buf.decode(errors="replace")


def slip_encode(frame: bytes) -> bytes:
    out = bytearray([END])
    for b in frame:
        if b == END:
            out += bytes([ESC, ESC_END])
        elif b == ESC:
            out += bytes([ESC, ESC_ESC])
        else:
            out.append(b)
    out.append(END)
    return bytes(out)


class SlipReader:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()
        self.esc = False
        self.frames = []

    def feed(self, data: bytes):
        for b in data:
            if b == END:
                if self.buf:
                    self.frames.append(bytes(self.buf))
                self.buf.clear()
                self.esc = False
            elif self.esc:
                self.esc = False
                self.buf.append({ESC_END: END, ESC_ESC: ESC}.get(b, b))
            elif b == ESC:
                self.esc = True
            else:
                self.buf.append(b)

    def recv_frame(self, deadline: float) -> bytes:
        while not self.frames:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no SLIP frame before the deadline")
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError("QEMU closed the UART socket")
                self.feed(data)
        return self.frames.pop(0)


class Qemu:
    """One QEMU run: UART0..3 on host-listening Unix sockets, an HMP monitor socket."""

    def __init__(self, elf, machine, timeout_s, append=None, uarts=5):
        self.dir = tempfile.mkdtemp(prefix="pasa-mps2-")
        self.listeners = []
        args = ["timeout", "--signal=KILL", str(timeout_s), "qemu-system-arm", "-M", machine,
                "-display", "none", "-nodefaults", "-net", "none",
                "-semihosting-config", "enable=on,target=native",
                "-monitor", f"unix:{self.dir}/mon.sock,server=on,wait=off"]
        for i in range(uarts):
            path = f"{self.dir}/uart{i}.sock"
            ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            ls.bind(path)
            ls.listen(1)
            self.listeners.append(ls)
            args += ["-chardev", f"socket,id=u{i},path={path},server=off", "-serial", f"chardev:u{i}"]
        args += ["-kernel", elf]
        if append:
            args += ["-append", append]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.uarts = []
        for ls in self.listeners:
            ls.settimeout(10)
            conn, _ = ls.accept()
            self.uarts.append(SlipReader(conn))
        self.t_connected = time.monotonic()
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.out = bytearray()
        self.mon = None

    def read_stdout(self, pattern, deadline, start=0):
        """Waits for `pattern` in semihosting stdout after byte `start`; returns the match."""
        while True:
            m = pattern.search(bytes(self.out), start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise TimeoutError(f"no {pattern.pattern!r} on QEMU's stdout; got {bytes(self.out)!r}")
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                data = self.proc.stdout.read()
                if data:
                    self.out += data

    def monitor(self, cmd, wait_prompt=True):
        """Sends an HMP command; waits for the next "(qemu)" prompt unless told not to."""
        if self.mon is None:
            self.mon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.mon.connect(f"{self.dir}/mon.sock")
            self.mon.settimeout(10)
            self._until_prompt()  # banner
        self.mon.sendall(cmd.encode() + b"\n")
        if wait_prompt:
            return self._until_prompt()
        return ""

    def _until_prompt(self):
        return until_prompt(self.mon)

    def read_memory(self, addr, size):
        path = f"{self.dir}/mem.bin"
        self.monitor(f'pmemsave {addr:#x} {size} "{path}"')
        with open(path, "rb") as f:
            return f.read()

    def status(self, timeout=5.0):
        """The firmware's status line from the console (UART4): counters, address, stack, drops."""
        s = self.uarts[CONSOLE].sock
        s.sendall(b"s")
        buf, deadline = b"", time.monotonic() + timeout
        while not buf.endswith(b"\n"):
            r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                raise TimeoutError(f"no status line on the console; got {buf!r}")
            buf += s.recv(4096)
        line = buf.decode().strip()
        st = parse_status(line)
        assert st, f"status line: {line!r}"
        return st

    def alive(self):
        return self.proc.poll() is None

    def quit(self):
        self.monitor("quit", wait_prompt=False)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        err = self.proc.stderr.read().decode(errors="replace")
        self.close()
        return rc, err

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for s in self.listeners + [u.sock for u in self.uarts] + ([self.mon] if self.mon else []):
            s.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def echo(q, link, frame, timeout=5.0):
    u = q.uarts[link]
    t = time.monotonic()
    u.sock.sendall(slip_encode(frame))
    got = u.recv_frame(t + timeout)
    if got != frame:
        raise AssertionError(f"UART{link}: echo differs: sent {len(frame)} B, got {len(got)} B")
    return time.monotonic() - t


def echo_test(elf, machine, timeout_s, do_reset):
    q = Qemu(elf, machine, timeout_s)
    try:
        # The first frame goes out as soon as QEMU has connected, before the guest is up: its
        # octets wait in the socket until the UART takes them.
        t_first = echo(q, 0, b"\x60\x00hello pasa\xc0\xdb\x00", timeout=10.0)
        t_echo = time.monotonic() - q.t0
        m = q.read_stdout(ECHO_BANNER, time.monotonic() + 5)
        board, links, boots = m.group(1).decode(), int(m.group(2)), int(m.group(3))
        assert boots == 1, f"a fresh QEMU should report boot 1, got {boots}"
        print(f"[echo] {board}: QEMU start -> UART sockets connected {1e3 * (q.t_connected - q.t0):.0f} ms "
              f"-> first echo {1e3 * t_echo:.0f} ms")
        for link in range(links):
            for size in (1, 64, 127, 600, 1280, 2048):
                frame = bytes((i * 7 + link) & 0xFF for i in range(size))
                dt = echo(q, link, frame)
                if link == 0 and size in (127, 1280):
                    print(f"[echo] UART{link}: {size} B frame echoed in {1e3 * dt:.1f} ms "
                          f"({2 * len(slip_encode(frame)) / dt / 1024:.1f} KiB/s both ways)")
        # An oversized frame is dropped by the decoder; the link still works after it.
        q.uarts[0].sock.sendall(slip_encode(bytes(3000)))
        echo(q, 0, b"after-oversize")
        print(f"[echo] UART0..{links - 1}: frames of 1..2048 B echoed intact, oversized frame dropped")
        if do_reset:
            start = len(q.out)
            t = time.monotonic()
            q.monitor("system_reset")
            m = q.read_stdout(ECHO_BANNER, time.monotonic() + 10, start)
            t_banner = time.monotonic() - t
            boots = int(m.group(3))
            echo(q, 0, b"after-reset")
            assert boots == 2, f"state pages lost across system_reset: boot counter {boots}"
            print(f"[echo] monitor system_reset: banner again after {1e3 * t_banner:.0f} ms, "
                  f"boot counter 2 (state pages kept), echo works")
        rc, err = q.quit()
        assert rc == 0, f"QEMU exited with {rc}: {err}"
    finally:
        q.close()


def malformed_frames(rng):
    """A burst of frames the firmware must count and drop without resetting."""
    frames = [b"\x00", b"\xff" * 13, bytes(14), bytes(2000)]
    frames.append(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x99" + b"\x08\x00" + bytes(40))  # IPv4 type
    frames.append(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x99" + b"\xa0\xed")  # empty LoWPAN
    for _ in range(40):  # LoWPAN garbage behind a valid header
        frames.append(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x99" + b"\xa0\xed"
                      + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))))
    for _ in range(10):  # random octets
        frames.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
    return frames


def firmware_test(elf, machine, timeout_s):
    name = os.path.basename(elf)
    links = 4 if name == "router" else 1
    mac = "02:00:5e:00:00:%02x" % (0x10 + links)
    q = Qemu(elf, machine, timeout_s, append=f"mac={mac}")
    try:
        first = q.uarts[0].recv_frame(time.monotonic() + 10)
        t_first = 1e3 * (time.monotonic() - q.t0)
        m = q.read_stdout(FW_BANNER, time.monotonic() + 5)
        assert m.group(2).decode() == name and int(m.group(3)) == links, f"banner: {m.group(0)!r}"
        assert m.group(4).decode() == mac, f"mac= from -append not applied: {m.group(0)!r}"
        assert len(first) > 14, f"first frame too short: {first.hex()}"
        assert first[6:12] == bytes.fromhex(mac.replace(":", "")), f"source MAC: {first.hex()}"
        assert first[12:14] == b"\xa0\xed", f"EtherType: {first.hex()}"
        assert t_first <= BOOT_BUDGET_MS, f"first frame after {t_first:.0f} ms"
        print(f"[{name}] {m.group(1).decode()}: QEMU start -> first joiner frame on UART0 "
              f"{t_first:.0f} ms ({len(first)} B to {first[:6].hex(':')}, mac {mac} from -append)")
        rng = random.Random(7)
        bad = malformed_frames(rng)
        for link in range(links):
            for f in bad:
                q.uarts[link].sock.sendall(slip_encode(f))
            # A bare escape error and noise between frames, too.
            q.uarts[link].sock.sendall(bytes([END, ESC, 0x00, END, 0x55, 0x66]))
        t = time.monotonic()
        q.uarts[0].frames.clear()
        again = q.uarts[0].recv_frame(time.monotonic() + 10)
        assert q.alive(), "QEMU exited after the malformed burst"
        assert again[6:12] == first[6:12], "garbled frame after the burst"
        assert len(FW_BANNER.findall(bytes(q.out))) == 1, "the image rebooted after the burst"
        # The UARTs drain at tens of KiB/s: wait (bounded) until every frame has been read.
        sent = links * (len(bad) + 1)
        deadline = time.monotonic() + 15
        while True:
            st = q.status()
            slip = st["slip_bad_escape"] + st["slip_oversize"]
            seen = st["rx_ignored"] + st["rx_frames"] + slip
            if seen >= sent or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert seen == sent, f"{sent} malformed frames sent, {seen} accounted for: {st}"
        assert sum(st["drops"].values()) >= st["rx_frames"], f"frames the core took were not dropped: {st}"
        drops = " ".join(f"{k}={v}" for k, v in sorted(st["drops"].items()))
        print(f"[{name}] {len(bad) + 1} malformed frames on each of {links} link(s): no reset, "
              f"next frame on UART0 after {1e3 * (time.monotonic() - t):.0f} ms; all counted: "
              f"SLIP errors {slip}, ignored below the core {st['rx_ignored']}, "
              f"dropped by the core {st['rx_frames']} ({drops})")
        peak = (int(m.group(5)), st["stack"])
        print(f"[{name}] stack high-water mark: {peak[0]} B at boot, {peak[1]} B running")
        # A monitor system_reset reboots the image with its state pages kept (the same reset
        # as a guest SYSRESETREQ); it comes up again and sends again.
        start = len(q.out)
        t = time.monotonic()
        q.monitor("system_reset")
        q.uarts[0].frames.clear()
        q.read_stdout(FW_BANNER, time.monotonic() + 10, start)
        again = q.uarts[0].recv_frame(time.monotonic() + 10)
        assert again[6:12] == first[6:12], "garbled frame after the reset"
        print(f"[{name}] monitor system_reset: up and sending again after "
              f"{1e3 * (time.monotonic() - t):.0f} ms")
        rc, err = q.quit()
        assert rc == 0, f"QEMU exited with {rc}: {err}"
        return peak
    finally:
        q.close()


def selftest(elf, machine, timeout_s):
    t0 = time.monotonic()
    p = subprocess.Popen(["timeout", "--signal=KILL", str(timeout_s), "qemu-system-arm", "-M", machine,
                          "-display", "none", "-nodefaults", "-net", "none",
                          "-semihosting-config", "enable=on,target=native", "-kernel", elf],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    stamps, lines = {}, []
    for raw in p.stdout:
        line = raw.decode(errors="replace").rstrip()
        lines.append(line)
        for key in ("flash ok", "clock start", "clock 1000 ms"):
            if key in line:
                stamps[key] = time.monotonic()
    rc = p.wait()
    text = "\n".join(lines)
    assert "flash ok" in stamps, f"flash self-test failed:\n{text}"
    assert "clock start" in stamps and "clock 1000 ms" in stamps, f"clock self-test failed:\n{text}"
    assert "panicking on purpose" in text, f"no panic message:\n{text}"
    assert rc == 1, f"a panic must end QEMU with exit code 1, got {rc}"
    wall = 1e3 * (stamps["clock 1000 ms"] - stamps["clock start"])
    assert 900 <= wall <= 1500, f"1000 SysTick ms took {wall:.0f} ms of host time"
    print(f"[selftest] state pages NOR-like, erased when fresh; 1000 ms of SysTick = {wall:.0f} ms "
          f"host time; QEMU start -> first line {1e3 * (stamps['flash ok'] - t0):.0f} ms; "
          f"panic -> exit code {rc}")


def find_llvm_size():
    exe = shutil.which("llvm-size")
    if exe:
        return exe
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True).stdout.strip()
    host = re.search(r"host: (\S+)", subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout).group(1)
    exe = os.path.join(sysroot, "lib", "rustlib", host, "bin", "llvm-size")
    return exe if os.path.exists(exe) else None


def footprint(elfs, stacks):
    exe = find_llvm_size()
    if not exe:
        print("llvm-size not found (rustup component add llvm-tools): no footprint table")
        return
    print(f"\n{'image':<8} {'text':>7} {'data':>6} {'bss':>6} {'flash':>7} {'static RAM':>10} "
          f"{'stack boot':>10} {'stack run':>9}")
    for elf in elfs:
        out = subprocess.run([exe, "-B", elf], capture_output=True, text=True, check=True).stdout
        text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
        name = os.path.basename(elf)
        boot, run = stacks.get(name, ("-", "-"))
        print(f"{name:<8} {text:>7} {data:>6} {bss:>6} {text + data:>7} {data + bss:>10} "
              f"{boot:>10} {run:>9}")
    print("(octets; flash = text + data, static RAM = data + bss; stack high-water marks measured "
          "under QEMU by the firmware tests (boot: up to the banner; run: after it), not in static RAM)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("firmware", nargs="*", help="firmware images (file name host or router)")
    ap.add_argument("--machine", default="mps2-an386")
    ap.add_argument("--qemu-timeout", type=int, default=60)
    ap.add_argument("--no-reset", action="store_true")
    ap.add_argument("--selftest", help="examples/selftest image")
    ap.add_argument("--echo", help="examples/echo image")
    args = ap.parse_args()
    passed, failed, stacks = 0, 0, {}

    def check(label, fn, *a):
        nonlocal passed, failed
        try:
            r = fn(*a)
            passed += 1
            return r
        except Exception as e:  # report and go on
            failed += 1
            print(f"[{label}] FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            return None

    if args.selftest:
        check("selftest", selftest, args.selftest, args.machine, args.qemu_timeout)
    if args.echo:
        check("echo", echo_test, args.echo, args.machine, args.qemu_timeout, not args.no_reset)
    for elf in args.firmware:
        name = os.path.basename(elf)
        peak = check(name, firmware_test, elf, args.machine, args.qemu_timeout)
        if peak is not None:
            stacks[name] = peak
    footprint(args.firmware + ([args.echo] if args.echo else []), stacks)
    print(f"\n{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
