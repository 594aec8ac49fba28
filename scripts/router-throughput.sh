#!/usr/bin/env bash
# Forwarding throughput of one pasa-router, next to the Linux kernel forwarding native IPv6,
# through the same chain of network namespaces, in the same run (issue 6, item 7):
#
#   tp-src --veth-- tp-rt --veth-- tp-dst
#
# 1. kernel: tp-rt forwards IPv6/UDP from tp-src to tp-dst (net.ipv6.conf.all.forwarding=1).
# 2. PASA:   tp-rt runs `pasa-router` as a router; a root in tp-src and a host in tp-dst
#            join through it, then both stop, and tp-rt forwards PASA frames from its parent
#            link to its child link (page 1, PASA-6LoRH, IPHC, UDP: the canonical frame).
#
# The same generator sends both (`pasa-router inject`: AF_PACKET, 64 frames per sendmmsg) as
# fast as it can; the forwarding rate is what reaches tp-dst's interface per second. Prints
# both rates and the ratio. Needs root. Not part of the test command (it saturates the
# machine for about half a minute).
#
# One CPU each: the generator runs on CPU 0; the forwarding runs on CPU 1 (RPS steers tp-rt's
# received frames there, so the kernel forwards on CPU 1, and pasa-router is pinned to it).
# Without that, a veth runs the kernel's forwarding inside the sender's system call, and the
# kernel's rate would be the generator's.
#
#   scripts/router-throughput.sh [FRAMES] [ROUNDS]      (defaults 2000000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
frames="${1:-2000000}"
rounds="${2:-3}"
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

cargo build -q --release -p pasa-router --features linux --locked
R="$PWD/target/release/pasa-router"
dir=$(mktemp -d "${TMPDIR:-/tmp}/pasa-tp.XXXXXX")
NS=(tp-src tp-rt tp-dst)

cleanup() {
    pkill -f "pasa-router run --config $dir" 2>/dev/null || true
    sleep 0.2
    for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done

for n in "${NS[@]}"; do
    ip netns add "$n"
    ip -n "$n" link set lo up
done
ip link add s0 netns tp-src type veth peer name r0 netns tp-rt
ip link add r1 netns tp-rt type veth peer name d0 netns tp-dst
for pair in tp-src:s0 tp-rt:r0 tp-rt:r1 tp-dst:d0; do
    ip -n "${pair%%:*}" link set "${pair#*:}" up
done
ncpu=$(nproc)
gen_cpu=0
fwd_cpu=$((ncpu > 1 ? 1 : 0))
ip netns exec tp-rt sh -c "printf '%x' $((1 << fwd_cpu)) > /sys/class/net/r0/queues/rx-0/rps_cpus"
echo "generator on CPU $gen_cpu, forwarding on CPU $fwd_cpu ($ncpu CPUs)"
mac() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }
rx() { ip netns exec tp-dst cat /sys/class/net/d0/statistics/rx_packets; }

# Sends COUNT copies of hex $3 (EtherType $2) to MAC $1 from tp-src, at RATE frames/s when
# given ($4 $5: count and rate; defaults $frames and as fast as possible); prints the frames/s
# that reached tp-dst, the generator's own rate, and how many arrived of how many.
measure() {
    local dst="$1" type="$2" hex="$3" count="${4:-$frames}" rate="${5:-}" before after t0 t1
    local pace=()
    [ -n "$rate" ] && pace=(--rate "$rate")
    before=$(rx)
    t0=$(date +%s.%N)
    ip netns exec tp-src taskset -c "$gen_cpu" "$R" inject --interface s0 --dst "$dst" \
        --ethertype "$type" --count "$count" "${pace[@]}" "$hex"
    t1=$(date +%s.%N)
    sleep 0.3
    after=$(rx)
    python3 -c "d=$after-$before; t=$t1-$t0; print(f'{d/t:.0f} {$count/t:.0f} {d} {$count}')"
}

# --- kernel -----------------------------------------------------------------------------
ip -n tp-src -6 addr add 2001:db9:1::1/64 dev s0 nodad
ip -n tp-rt -6 addr add 2001:db9:1::2/64 dev r0 nodad
ip -n tp-rt -6 addr add 2001:db9:2::2/64 dev r1 nodad
ip netns exec tp-rt sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n tp-rt -6 neigh replace 2001:db9:2::1 lladdr "$(mac tp-dst d0)" dev r1 nud permanent
# tp-dst only counts: no IPv6 on d0, so nothing answers.
ip netns exec tp-dst sysctl -qw net.ipv6.conf.d0.disable_ipv6=1
kernel_hex=$(python3 - <<'PY'
import ipaddress, struct
src = ipaddress.IPv6Address("2001:db9:1::1").packed
dst = ipaddress.IPv6Address("2001:db9:2::1").packed
payload = b"PASA-throughput!"
udp = struct.pack("!HHHH", 61616, 61617, 8 + len(payload), 0) + payload
ip6 = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + src + dst
print((ip6 + udp).hex())
PY
)
rt_r0=$(mac tp-rt r0)

# --- PASA ---------------------------------------------------------------------------------
cat >"$dir/src.toml" <<EOF
role = "root"
prefix = "2001:db8::/64"
state_file = "src.state"
log = "warn"
[tun]
name = "pasa-tp"
[[link]]
kind = "ethernet"
interface = "s0"
EOF
cat >"$dir/rt.toml" <<EOF
role = "router"
prefix = "2001:db8::/64"
state_file = "rt.state"
log = "warn"
[tun]
name = "pasa-tp"
[[link]]
kind = "ethernet"
interface = "r0"
parent = true
[[link]]
kind = "ethernet"
interface = "r1"
EOF
cat >"$dir/dst.toml" <<EOF
role = "host"
prefix = "2001:db8::/64"
state_file = "dst.state"
log = "warn"
[tun]
name = "pasa-tp"
[[link]]
kind = "ethernet"
interface = "d0"
parent = true
EOF

start() { ip netns exec "$1" taskset -c "$fwd_cpu" "$R" run --config "$dir/$2.toml" 2>"$dir/$2.log" & }
joined() { ip netns exec "$1" "$R" stats --config "$dir/$2.toml" 2>/dev/null | grep -q '^pasa_joined 1'; }

results=()
for round in $(seq 1 "$rounds"); do
    k=$(measure "$rt_r0" 86dd "$kernel_hex")
    # PASA: bring the three nodes up (fresh state), wait for the host, stop root and host.
    rm -f "$dir"/*.state
    ip netns exec tp-rt sysctl -qw net.ipv6.conf.all.forwarding=0
    start tp-src src
    sleep 0.3
    start tp-rt rt
    start tp-dst dst
    for _ in $(seq 1 100); do
        joined tp-dst dst && break
        sleep 0.1
    done
    joined tp-dst dst || { echo "the PASA chain did not come up; logs:" >&2; tail -5 "$dir"/*.log >&2; exit 1; }
    dst_ip=$(ip netns exec tp-dst "$R" stats --config "$dir/dst.toml" |
        sed -n 's/^pasa_address_info{address="\([^"]*\)".*/\1/p')
    src_mac=$(mac tp-src s0)
    pkill -f "pasa-router run --config $dir/dst.toml" || true
    pkill -f "pasa-router run --config $dir/src.toml" || true
    sleep 0.3
    pasa_hex=$(python3 - "$dst_ip" <<'PY'
import ipaddress, sys
dst = int(ipaddress.IPv6Address(sys.argv[1])) & ((1 << 64) - 1)
d = dst.to_bytes(8, "big").lstrip(b"\0") or b"\0"
frame = bytes([0xF1, 0x80 | (len(d) - 1), 0x50]) + d      # page 1, PASA-6LoRH (type 0x50)
frame += bytes([0x7C, 0x57, 64]) + (1).to_bytes(8, "big")  # IPHC: HL 64, src = root (1)
frame += bytes([0xF3, 0x12, 0x00, 0x00]) + b"PASA-throughput!"  # NHC UDP, ports 0xF0B1/2
print(frame.hex())
PY
)
    p=$(measure "$rt_r0" a0ed "$pasa_hex")
    # Paced at fractions of the kernel's rate: the best rate forwarded with under 1 % loss
    # (the overload figure above includes the CPU spent receiving frames then dropped).
    read -r krate _ _ _ <<<"$k"
    best=0
    for f in 0.7 0.6 0.5 0.4 0.3 0.2; do
        r=$(python3 -c "print(int($krate * $f))")
        read -r got _ arrived sent <<<"$(measure "$rt_r0" a0ed "$pasa_hex" $((r * 2)) "$r")"
        if python3 -c "import sys; sys.exit(0 if $arrived >= 0.99 * $sent else 1)"; then
            best=$got
            break
        fi
    done
    stats=$(ip netns exec tp-rt "$R" stats --config "$dir/rt.toml" | grep -E '^pasa_forwarded_total' || true)
    pkill -f "pasa-router run --config $dir/rt.toml" || true
    sleep 0.3
    ip netns exec tp-rt sysctl -qw net.ipv6.conf.all.forwarding=1
    read -r krate kgen kgot _ <<<"$k"
    read -r prate pgen pgot _ <<<"$p"
    echo "round $round: kernel $krate frames/s (generator $kgen/s, $kgot of $frames arrived);" \
        "pasa-router $prate frames/s flooded (generator $pgen/s, $pgot arrived)," \
        "$best frames/s paced with < 1 % loss ($stats)"
    results+=("$krate $prate $best $kgot")
done
python3 - "$frames" "${results[@]}" <<'PY'
import statistics, sys
frames = float(sys.argv[1])
rows = [tuple(map(float, a.split())) for a in sys.argv[2:]]
k = statistics.median(r[0] for r in rows)
f = statistics.median(r[1] for r in rows)
b = statistics.median(r[2] for r in rows)
print(f"median: kernel {k:,.0f} frames/s; pasa-router {f:,.0f} flooded (ratio {f / k:.2f}), "
      f"{b:,.0f} paced with < 1 % loss (ratio {b / k:.2f}); target >= 0.5")
if all(r[3] >= 0.99 * frames for r in rows):
    print("note: the kernel forwarded every frame the generator could send, so its figure is a lower "
          "bound of what it can forward, and the ratios are upper bounds")
PY
