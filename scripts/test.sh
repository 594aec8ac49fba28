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
ensure_target thumbv7em-none-eabihf
ensure_target thumbv6m-none-eabi
cargo --version

step "format"
cargo fmt --all -- --check

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit, vector, property, etherparse and fuzz-corpus tests"
cargo test --workspace --locked

step "no_std builds of the codec and the router core (Cortex-M4F and Cortex-M0+)"
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    cargo build -p pasa-addrcodec -p pasa-router --locked --target "$target"
done

step "fuzz targets compile"
cargo check --manifest-path fuzz/Cargo.toml --locked --bins

step "docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "run commands of the README"
cargo run -q -p pasa-topology --bin pasa-topo --locked -- plan examples/figure6.pasa >/dev/null
cargo run -q -p pasa-addrcodec --example codec_tour --locked >/dev/null

printf '\nall test layers passed\n'
