//! `pasa-topo`: plan PASA addresses from a topology file and answer questions about the plan.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pasa_addrcodec::Prefix64;
use pasa_topology::{Order, Topology, generate, ops, plan, report};

/// Plan PASA (Path-Aware Semantic Addressing) networks.
///
/// A topology file lists one node per line as `<role> <name>` (roles root, router, host),
/// nested by indentation with spaces; an optional first line `prefix 2001:db8::/64` sets the
/// domain prefix. The same tree in JSON is accepted too (a `.json` file).
#[derive(Parser)]
#[command(name = "pasa-topo", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

const EXAMPLES: &str = "\
Examples:
  pasa-topo plan examples/figure6.pasa
  pasa-topo plan examples/figure6.pasa --format json
  pasa-topo plan examples/feeder.pasa --order compact
  pasa-topo route examples/figure6.pasa --from h-1011 --to h-101011
  pasa-topo explain 2001:db8::2b
  pasa-topo explain 0b101011
  pasa-topo check examples/feeder.pasa
  pasa-topo diff old.pasa new.pasa --format json
  pasa-topo gen random --nodes 1000 --seed 7 > random.pasa";

#[derive(Subcommand)]
enum Cmd {
    /// Assign every node its address by TAAF and print the plan.
    Plan {
        /// Topology file (text format, or JSON with a .json name).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Sibling order: as declared, or compact (deepest subtrees get the lowest indexes,
        /// which minimises the longest address).
        #[arg(long, value_enum, default_value_t = OrderArg::Declared)]
        order: OrderArg,
    },
    /// The hop-by-hop path between two nodes, each hop decided by the node's own address logic.
    Route {
        /// Topology file.
        file: PathBuf,
        /// Source node name.
        #[arg(long)]
        from: String,
        /// Destination node name.
        #[arg(long)]
        to: String,
        /// Output format (table = text).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What an address means: role and path from the root.
    Explain {
        /// An IPv6 address inside the prefix, 0bBINARY or 0xHEX.
        addr: String,
        /// The domain prefix.
        #[arg(long, default_value = "2001:db8::/64")]
        prefix: Prefix64,
        /// Output format (table = text).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Validate a file and show each router's capacity headroom.
    Check {
        /// Topology file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The renumbering report between two versions of a plan.
    Diff {
        /// The old topology.
        old: PathBuf,
        /// The new topology.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write a generated topology in the text format to standard output.
    Gen {
        #[command(subcommand)]
        kind: GenKind,
    },
}

#[derive(Subcommand)]
enum GenKind {
    /// A complete k-ary tree of routers with hosts on every router.
    Kary {
        /// Router levels below the root.
        #[arg(long)]
        depth: u32,
        /// Router children per router.
        #[arg(long)]
        fanout: u32,
        /// Host children per router.
        #[arg(long, default_value_t = 0)]
        hosts: u32,
    },
    /// A random tree (random attachment, kept within 64 bits).
    Random {
        /// Number of nodes.
        #[arg(long)]
        nodes: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Share of routers among the nodes (0..1).
        #[arg(long, default_value_t = 0.3)]
        router_share: f64,
    },
    /// A smart-grid feeder: substation, feeders, street cabinets, breakers and meters.
    Feeder {
        /// Feeders under the substation.
        #[arg(long, default_value_t = 4)]
        feeders: u32,
        /// Cabinets per feeder.
        #[arg(long, default_value_t = 8)]
        cabinets: u32,
        /// Meters per cabinet (about; ±25 %).
        #[arg(long, default_value_t = 24)]
        meters: u32,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// An industrial cell: gateway, PLCs, RS-485 segments, sensors and drives.
    Cell {
        /// Production lines (PLCs).
        #[arg(long, default_value_t = 3)]
        lines: u32,
        /// RS-485 segments per line.
        #[arg(long, default_value_t = 4)]
        stations: u32,
        /// Devices per segment (about; ±25 %).
        #[arg(long, default_value_t = 12)]
        devices: u32,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Dot,
}

#[derive(Clone, Copy, ValueEnum)]
enum OrderArg {
    Declared,
    Compact,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.cmd) {
        Ok(out) => {
            use std::io::Write;
            match std::io::stdout().lock().write_all(out.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                // `pasa-topo plan big.pasa | head`: the reader left, which is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: writing the output: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load(path: &PathBuf) -> Result<Topology> {
    let name = path.display().to_string();
    let src = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
    Ok(pasa_topology::parse(&src, &name)?)
}

fn no_dot(f: Format, what: &str) -> Result<()> {
    if matches!(f, Format::Dot) {
        bail!("--format dot is only for `plan`; {what} prints table or json");
    }
    Ok(())
}

fn run(cmd: Cmd) -> Result<String> {
    Ok(match cmd {
        Cmd::Plan {
            file,
            format,
            order,
        } => {
            let t = load(&file)?;
            let order = match order {
                OrderArg::Declared => Order::Declared,
                OrderArg::Compact => Order::Compact,
            };
            let p = plan(&t, order)?;
            let mut out = match format {
                Format::Table => report::plan_table(&t, &p),
                Format::Json => report::to_json(&report::plan_json(&t, &p)),
                Format::Dot => report::plan_dot(&t, &p),
            };
            if order == Order::Compact && matches!(format, Format::Table) {
                let before = pasa_topology::plan::longest(&t, Order::Declared);
                out.push_str(&format!(
                    "compact order: longest address {} bits instead of {} declared ({} bits saved)\n",
                    p.max_len,
                    before,
                    before.saturating_sub(u32::from(p.max_len))
                ));
            }
            out
        }
        Cmd::Route {
            file,
            from,
            to,
            format,
        } => {
            no_dot(format, "route")?;
            let t = load(&file)?;
            let p = plan(&t, Order::Declared)?;
            let r = ops::route(&t, &p, &from, &to)?;
            match format {
                Format::Json => report::to_json(&r),
                _ => report::route_text(&r),
            }
        }
        Cmd::Explain {
            addr,
            prefix,
            format,
        } => {
            no_dot(format, "explain")?;
            let e = ops::explain(&addr, prefix)?;
            match format {
                Format::Json => report::to_json(&serde_json::json!({
                    "pasa": e.pasa, "role": e.role, "path": e.path,
                    "len": e.len, "hex": e.hex, "ipv6": e.ipv6,
                })),
                _ => report::explain_text(&e),
            }
        }
        Cmd::Check { file, format } => {
            no_dot(format, "check")?;
            let t = load(&file)?;
            let p = plan(&t, Order::Declared)?;
            let rows = ops::check(&t, &p);
            match format {
                Format::Json => report::to_json(&serde_json::json!({
                    "nodes": t.nodes.len(), "max_len": p.max_len,
                    "lorh_octets": p.max_len.div_ceil(8), "routers": rows,
                })),
                _ => report::check_table(&t, &p, &rows),
            }
        }
        Cmd::Diff { old, new, format } => {
            no_dot(format, "diff")?;
            let (a, b) = (load(&old)?, load(&new)?);
            let (pa, pb) = (plan(&a, Order::Declared)?, plan(&b, Order::Declared)?);
            let rows = ops::diff(&a, &pa, &b, &pb);
            match format {
                Format::Json => report::to_json(&rows),
                _ => report::diff_table(&rows),
            }
        }
        Cmd::Gen { kind } => {
            let t = match kind {
                GenKind::Kary {
                    depth,
                    fanout,
                    hosts,
                } => generate::kary(depth, fanout, hosts).with_context(|| {
                    format!(
                        "a {fanout}-ary tree of depth {depth} with {hosts} hosts needs {} bits, more than 64",
                        1 + u64::from(depth) * u64::from(fanout) + u64::from(hosts)
                    )
                })?,
                GenKind::Random {
                    nodes,
                    seed,
                    router_share,
                } => {
                    if !(0.0..=1.0).contains(&router_share) {
                        bail!("--router-share must be between 0 and 1, got {router_share}");
                    }
                    generate::random(nodes.max(1), seed, router_share)
                }
                GenKind::Feeder {
                    feeders,
                    cabinets,
                    meters,
                    seed,
                } => generate::feeder(feeders, cabinets, meters, seed)
                    .context("this feeder does not fit in 64 bits: use fewer feeders, cabinets or meters")?,
                GenKind::Cell {
                    lines,
                    stations,
                    devices,
                    seed,
                } => generate::cell(lines, stations, devices, seed)
                    .context("this cell does not fit in 64 bits: use fewer lines, stations or devices")?,
            };
            t.to_text()
        }
    })
}
