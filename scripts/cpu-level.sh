# Sourced by scripts/test.sh and scripts/bench.sh.
# .cargo/config.toml builds x86-64 code for the x86-64-v3 level (LZCNT, BMI, AVX2). On a CPU
# without those features every binary, build scripts included, would die with SIGILL, so fall
# back to the baseline level there (RUSTFLAGS overrides the config file's rustflags).
if [ "$(uname -m)" = x86_64 ] && [ -z "${RUSTFLAGS:-}" ] && [ -r /proc/cpuinfo ]; then
    for flag in avx2 bmi1 bmi2 fma movbe abm; do
        if ! grep -qw "$flag" /proc/cpuinfo; then
            export RUSTFLAGS="-C target-cpu=x86-64"
            echo "note: this CPU lacks $flag: building for baseline x86-64 instead of x86-64-v3" >&2
            break
        fi
    done
fi
