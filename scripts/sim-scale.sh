#!/usr/bin/env bash
# The simulator at scale (issue "pasa-sim", item 7): a generated k-ary tree of about 1.2 million
# nodes (6 router levels of fan-out 8, 3 hosts per router) bootstrapped by real ND messages level
# by level (random order within a level), then FLOWS datagrams between random pairs, RATE
# flows started per virtual millisecond (100: ten million flows take 100 s of virtual time,
# inside one registration lifetime). Prints the wall time of each phase and of the whole
# process, peak memory, and PASS/FAIL against the targets (<= 60 s and <= 8 GiB for
# 1,000,000 nodes and 10,000,000 packets). Not part of the test command: it takes minutes and
# most of the machine's memory.
#
#   scripts/sim-scale.sh [FLOWS] [RATE]        (defaults 10000000 100)
set -euo pipefail
cd "$(dirname "$0")/.."
flows="${1:-10000000}"
rate="${2:-100}"
out="target/sim-scale"
mkdir -p "$out"
cargo build -q --release -p pasa-sim -p pasa-topology --locked
topo="$out/kary-6-8-3.pasa"
[ -f "$topo" ] || target/release/pasa-topo gen kary --depth 6 --fanout 8 --hosts 3 > "$topo"
nodes=$(grep -c . "$topo")
nodes=$((nodes - 1))
echo "topology: $topo ($nodes nodes); flows: $flows, $rate per virtual ms"
/usr/bin/time -v target/release/pasa-sim run "$topo" --join waves --flows "$flows" --rate "$rate" --out "$out" \
    > "$out/run.log" 2> "$out/time.log" || true
cat "$out/run.log"
# The whole process, start to exit (setup, report and plots included), not the phases' sum.
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%d", s * 1000}' "$out/time.log")
rss_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time.log")
python3 - "$wall" "$rss_kib" "$nodes" "$flows" "$out/report.json" <<'PY'
import json, sys
wall_ms, rss_kib, nodes, flows, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = json.load(open(path))
b, t = r["bootstrap"], r["traffic"]
w = r["wall_ms"]
print(f"setup:     {w.get('setup', 0)} ms wall (the node array; most of it is the kernel zeroing pages)")
print(f"bootstrap: {b['joined']}/{b['nodes']} joined, {b['frames']} frames, {w['bootstrap']} ms wall")
print(f"traffic:   {t['app']['delivered']} delivered of {t['flows'] + t['to_outside']}, {r['wall_ms']['traffic']} ms wall")
print(f"total:     {wall_ms / 1000:.1f} s wall (whole process), {rss_kib / 1048576:.2f} GiB peak RSS")
ok_time = wall_ms <= 60_000
ok_mem = rss_kib <= 8 * 1048576
ok_size = nodes >= 1_000_000 and flows >= 10_000_000 and b["joined"] == b["nodes"]
for name, ok in [("<= 60 s wall", ok_time), ("<= 8 GiB", ok_mem), (">= 1M nodes joined, >= 10M packets", ok_size)]:
    print(f"{name:<36} {'PASS' if ok else 'FAIL'}")
PY
