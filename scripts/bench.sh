#!/usr/bin/env bash
# Runs the criterion benchmarks of pasa-benches (codec, router and topology) and prints the median of every benchmark of this
# run, the routing-table / PASA-decision ratio, and PASS/FAIL against the performance targets.
#
# Usage: scripts/bench.sh [extra criterion arguments, e.g. a benchmark name filter]
#   BENCH_STRICT=1 scripts/bench.sh   exits with status 1 when a target is missed.
#   BENCH_SKIP_RUN=1 scripts/bench.sh only prints the table of the results already on disk.
#
# Needs cargo and python3. Figures are read from <target>/criterion/**/new/estimates.json; the
# target directory comes from `cargo metadata`, so CARGO_TARGET_DIR is honoured.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/cpu-level.sh
. scripts/cpu-level.sh

# Results written before this time are left over from earlier runs and are not printed.
if [[ "${BENCH_SKIP_RUN:-0}" == "1" ]]; then
    since=0
else
    since="$(python3 -c 'import time; print(time.time() - 1)')"
    cargo bench -p pasa-benches --bench codec --bench router --bench topology -- "$@"
fi

target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

python3 - "$target_dir/criterion" "$since" <<'PY'
import json
import os
import sys

root, since = sys.argv[1], float(sys.argv[2])

# name -> (target in ns per element, description)
TARGETS = {
    "forwarding_decision/pasa_decide": (2.0, "forwarding decision"),
    "frame_parse/header_iphc": (20.0, "page dispatch + PASA-6LoRH + IPHC parse"),
    # 1 s for 1,000,000 nodes is 1000 ns per node (the benchmark reports per-node throughput);
    # the peak memory (<= 1 GiB) is printed by the benchmark itself as topology/peak_rss_kib.
    "topology/parse_and_plan_1m_nodes": (1000.0, "parse + plan 1M-node topology, per node"),
    # The router core: a verdict and its emitted output (receive + emit), see benches/router.rs.
    "router/forward": (25.0, "router forward, SPEC frame (receive+emit)"),
    "router/border_compress": (150.0, "border compress, native 64 B -> frame"),
    "router/border_decompress": (150.0, "border decompress, IP-in-IP frame -> native"),
    "router/registrar_ns_gaao": (1000.0, "registrar NS(GAAO) -> NA, repeat (no commit)"),
    "router/registrar_ns_gaao_fresh": (1000.0, "registrar NS(GAAO) -> NA, new (commit)"),
}
# The first is the requested baseline (std HashMap, SipHash); the second uses FxHash.
BASELINES = [
    "forwarding_decision/routing_table_lookup",
    "forwarding_decision/routing_table_lookup_fxhash",
]
PASA = "forwarding_decision/pasa_decide"


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    if ns >= 100:
        return f"{ns:.0f} ns"
    if ns >= 10:
        return f"{ns:.1f} ns"
    return f"{ns:.3f} ns"


rows = {}
if os.path.isdir(root):
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        est_path = os.path.join(dirpath, "estimates.json")
        if os.path.getmtime(est_path) < since:
            continue
        with open(est_path) as f:
            est = json.load(f)
        meta = {}
        bench_path = os.path.join(dirpath, "benchmark.json")
        if os.path.exists(bench_path):
            with open(bench_path) as f:
                meta = json.load(f)
        name = meta.get("full_id") or os.path.relpath(os.path.dirname(dirpath), root)
        elements = 1
        throughput = meta.get("throughput") or {}
        if isinstance(throughput, dict) and "Elements" in throughput:
            elements = int(throughput["Elements"])
        median = float(est["median"]["point_estimate"])
        lo = float(est["median"]["confidence_interval"]["lower_bound"])
        hi = float(est["median"]["confidence_interval"]["upper_bound"])
        rows[name] = (median, lo, hi, elements)

if not rows:
    sys.exit(f"no criterion results from this run under {root}")

width = max(len(n) for n in rows)
print()
print(f"{'benchmark':<{width}}  {'median/iter':>12}  {'per element':>12}  {'95% CI of median/elem':>24}")
print("-" * (width + 56))
for name in sorted(rows):
    median, lo, hi, elements = rows[name]
    per = fmt_ns(median / elements) if elements > 1 else ""
    ci = f"{fmt_ns(lo / elements)} .. {fmt_ns(hi / elements)}"
    print(f"{name:<{width}}  {fmt_ns(median):>12}  {per:>12}  {ci:>24}")
print()

failed = False
for baseline in BASELINES:
    if PASA in rows and baseline in rows:
        pasa = rows[PASA][0] / rows[PASA][3]
        base = rows[baseline][0] / rows[baseline][3]
        print(f"ratio {baseline.split('/')[-1]} / pasa_decide: {base / pasa:.1f}x "
              f"({fmt_ns(base)} vs {fmt_ns(pasa)} per destination)")
print()
print(f"{'target':<45}  {'median':>10}  {'limit':>10}  result")
for name, (limit, label) in TARGETS.items():
    if name not in rows:
        print(f"{label:<45}  {'-':>10}  {fmt_ns(limit):>10}  NOT RUN ({name})")
        continue
    median, _lo, _hi, elements = rows[name]
    value = median / elements
    ok = value <= limit
    failed |= not ok
    print(f"{label:<45}  {fmt_ns(value):>10}  {'<= ' + fmt_ns(limit):>10}  {'PASS' if ok else 'FAIL'}")

strict = os.environ.get("BENCH_STRICT", "0") == "1"
sys.exit(1 if failed and strict else 0)
PY
