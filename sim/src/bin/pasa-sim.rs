//! `pasa-sim`: run a PASA network in simulation, every node the real router core.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pasa_sim::engine;
use pasa_sim::pcap::PcapWriter;
use pasa_sim::plot;
use pasa_sim::report::{self, Report};
use pasa_sim::run::{self, TrafficPlan};
use pasa_sim::scenario;
use pasa_sim::{JoinOrder, Sim, SimConfig};
use std::fs::File;
use std::io::BufWriter;
use std::sync::{Arc, Mutex, PoisonError};

/// Figure 6 of the draft, built in for `demo`.
const FIGURE6: &str = include_str!("../../../examples/figure6.pasa");

#[derive(Parser)]
#[command(
    name = "pasa-sim",
    version,
    about = "Simulate a PASA network: every node runs the real router core, addresses come from real ND messages",
    long_about = "Simulate a PASA network. Every node runs the real pasa-router core; nodes get their \
addresses by the real RS/RA/NS(GAAO)/NA/NS(EARO)/NA exchange over simulated links (latency, loss, MTU), \
then carry UDP datagrams between each other and ICMPv6 echo and UDP with a host outside the domain. \
The run is written as a JSON report next to the same topology under RPL storing and non-storing \
modes. The same seed gives the same run.\n\nExit status: 0 when every node joined and every packet \
arrived, 1 otherwise or on an error (the message names the file), 2 on a usage error."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum Join {
    /// One node at a time in declaration order; addresses must equal `pasa-topo plan`.
    Declared,
    /// All nodes at random times in random order (children often before their parents).
    Random,
    /// Level by level, random order within a level (fast for millions of nodes).
    Waves,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Random node-to-node flows (default: every ordered pair up to 64 nodes, else 1000).
    #[arg(long)]
    flows: Option<usize>,
    /// Flows started per millisecond of virtual time. At 1, ten million flows span 2.8 h of
    /// virtual time, and every node also refreshes its registration a few times meanwhile.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rate: u32,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Probability that a frame is lost on a link, 0.0 to 0.99.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// One-way link delay, milliseconds.
    #[arg(long, default_value_t = 2)]
    latency: u64,
    /// Join order.
    #[arg(long, value_enum, default_value = "declared")]
    join: Join,
    /// Folder for report.json.
    #[arg(long, default_value = "pasa-sim-out")]
    out: PathBuf,
    /// Run this named scenario on the topology instead (see `pasa-sim scenarios`).
    #[arg(long)]
    scenario: Option<String>,
    /// Also write every frame to DIR/frames.pcap (Ethernet, EtherType 0xA0ED). Large runs
    /// make large captures: about 80 octets per frame.
    #[arg(long)]
    pcap: bool,
    /// Also write the decompressed view to DIR/ipv6.pcap: the native IPv6 packets every
    /// node's stack and the outside host send and receive (raw IPv6 link type).
    #[arg(long)]
    pcap_ipv6: bool,
    /// Engine lanes, each on its own thread (1 to 64). 1 runs event by event; more split the
    /// nodes by the root's subtrees and advance one link latency at a time, in parallel.
    /// Default: 2 from 50,000 nodes on (1 with a capture, whose records must come in time
    /// order), else 1. A seed and a lane count give the same run on any machine.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    lanes: Option<u16>,
}

/// Nodes from which `pasa-sim run` uses two lanes by default.
const LANES_FROM: usize = 50_000;

#[derive(Subcommand)]
enum Cmd {
    /// Simulate the topology in TOPO (pasa-topo text format or JSON).
    Run {
        /// Topology file.
        topo: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// List the fault scenarios, or run them (`--run all` or a name) with pass/fail checks.
    Scenarios {
        /// `all`, or a scenario's name.
        #[arg(long)]
        run: Option<String>,
        /// Topology to run them on (default: a built-in 3-level tree, 39 routers and 80 hosts).
        #[arg(long)]
        topo: Option<PathBuf>,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Engine lanes (threads), 1 to 64; see `run --lanes`.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        lanes: u16,
    },
    /// The draft's Figure 6 network: bootstrapped by messages, every pair delivered, report
    /// written, a summary printed.
    Demo {
        /// Folder for report.json.
        #[arg(long, default_value = "pasa-sim-out")]
        out: PathBuf,
    },
    /// The network-namespace lab: real `pasa-router` processes, one per node, each in its own
    /// network namespace, a veth pair per tree edge, and an `outside` host behind the root
    /// (needs root).
    #[cfg(target_os = "linux")]
    Lab(LabArgs),
}

#[cfg(target_os = "linux")]
#[derive(clap::Args)]
struct LabArgs {
    /// Lab folder: lab.json, and per node a folder with node.toml, state, socket and log.
    #[arg(long, global = true, default_value = pasa_sim::lab::DEFAULT_DIR)]
    dir: PathBuf,
    #[command(subcommand)]
    cmd: LabCmd,
}

#[cfg(target_os = "linux")]
#[derive(Subcommand)]
enum LabCmd {
    /// Create a namespace per node of TOPO, a veth pair per edge and the outside host; start
    /// one `pasa-router` per node; return when every node holds its address (exit 0), or
    /// after the timeout with a report of the nodes that did not join (exit 1; the lab stays
    /// up for inspection until `down`).
    Up {
        /// Topology file (pasa-topo text format or JSON), or `figure6` for the built-in one.
        topo: PathBuf,
        /// Seconds to wait for every node to join.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// The pasa-router binary (default: $PASA_ROUTER, else next to pasa-sim).
        #[arg(long)]
        router_bin: Option<PathBuf>,
        /// Prefix of the namespace names: nodes are PREFIX<index>, the outside host PREFIXout.
        #[arg(long, default_value = pasa_sim::lab::DEFAULT_NS_PREFIX)]
        ns_prefix: String,
        /// The routers' log level.
        #[arg(long, default_value = "info")]
        log: String,
        /// Have every router capture its frames into DIR/<node>/frames.pcap.
        #[arg(long)]
        pcap: bool,
    },
    /// Stop every router (SIGTERM, SIGKILL after 3 s) and delete the lab's namespaces.
    Down,
    /// Run a command in a node's namespace (NODE: a topology name, or `outside`); exits with
    /// the command's exit code.
    Exec {
        /// Node name, or `outside`.
        node: String,
        /// The command and its arguments (after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        cmd: Vec<String>,
    },
    /// Print a node's IPv6 address (from its router's stats).
    Addr {
        /// Node name, or `outside`.
        node: String,
    },
    /// Print every node: namespace, router pid, joined, address.
    Status,
    /// Print a node's router's stats (Prometheus text).
    Stats {
        /// Node name.
        node: String,
    },
    /// Kill a node's router with SIGKILL.
    Kill {
        /// Node name.
        node: String,
    },
    /// Start a node's router again (same config and state file) and wait until it joined.
    Start {
        /// Node name.
        node: String,
        /// Seconds to wait for it to join (0: do not wait).
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Receive numbered datagrams on [::]:PORT; print one JSON line.
    #[command(hide = true)]
    UdpRecv {
        /// UDP port.
        #[arg(long)]
        port: u16,
        /// Datagrams expected.
        #[arg(long)]
        count: u64,
        /// Seconds to wait at most.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Send numbered datagrams to [DST]:PORT, paced; print one JSON line.
    #[command(hide = true)]
    UdpSend {
        /// Destination address.
        dst: std::net::Ipv6Addr,
        /// UDP port.
        #[arg(long)]
        port: u16,
        /// Datagrams to send.
        #[arg(long)]
        count: u64,
        /// Datagrams per second.
        #[arg(long, default_value_t = 2000)]
        rate: u64,
        /// Octets of UDP payload (at least 24).
        #[arg(long, default_value_t = 32)]
        size: usize,
    },
}

/// The capture, shared between the simulator's tap and the code that closes it.
type SharedPcap = Arc<Mutex<Option<PcapWriter<BufWriter<File>>>>>;

/// Opens `out/name` as a capture (`ethernet`, or raw IPv6), shared between the simulator's
/// tap and the code that closes it.
fn open_capture(out: &Path, name: &str, ethernet: bool) -> Result<SharedPcap> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let path = out.join(name);
    let file = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let file = BufWriter::new(file);
    let w = if ethernet {
        PcapWriter::ethernet(file)?
    } else {
        PcapWriter::raw_ipv6(file)?
    };
    Ok(Arc::new(Mutex::new(Some(w))))
}

/// Records every frame put on a link into `out/frames.pcap` (Ethernet, EtherType 0xA0ED;
/// virtual milliseconds as timestamps). Open it with `sim/wireshark/pasa.lua`.
fn pcap_tap<const N: usize>(sim: &mut Sim<N>, out: &Path) -> Result<SharedPcap> {
    let shared = open_capture(out, "frames.pcap", true)?;
    let tap = Arc::clone(&shared);
    sim.tap = Some(Box::new(move |now, from, to, frame| {
        let mac = |i: u32| -> [u8; 6] {
            let mut m = [0u8; 6];
            m.copy_from_slice(engine::mac(i).as_bytes());
            m
        };
        if let Some(w) = tap.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            // A failed write shows when the writer is flushed at the end.
            let _ = w.write_lowpan(now * 1000, &mac(to), &mac(from), frame);
        }
    }));
    Ok(shared)
}

/// Records the native IPv6 packets into `out/ipv6.pcap` (LINKTYPE_IPV6).
fn ipv6_tap<const N: usize>(sim: &mut Sim<N>, out: &Path) -> Result<SharedPcap> {
    let shared = open_capture(out, "ipv6.pcap", false)?;
    let tap = Arc::clone(&shared);
    sim.ipv6_tap = Some(Box::new(move |now, _, _, packet| {
        if let Some(w) = tap.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            // A failed write shows when the writer is flushed at the end.
            let _ = w.write_ipv6(now * 1000, packet);
        }
    }));
    Ok(shared)
}

/// Simulates with the smallest table capacity that fits the topology.
fn simulate(topo: pasa_topology::Topology, args: &RunArgs) -> Result<Report> {
    match engine::capacity_for(&topo) {
        Some(8) => simulate_with::<8>(topo, args),
        Some(16) => simulate_with::<16>(topo, args),
        Some(32) => simulate_with::<32>(topo, args),
        _ => simulate_with::<64>(topo, args),
    }
}

fn simulate_with<const N: usize>(topo: pasa_topology::Topology, args: &RunArgs) -> Result<Report> {
    let capture = args.pcap || args.pcap_ipv6;
    let lanes = match args.lanes.map(usize::from) {
        Some(k) if k > 1 && capture => {
            bail!("--pcap and --pcap-ipv6 record in time order only with --lanes 1 (asked: {k})")
        }
        Some(k) => k,
        None if !capture && topo.nodes.len() >= LANES_FROM => 2,
        None => 1,
    };
    let cfg = SimConfig {
        lanes,
        seed: args.seed,
        latency_ms: args.latency,
        loss: args.loss,
        join: match args.join {
            Join::Declared => JoinOrder::Declared,
            Join::Random => JoinOrder::Random,
            Join::Waves => JoinOrder::Waves,
        },
        ..SimConfig::default()
    };
    let (sim, setup_ms) = run::timed(|| Sim::<N>::new(topo, cfg));
    let mut sim = sim?;
    let pcap = if args.pcap {
        Some(pcap_tap(&mut sim, &args.out)?)
    } else {
        None
    };
    let pcap6 = if args.pcap_ipv6 {
        Some(ipv6_tap(&mut sim, &args.out)?)
    } else {
        None
    };
    let (boot, boot_ms) = run::timed(|| run::bootstrap(&mut sim));
    let boot = boot?;
    let plan = TrafficPlan {
        flows: args.flows,
        per_ms: args.rate,
        ..TrafficPlan::default()
    };
    let (traffic, traffic_ms) = run::timed(|| run::traffic(&mut sim, &plan));
    let wall = BTreeMap::from([
        ("setup", setup_ms),
        ("bootstrap", boot_ms),
        ("traffic", traffic_ms),
    ]);
    sim.tap = None;
    sim.ipv6_tap = None;
    for p in [pcap, pcap6].into_iter().flatten() {
        if let Some(w) = p.lock().unwrap_or_else(PoisonError::into_inner).take() {
            w.into_inner()?;
        }
    }
    Ok(report::build(&sim, boot, traffic, wall))
}

fn write_report(r: &Report, out: &Path) -> Result<PathBuf> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let path = out.join("report.json");
    let json = serde_json::to_string_pretty(r)?;
    fs::write(&path, json + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    plot::write_plots(r, out)
        .with_context(|| format!("cannot write the plots in {}", out.display()))?;
    Ok(path)
}

/// True when every node joined and every packet arrived.
fn complete(r: &Report) -> bool {
    let t = &r.traffic;
    r.bootstrap.joined == r.bootstrap.nodes
        && r.bootstrap.matches_plan != Some(false)
        && t.app.misdelivered == 0
        && t.app.delivered == (t.flows + t.to_outside) as u64
        && t.app.echo_completed == t.echo_from_outside as u64
}

fn load(path: &Path) -> Result<pasa_topology::Topology> {
    let file = path.display().to_string();
    let src = fs::read_to_string(path).with_context(|| format!("cannot read {file}"))?;
    Ok(pasa_topology::parse(&src, &file)?)
}

/// Runs scenarios; prints every check; true when all pass.
fn scenarios(names: &str, topo: &pasa_topology::Topology, seed: u64, lanes: u16) -> Result<bool> {
    let chosen: Vec<_> = scenario::ALL
        .iter()
        .filter(|(n, _, _)| names == "all" || *n == names)
        .collect();
    if chosen.is_empty() {
        let known: Vec<_> = scenario::ALL.iter().map(|(n, _, _)| *n).collect();
        bail!("no scenario \"{names}\"; known: {}", known.join(", "));
    }
    let mut ok = true;
    for (name, _, run) in chosen {
        let base = SimConfig {
            seed,
            lanes: usize::from(lanes),
            ..SimConfig::default()
        };
        let o = run(topo.clone(), base)?;
        println!("{name}: {}", if o.passed() { "PASS" } else { "FAIL" });
        for c in &o.checks {
            println!("  [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.what);
        }
        ok &= o.passed();
    }
    Ok(ok)
}

/// Runs a `lab` subcommand; `Ok(false)` for exit status 1.
#[cfg(target_os = "linux")]
fn lab_main(args: LabArgs) -> Result<bool> {
    use pasa_sim::lab;
    use std::time::Duration;
    let dir = args.dir;
    match args.cmd {
        LabCmd::Up {
            topo,
            timeout,
            router_bin,
            ns_prefix,
            log,
            pcap,
        } => {
            let (t, source) = if topo.as_os_str() == "figure6" && !topo.exists() {
                (
                    pasa_topology::parse(FIGURE6, "figure6.pasa (built in)")?,
                    "figure6.pasa (built in)".to_string(),
                )
            } else {
                (load(&topo)?, topo.display().to_string())
            };
            let opts = lab::UpOptions {
                dir,
                timeout: Duration::from_secs(timeout),
                router_bin,
                ns_prefix,
                log,
                pcap,
            };
            let r = lab::up(&t, &source, &opts)?;
            print!("{}", r.render());
            Ok(r.ok())
        }
        LabCmd::Down => {
            let r = lab::down(&dir)?;
            if r.found {
                println!(
                    "lab in {} down: {} routers stopped by SIGTERM, {} processes killed, {} namespaces deleted",
                    dir.display(),
                    r.terminated,
                    r.killed,
                    r.namespaces
                );
            } else {
                println!("no lab in {}", dir.display());
            }
            Ok(true)
        }
        LabCmd::Exec { node, cmd } => {
            let l = lab::Lab::load(&dir)?;
            let code = lab::exec(&l, &node, &cmd)?;
            std::process::exit(code);
        }
        LabCmd::Addr { node } => {
            let l = lab::Lab::load(&dir)?;
            println!("{}", lab::node_addr(&l, &node)?);
            Ok(true)
        }
        LabCmd::Status => {
            let l = lab::Lab::load(&dir)?;
            print!("{}", lab::status(&l));
            Ok(true)
        }
        LabCmd::Stats { node } => {
            let l = lab::Lab::load(&dir)?;
            print!("{}", lab::node_stats(&l, &node)?);
            Ok(true)
        }
        LabCmd::Kill { node } => {
            lab::kill_node(&dir, &node)?;
            Ok(true)
        }
        LabCmd::Start { node, timeout } => {
            let wait = (timeout > 0).then(|| Duration::from_secs(timeout));
            if let Some(a) = lab::start_node(&dir, &node, wait)? {
                println!("{a}");
            }
            Ok(true)
        }
        LabCmd::UdpRecv {
            port,
            count,
            timeout,
        } => {
            let r = lab::udp_recv(port, count, Duration::from_secs(timeout))
                .with_context(|| format!("udp-recv on port {port}"))?;
            println!("{}", serde_json::to_string(&r)?);
            Ok(r.complete_in_order(count))
        }
        LabCmd::UdpSend {
            dst,
            port,
            count,
            rate,
            size,
        } => {
            let r = lab::udp_send(dst, port, count, rate, size)
                .with_context(|| format!("udp-send to [{dst}]:{port}"))?;
            println!("{}", serde_json::to_string(&r)?);
            Ok(true)
        }
    }
}

fn main_inner() -> Result<bool> {
    let cli = Cli::parse();
    let (report, out) = match cli.cmd {
        #[cfg(target_os = "linux")]
        Cmd::Lab(args) => return lab_main(args),
        Cmd::Run { topo, args } => {
            let t = load(&topo)?;
            if let Some(name) = &args.scenario {
                return scenarios(name, &t, args.seed, args.lanes.unwrap_or(1));
            }
            (simulate(t, &args)?, args.out)
        }
        Cmd::Scenarios {
            run,
            topo,
            seed,
            lanes,
        } => {
            let Some(names) = run else {
                for (name, what, _) in scenario::ALL {
                    println!("{name:<20} {what}");
                }
                return Ok(true);
            };
            let t = match topo {
                Some(p) => load(&p)?,
                None => scenario::default_topology(),
            };
            return scenarios(&names, &t, seed, lanes);
        }
        Cmd::Demo { out } => {
            let t = pasa_topology::parse(FIGURE6, "figure6.pasa (built in)")?;
            let args = RunArgs {
                flows: None,
                rate: 1,
                seed: 1,
                loss: 0.0,
                latency: 2,
                join: Join::Declared,
                out: out.clone(),
                scenario: None,
                pcap: true,
                pcap_ipv6: true,
                lanes: None,
            };
            (simulate(t, &args)?, out)
        }
    };
    let path = write_report(&report, &out)?;
    print!("{}", report.summary());
    println!("report: {}", path.display());
    let capture = out.join("frames.pcap");
    if capture.exists() {
        println!(
            "frames: {} (open with tshark -X lua_script:sim/wireshark/pasa.lua)",
            capture.display()
        );
    }
    if !complete(&report) {
        if !report.bootstrap.missing.is_empty() {
            bail!(
                "nodes that did not join: {}",
                report.bootstrap.missing.join(", ")
            );
        }
        eprintln!("pasa-sim: not every packet arrived (see the report's drops)");
        return Ok(false);
    }
    Ok(true)
}

fn main() -> ExitCode {
    match main_inner() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
