#!/usr/bin/env bash
# Builds the mps2-an386 images (release) and runs harness.py on them: the board self-test, the
# UART echo image (links, system_reset keeps the state pages), and the host and router firmware
# images (boot, first joiner frame, malformed burst, stack peak); then the footprint table.
# Then system_tests.py: the images in a network of Linux pasa-router peers (join by GAAO under a
# root, ping and UDP echo, forwarding as a router, reset keeping the address, malformed burst);
# it needs root (network namespaces, TUN) and builds target/debug/pasa-router if it is missing.
# Not root: they are skipped with a message, as scripts/test.sh does with the namespace tests,
# unless PASA_REQUIRE_NETNS=1 (then they fail). PASA_SKIP_SYSTEM_TESTS=1 skips them.
# Extra arguments go to harness.py (e.g. --machine mps2-an385 after building for thumbv7m).
# Needs qemu-system-arm (Debian: qemu-system-arm) and python3; adds the rustup target
# thumbv7em-none-eabihf and the rustup component llvm-tools when missing.
set -euo pipefail
cd "$(dirname "$0")"

command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm missing (apt-get install qemu-system-arm)" >&2; exit 1; }
rustup target list --installed | grep -qx thumbv7em-none-eabihf || rustup target add thumbv7em-none-eabihf
rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools

cargo build --release --bins --examples ${CARGO_LOCKED:+--locked}
out=target/thumbv7em-none-eabihf/release
rc=0
python3 harness.py --selftest "$out/examples/selftest" --echo "$out/examples/echo" "$@" "$out/host" "$out/router" || rc=$?

echo
if [ "${PASA_SKIP_SYSTEM_TESTS:-}" = 1 ]; then
    echo "system tests SKIPPED (PASA_SKIP_SYSTEM_TESTS=1)"
elif [ "$(id -u)" -ne 0 ] && [ "${PASA_REQUIRE_NETNS:-0}" != 1 ]; then
    echo "system tests SKIPPED: they need root (network namespaces, TUN); PASA_REQUIRE_NETNS=1 makes this a failure"
else
    # The script cleans up its namespaces and processes on SIGTERM; KILL only as a backstop.
    timeout --signal=TERM --kill-after=15 300 python3 system_tests.py "$out/host" "$out/router" || rc=$?
fi
exit "$rc"
