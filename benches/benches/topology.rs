//! Topology planning at scale: parse and plan a generated 1,000,000-node tree (issue target:
//! <= 1 s and <= 1 GiB on the project's 2-core machine).
//!
//! The tree is `pasa-topo gen random --nodes 1000000 --seed 1` (30 % routers), written to text
//! once; each iteration parses that text with the nom parser and plans it by TAAF. After the
//! run the process peak resident memory (VmHWM, which includes the 37 MB source text and
//! criterion itself) is printed as an upper bound of the memory the parse + plan needs.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use pasa_topology::generate::random;
use pasa_topology::{Order, plan, text};

const NODES: usize = 1_000_000;

fn parse_and_plan(c: &mut Criterion) {
    let src = random(NODES, 1, 0.3).to_text();
    let mut g = c.benchmark_group("topology");
    g.throughput(Throughput::Elements(NODES as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(12));
    g.bench_function("parse_and_plan_1m_nodes", |b| {
        b.iter(|| {
            let t = text::parse(black_box(&src), "bench").expect("generated text parses");
            let p = plan(&t, Order::Declared).expect("generated tree fits");
            black_box(p.max_len)
        })
    });
    g.bench_function("parse_1m_nodes", |b| {
        b.iter(|| {
            text::parse(black_box(&src), "bench")
                .expect("parses")
                .nodes
                .len()
        })
    });
    let t = text::parse(&src, "bench").expect("parses");
    g.bench_function("plan_1m_nodes", |b| {
        b.iter(|| plan(black_box(&t), Order::Declared).expect("fits").max_len)
    });
    g.finish();
}

criterion_group!(benches, parse_and_plan);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        let kb: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        println!(
            "topology/peak_rss_kib {kb} (VmHWM of the whole bench process; target <= 1048576)"
        );
    }
}
