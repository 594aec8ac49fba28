//! `pasa-router`: the PASA router core as a Linux forwarding process.
//!
//! ```text
//! pasa-router run --config FILE [--pcap FILE]   forward, assign addresses, serve metrics
//! pasa-router check-config FILE                 validate a configuration and say what it means
//! pasa-router decode HEX                        a LoWPAN frame as JSON
//! pasa-router stats --config FILE               the running process's counters (Prometheus text)
//! pasa-router inject --interface IF HEX         send a raw LoWPAN frame (tests, bring-up)
//! ```

mod afpacket;
mod config;
mod daemon;
mod decode;
mod link;
mod metrics;
mod pcap;
mod slip;
mod store;
mod tundev;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Parser, Subcommand};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

#[derive(Parser)]
#[command(
    name = "pasa-router",
    version,
    about = "PASA (path-aware semantic addressing) router for Linux",
    long_about = "Runs one node of a PASA network: the parent assigns each child an address \
                  that extends its own, so every router forwards by reading the destination \
                  alone, with no routing table. Links are Ethernet (EtherType 0xA0ED) or serial \
                  (SLIP); the node's own IPv6 stack is a TUN device, so kernel programs use the \
                  PASA address unchanged. Needs root (or CAP_NET_ADMIN and CAP_NET_RAW) to run."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the node until SIGTERM. SIGHUP re-reads the configuration (the log filter applies
    /// at once; other changes are logged as needing a restart).
    Run {
        /// The configuration file (TOML; see `check-config`).
        #[arg(long, short)]
        config: PathBuf,
        /// Also write every frame in and out, and every packet to and from the TUN, to this
        /// pcap file (Ethernet; LoWPAN frames as EtherType 0xA0ED).
        #[arg(long)]
        pcap: Option<PathBuf>,
    },
    /// Validate a configuration file; print what it configures, or the error with its line.
    CheckConfig {
        /// The configuration file.
        file: PathBuf,
    },
    /// Decode a LoWPAN frame (hex; an Ethernet frame with EtherType 0xA0ED is accepted too)
    /// and print it as JSON. A malformed frame exits 1 with a one-line reason.
    Decode {
        /// The frame in hex (spaces and colons allowed).
        hex: Vec<String>,
        /// The PASA prefix, to show addresses in full.
        #[arg(long, default_value = "2001:db8::/64")]
        prefix: String,
    },
    /// Print the counters of the process running with this configuration (Prometheus text
    /// exposition, from its control socket).
    Stats {
        /// The configuration file of the running process.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Send a LoWPAN frame (hex) out of an Ethernet interface, framed as EtherType 0xA0ED to
    /// broadcast. For tests and bring-up: malformed frames are welcome. With a large count it
    /// is a traffic generator (64 frames per system call), as the throughput bench uses it.
    Inject {
        /// The interface.
        #[arg(long)]
        interface: String,
        /// How many copies.
        #[arg(long, default_value_t = 1)]
        count: u64,
        /// Destination MAC (default broadcast).
        #[arg(long)]
        dst: Option<String>,
        /// EtherType in hex (default a0ed; 86dd sends the hex as native IPv6).
        #[arg(long, default_value = "a0ed")]
        ethertype: String,
        /// Frames per second (default: as fast as the interface takes them).
        #[arg(long)]
        rate: Option<u64>,
        /// The frame in hex.
        hex: Vec<String>,
    },
}

type FilterHandle = reload::Handle<EnvFilter, Registry>;
static LOG: OnceLock<FilterHandle> = OnceLock::new();

fn init_log(filter: &str) {
    let (layer, handle) = reload::Layer::new(EnvFilter::new(filter));
    use std::io::IsTerminal;
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if tracing_subscriber::registry()
        .with(layer)
        .with(fmt)
        .try_init()
        .is_ok()
    {
        let _ = LOG.set(handle);
    }
}

/// Changes the log filter of the running process (SIGHUP).
pub fn set_log_filter(filter: &str) -> Result<(), String> {
    let f = EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    LOG.get()
        .ok_or("logging is not initialised")?
        .reload(f)
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Run { config, pcap } => {
            let cfg = match config::load(&config) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("pasa-router: {e}");
                    return ExitCode::from(2);
                }
            };
            init_log(&std::env::var("PASA_LOG").unwrap_or_else(|_| cfg.log.clone()));
            match daemon::run(cfg, pcap.as_deref()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    eprintln!("pasa-router: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::CheckConfig { file } => match config::load(&file) {
            Ok(c) => {
                println!("{}: ok", file.display());
                println!("  role {:?}, prefix {}", c.role, c.prefix);
                println!("  state file {}", c.state_file.display());
                println!("  control socket {}", c.control_socket.display());
                println!(
                    "  TUN {} (routes {})",
                    c.tun.name,
                    if c.tun.routes { "added" } else { "left alone" }
                );
                for (i, l) in c.links.iter().enumerate() {
                    println!(
                        "  link {i}: {:?}{}",
                        l.kind,
                        if l.parent { " (toward the parent)" } else { "" }
                    );
                }
                if let Some(m) = c.metrics {
                    println!("  metrics http://{m}/metrics");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pasa-router: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Decode { hex, prefix } => {
            let prefix = match prefix.parse() {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("pasa-router: --prefix {prefix}: {e:?}");
                    return ExitCode::from(2);
                }
            };
            let cfg = decode::DecodeConfig {
                prefix,
                ..decode::DecodeConfig::default()
            };
            let frame = match decode::parse_hex(&hex.join(" ")) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("pasa-router: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match decode::decode(&frame, &cfg) {
                Ok(j) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&j).unwrap_or_else(|_| j.to_string())
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("pasa-router: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Stats { config } => {
            let cfg = match config::load(&config) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("pasa-router: {e}");
                    return ExitCode::from(2);
                }
            };
            match metrics::query(&cfg.control_socket) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("pasa-router: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Inject {
            interface,
            count,
            dst,
            ethertype,
            rate,
            hex,
        } => {
            let dst = match dst.as_deref().map(config::parse_mac) {
                None => pasa_addrcodec::wire::ethernet::BROADCAST,
                Some(Some(m)) => m,
                Some(None) => {
                    eprintln!("pasa-router: --dst: expected a MAC such as 02:00:00:00:00:05");
                    return ExitCode::from(2);
                }
            };
            let Ok(ethertype) = u16::from_str_radix(ethertype.trim_start_matches("0x"), 16) else {
                eprintln!("pasa-router: --ethertype {ethertype}: expected hex such as a0ed");
                return ExitCode::from(2);
            };
            let frame = match decode::parse_hex(&hex.join(" ")) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("pasa-router: {e}");
                    return ExitCode::from(2);
                }
            };
            match link::inject(&interface, dst, ethertype, &frame, count, rate) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("pasa-router: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
