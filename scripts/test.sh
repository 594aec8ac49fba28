#!/usr/bin/env bash
# Runs every test layer of the PASA router suite, installing what the tests need when it is
# missing. CI runs exactly this script (through .ci/run); so should you before you push.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# shellcheck source=scripts/cpu-level.sh
. scripts/cpu-level.sh

ensure_component() {
    rustup component list --installed 2>/dev/null | grep -q "^$1" || rustup component add "$1"
}

ensure_target() {
    rustup target list --installed 2>/dev/null | grep -qx "$1" || rustup target add "$1"
}

step "toolchain: rustfmt, clippy and the no_std targets"
ensure_component rustfmt
ensure_component clippy
ensure_component llvm-tools
ensure_target thumbv7em-none-eabihf
ensure_target thumbv6m-none-eabi
cargo --version

step "format"
cargo fmt --all -- --check

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Debian packages the tests drive (installed with apt when missing; sudo when not root):
# tshark reads the pcaps of sim/tests/dissector.rs and the demo through sim/wireshark/pasa.lua;
# ip (iproute2) and ping (iputils-ping) run the network-namespace lab of sim/tests/lab.rs.
# The tests are told to fail, not skip, without them.
ensure_pkg() {
    local cmd="$1" pkg="$2"
    command -v "$cmd" >/dev/null 2>&1 && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "$cmd is missing and this is not root and there is no sudo: install it (apt-get install $pkg)" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$cmd is missing and there is no apt-get: install $pkg by hand" >&2
        return 1
    fi
    local log
    log=$(mktemp)
    # Install from the current package lists; refresh them only when that fails.
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >"$log" 2>&1; then
        if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg"; } >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            echo "could not install $pkg with apt-get (output above)" >&2
            return 1
        fi
    fi
    rm -f "$log"
    command -v "$cmd" >/dev/null 2>&1 || { echo "apt-get installed $pkg but $cmd is not on PATH" >&2; return 1; }
}

step "Debian packages: tshark (dissector), iproute2 and iputils-ping (namespace lab), qemu-system-arm (firmware)"
ensure_pkg tshark tshark
ensure_pkg ip iproute2
ensure_pkg ping iputils-ping
ensure_pkg qemu-system-arm qemu-system-arm
tshark --version 2>/dev/null | sed -n 1p

# The namespace tests need root (network namespaces, veth, TUN). CI runs as root; a developer
# who is not gets them skipped with a message, not failed.
netns=0
if [ "$(id -u)" -eq 0 ]; then
    netns=1
fi

step "pasa-router for Linux (feature linux): clippy, unit tests, the binary the lab runs"
cargo clippy -p pasa-router --features linux --all-targets --locked -- -D warnings
cargo test -p pasa-router --features linux --locked --bin pasa-router
cargo build -p pasa-router --features linux --locked

step "unit, vector, property, etherparse, fuzz-corpus and dissector tests"
PASA_REQUIRE_TSHARK=1 PASA_REQUIRE_NETNS=$netns cargo test --workspace --locked

step "no_std builds of the codec and the router core (Cortex-M4F and Cortex-M0+)"
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    cargo build -p pasa-addrcodec -p pasa-router --locked --target "$target"
done
cargo build -p pasa-firmware --locked --target thumbv7em-none-eabihf

step "firmware images under QEMU (mps2-an386): boot, links, state pages, joins, footprint"
CARGO_LOCKED=1 PASA_REQUIRE_NETNS=$netns firmware/boards/mps2-an386/run-qemu.sh

step "fuzz targets compile"
cargo check --manifest-path fuzz/Cargo.toml --locked --bins

step "docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
RUSTDOCFLAGS="-D warnings" cargo doc -p pasa-router --features linux --no-deps --locked --bins

step "run commands of the README"
cargo run -q -p pasa-sim --locked -- demo --out target/pasa-sim-demo
# The demo's capture decodes with the shipped dissector, with no malformed frame.
if tshark -X lua_script:sim/wireshark/pasa.lua -o 6lowpan.context0:2001:db8::/64 \
    -r target/pasa-sim-demo/frames.pcap -V 2>/dev/null | grep -qiE 'malformed|Expert Info \(Error'; then
    echo "tshark reports malformed frames in target/pasa-sim-demo/frames.pcap" >&2
    exit 1
fi
if tshark -r target/pasa-sim-demo/ipv6.pcap -V -o udp.check_checksum:TRUE 2>/dev/null \
    | grep -qiE 'malformed|Expert Info \(Error|\[Checksum Status: Bad\]'; then
    echo "tshark reports errors in target/pasa-sim-demo/ipv6.pcap" >&2
    exit 1
fi
cargo run -q -p pasa-sim --locked -- scenarios --run all >/dev/null
cargo run -q -p pasa-topology --bin pasa-topo --locked -- plan examples/figure6.pasa >/dev/null
cargo run -q -p pasa-addrcodec --example codec_tour --locked >/dev/null

printf '\nall test layers passed\n'
