#!/usr/bin/env bash
# The network-namespace tests of issue 6 (sim/tests/lab.rs): real pasa-router processes, one per
# node, each in its own namespace, kernel ping and UDP across the tree. Needs root, iproute2 and
# /dev/net/tun and ping (scripts/test.sh installs what is missing); builds pasa-router, then runs
# the tests with PASA_REQUIRE_NETNS=1 so that a missing prerequisite fails instead of skipping.
#
#   scripts/lab-tests.sh            # debug build, as `cargo test` uses
#   scripts/lab-tests.sh --release  # release pasa-sim and pasa-router
set -euo pipefail
cd "$(dirname "$0")/.."

profile=()
if [ "${1:-}" = "--release" ]; then
    profile=(--release)
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "the namespace tests need root (network namespaces, veths, TUN devices): run this as root" >&2
    exit 1
fi
command -v ip >/dev/null 2>&1 || { echo "the namespace tests need ip (apt-get install iproute2)" >&2; exit 1; }

command -v ping >/dev/null 2>&1 ||
    { echo "the namespace tests need ping (apt-get install iputils-ping; scripts/test.sh installs it)" >&2; exit 1; }

cargo build --locked "${profile[@]}" -p pasa-router --features linux
PASA_REQUIRE_NETNS=1 cargo test --locked "${profile[@]}" -p pasa-sim --test lab
