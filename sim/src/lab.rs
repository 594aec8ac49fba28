//! The network-namespace lab: real `pasa-router` processes on a real (virtual) network.
//!
//! `up` turns a topology into one Linux network namespace per node (`<prefix><index>`, default
//! `pasa-0`, `pasa-1`, …), one veth pair per tree edge (`up` in the child, `c<child index>` in
//! the parent, both with the node's link-layer address and with kernel IPv6 off, so the only
//! traffic on them is PASA's EtherType 0xA0ED), and a namespace `<prefix>out` for a host
//! outside the domain, joined to the root by a veth carrying native IPv6 (`2001:db9::1/64`
//! outside, `2001:db9::2/64` on the root; the outside routes the PASA prefix via the root, and
//! the root forwards). It writes each node's config into `DIR/<name>/node.toml`, starts one
//! `pasa-router run` per node inside its namespace (the root first), and waits until every
//! node's `pasa-router stats` says `pasa_joined 1`.
//!
//! Everything the other commands need is recorded in `DIR/lab.json`, so `down`, `exec`,
//! `addr`, `kill` and `start` work from any process. `down` stops the routers it started (by
//! process id, after checking the process is still the router of that node's config), then
//! deletes the lab's namespaces, which removes the veths. Nothing outside `DIR` is written
//! apart from the namespaces themselves.
//!
//! Linux only; needs root (or `CAP_SYS_ADMIN` and `CAP_NET_ADMIN`), `ip` from iproute2 and
//! `/dev/net/tun`.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Ipv6Addr, SocketAddr, UdpSocket};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pasa_topology::{NodeRole, Topology};
use serde::{Deserialize, Serialize};

/// The lab folder used when none is given.
pub const DEFAULT_DIR: &str = "target/pasa-lab";
/// The namespace name prefix used when none is given.
pub const DEFAULT_NS_PREFIX: &str = "pasa-";
/// The lab file inside the lab folder.
pub const LAB_FILE: &str = "lab.json";
/// The node name that stands for the outside host.
pub const OUTSIDE: &str = "outside";
/// The outside host's address on its link to the root.
pub const OUTSIDE_ADDR: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb9, 0, 0, 0, 0, 0, 1);
/// The root's native address on its link to the outside host.
pub const ROOT_OUTSIDE_ADDR: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb9, 0, 0, 0, 0, 0, 2);
/// The environment variable naming the `pasa-router` binary.
pub const ROUTER_ENV: &str = "PASA_ROUTER";
/// The TUN device every node's router creates.
pub const TUN_NAME: &str = "pasa0";
/// Interface name of a node's link toward its parent.
pub const UP_IF: &str = "up";
/// Interface names of the outside link: in the root's namespace, and in the outside one.
pub const OUTSIDE_IFS: (&str, &str) = ("out", "root");
/// Time `down` gives a router between SIGTERM and SIGKILL.
pub const TERM_GRACE: Duration = Duration::from_secs(3);
/// Time one `pasa-router stats` call may take.
const STATS_LIMIT: Duration = Duration::from_secs(3);
/// Pause between two rounds of polling.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// What went wrong in the lab.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// An I/O error, with what was being done.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: io::Error,
    },
    /// A command failed.
    #[error("`{cmd}` failed ({status}){}", if .stderr.is_empty() { String::new() } else { format!(": {}", .stderr) })]
    Command {
        /// The command line.
        cmd: String,
        /// Its exit status.
        status: String,
        /// Its standard error, trimmed.
        stderr: String,
    },
    /// No lab file in the folder.
    #[error("no lab in {0} (start one with `pasa-sim lab up TOPO --dir {0}`)")]
    NoLab(String),
    /// The lab file cannot be read.
    #[error("{file}: {msg}")]
    BadLabFile {
        /// The file.
        file: String,
        /// What is wrong.
        msg: String,
    },
    /// A node name the lab does not have.
    #[error("no node \"{name}\" in the lab; known: {known}")]
    UnknownNode {
        /// The name asked for.
        name: String,
        /// The names known.
        known: String,
    },
    /// The `pasa-router` binary cannot be found.
    #[error(
        "the pasa-router binary was not found at {0}: build it with `cargo build -p pasa-router --features linux` \
(add --release next to a release pasa-sim), or name it with --router-bin or the PASA_ROUTER environment variable"
    )]
    NoRouter(String),
    /// The lab cannot run here, or was asked something impossible.
    #[error("{0}")]
    Invalid(String),
}

/// Results of the lab.
pub type Result<T, E = LabError> = std::result::Result<T, E>;

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> LabError {
    let what = what.into();
    move |source| LabError::Io { what, source }
}

/// One link of a node, as recorded in the lab file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabLink {
    /// The interface in the node's namespace.
    pub interface: String,
    /// The node at the other end.
    pub peer: String,
    /// The interface at the other end.
    pub peer_interface: String,
    /// True for the link toward the parent.
    pub parent: bool,
}

/// One node of the lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabNode {
    /// The topology's name for it.
    pub name: String,
    /// Its role.
    pub role: NodeRole,
    /// Its parent's name (`None` for the root).
    pub parent: Option<String>,
    /// Its network namespace.
    pub ns: String,
    /// Its link-layer address, on every one of its veths.
    pub mac: String,
    /// Its folder: config, state, control socket, log.
    pub dir: PathBuf,
    /// Its config file.
    pub config: PathBuf,
    /// The router's standard output and error.
    pub log: PathBuf,
    /// Its links.
    pub links: Vec<LabLink>,
    /// Process id of its running router, if started.
    pub pid: Option<u32>,
}

/// The lab file: everything `down`, `exec` and the others need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lab {
    /// The lab folder (absolute).
    pub dir: PathBuf,
    /// The topology file it was made from.
    pub topology: String,
    /// The PASA prefix.
    pub prefix: String,
    /// Prefix of every namespace name of this lab.
    pub ns_prefix: String,
    /// The `pasa-router` binary (absolute).
    pub router_bin: PathBuf,
    /// Whether routers write `frames.pcap` in their folders.
    pub pcap: bool,
    /// The outside host's namespace.
    pub outside_ns: String,
    /// The nodes, in topology order (the root first).
    pub nodes: Vec<LabNode>,
}

impl Lab {
    /// The lab file of folder `dir`.
    pub fn file(dir: &Path) -> PathBuf {
        dir.join(LAB_FILE)
    }

    /// Reads the lab of folder `dir`.
    pub fn load(dir: &Path) -> Result<Lab> {
        let file = Self::file(dir);
        let text = match fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LabError::NoLab(dir.display().to_string()));
            }
            Err(e) => return Err(io_err(format!("cannot read {}", file.display()))(e)),
        };
        serde_json::from_str(&text).map_err(|e| LabError::BadLabFile {
            file: file.display().to_string(),
            msg: e.to_string(),
        })
    }

    /// Writes the lab file (atomically: a temporary file renamed over it).
    pub fn save(&self) -> Result<()> {
        let file = Self::file(&self.dir);
        let tmp = self.dir.join(format!("{LAB_FILE}.tmp"));
        let json = serde_json::to_string_pretty(self).map_err(|e| LabError::BadLabFile {
            file: file.display().to_string(),
            msg: e.to_string(),
        })?;
        fs::write(&tmp, json + "\n").map_err(io_err(format!("cannot write {}", tmp.display())))?;
        fs::rename(&tmp, &file).map_err(io_err(format!("cannot write {}", file.display())))
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Result<&LabNode> {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .ok_or_else(|| self.unknown(name))
    }

    fn index(&self, name: &str) -> Result<usize> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> LabError {
        let mut known: Vec<&str> = self
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .take(20)
            .collect();
        if self.nodes.len() > 20 {
            known.push("…");
        }
        known.push(OUTSIDE);
        LabError::UnknownNode {
            name: name.to_string(),
            known: known.join(", "),
        }
    }

    /// The namespace of node `name`, or of the outside host for [`OUTSIDE`].
    pub fn ns_of(&self, name: &str) -> Result<&str> {
        if name == OUTSIDE {
            return Ok(&self.outside_ns);
        }
        Ok(&self.node(name)?.ns)
    }

    /// Every namespace of the lab.
    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self.nodes.iter().map(|n| n.ns.clone()).collect();
        v.push(self.outside_ns.clone());
        v
    }

    /// The root's name.
    pub fn root(&self) -> &LabNode {
        &self.nodes[0]
    }
}

/// How to bring a lab up.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// The lab folder.
    pub dir: PathBuf,
    /// How long to wait for every node to join.
    pub timeout: Duration,
    /// The `pasa-router` binary; `None`: [`ROUTER_ENV`], else next to this executable.
    pub router_bin: Option<PathBuf>,
    /// Prefix of the namespace names (letters, digits, `-`; at most 16 characters).
    pub ns_prefix: String,
    /// The routers' log level.
    pub log: String,
    /// Have every router capture its frames into `frames.pcap` in its folder.
    pub pcap: bool,
}

impl Default for UpOptions {
    fn default() -> Self {
        Self {
            dir: PathBuf::from(DEFAULT_DIR),
            timeout: Duration::from_secs(60),
            router_bin: None,
            ns_prefix: DEFAULT_NS_PREFIX.to_string(),
            log: "info".to_string(),
            pcap: false,
        }
    }
}

/// What `up` found: who joined with which address, who did not.
#[derive(Debug)]
pub struct UpReport {
    /// The lab (also in its lab file).
    pub lab: Lab,
    /// Each node's address when it joined (topology order).
    pub addresses: Vec<Option<Ipv6Addr>>,
    /// Nodes that did not report `pasa_joined 1` in time.
    pub missing: Vec<String>,
    /// Nodes whose router exited during `up`, with the exit status.
    pub exited: Vec<(String, String)>,
    /// Time from the first router start to the last join (or the give-up).
    pub join_time: Duration,
    /// The time `up` was given to wait.
    pub timeout: Duration,
}

impl UpReport {
    /// True when every node joined.
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.exited.is_empty()
    }

    /// The table of nodes, or the failure report with the last lines of the failing nodes'
    /// logs.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let joined = self.addresses.iter().filter(|a| a.is_some()).count();
        let w = name_width(&self.lab);
        s.push_str(&format!(
            "{:<w$}  {:<6}  {:<12}  address\n",
            "node", "role", "namespace"
        ));
        for (n, a) in self.lab.nodes.iter().zip(&self.addresses) {
            let a = a.map_or_else(|| "-".to_string(), |a| a.to_string());
            s.push_str(&format!(
                "{:<w$}  {:<6}  {:<12}  {a}\n",
                n.name,
                n.role.keyword(),
                n.ns
            ));
        }
        s.push_str(&format!(
            "{:<w$}  {:<6}  {:<12}  {OUTSIDE_ADDR} (native; the root is {ROOT_OUTSIDE_ADDR})\n",
            OUTSIDE, "host", self.lab.outside_ns
        ));
        s.push_str(&format!(
            "{joined}/{} joined in {:.1} s; lab file {}\n",
            self.lab.nodes.len(),
            self.join_time.as_secs_f64(),
            Lab::file(&self.lab.dir).display()
        ));
        if self.ok() {
            return s;
        }
        for (name, status) in &self.exited {
            s.push_str(&format!("router of {name} exited: {status}\n"));
        }
        if !self.missing.is_empty() {
            let when = if self.exited.is_empty() {
                format!("did not join within {} s", self.timeout.as_secs())
            } else {
                format!(
                    "had not joined when a router exited (after {:.1} s)",
                    self.join_time.as_secs_f64()
                )
            };
            s.push_str(&format!("{when}: {}\n", self.missing.join(", ")));
        }
        let failing = self
            .exited
            .iter()
            .map(|(n, _)| n)
            .chain(self.missing.iter());
        for (shown, name) in failing.enumerate() {
            if shown == 8 {
                s.push_str("(logs of the others not shown)\n");
                break;
            }
            if let Ok(n) = self.lab.node(name) {
                s.push_str(&format!(
                    "--- last lines of {} ---\n{}",
                    n.log.display(),
                    tail(&n.log, 12)
                ));
            }
        }
        s.push_str("the lab is left up for inspection: `pasa-sim lab down` removes it\n");
        s
    }
}

/// Finds the `pasa-router` binary: `explicit`, else [`ROUTER_ENV`], else next to the running
/// executable.
pub fn find_router(explicit: Option<&Path>) -> Result<PathBuf> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os(ROUTER_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => {
                let exe = std::env::current_exe().map_err(io_err("cannot find this executable"))?;
                exe.with_file_name("pasa-router")
            }
        },
    };
    if !path.is_file() {
        return Err(LabError::NoRouter(path.display().to_string()));
    }
    absolute(&path)
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(io_err(format!("cannot resolve {}", p.display())))
}

/// Why the lab cannot run on this machine, if it cannot: not root, no `ip`, no TUN device.
pub fn unavailable() -> Option<String> {
    if !is_root() {
        return Some("the lab needs root (network namespaces, veths, TUN devices)".into());
    }
    if which("ip").is_none() {
        return Some("the lab needs `ip` (Debian: apt-get install iproute2)".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("the lab needs /dev/net/tun (modprobe tun)".into());
    }
    None
}

fn is_root() -> bool {
    // The effective uid is the fifth field of /proc/self/status's Uid line.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The full path of program `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Brings the lab up: namespaces, veths, configs, routers; waits for every node to join.
///
/// A lab already recorded in the folder is taken down first, and so are namespaces left over
/// with this lab's names. On a timeout the lab stays up (for inspection) and the report says
/// who did not join; `down` removes it.
pub fn up(topo: &Topology, source: &str, opts: &UpOptions) -> Result<UpReport> {
    if let Some(why) = unavailable() {
        return Err(LabError::Invalid(why));
    }
    let p = &opts.ns_prefix;
    if p.is_empty() || p.len() > 16 || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(LabError::Invalid(format!(
            "namespace prefix \"{p}\": use 1 to 16 letters, digits or '-'"
        )));
    }
    if !opts
        .log
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_=,:.-".contains(c))
    {
        return Err(LabError::Invalid(format!("log level \"{}\"", opts.log)));
    }
    if topo.nodes.is_empty() || topo.nodes.len() > 0xFFFF {
        return Err(LabError::Invalid(format!(
            "the lab takes 1 to 65535 nodes, not {}",
            topo.nodes.len()
        )));
    }
    if let Some(n) = topo.nodes.iter().find(|n| !valid_name(&n.name)) {
        return Err(LabError::Invalid(format!(
            "node name \"{}\" cannot name a folder",
            n.name
        )));
    }
    if topo.nodes.iter().any(|n| n.name == OUTSIDE) {
        return Err(LabError::Invalid(format!(
            "node name \"{OUTSIDE}\" is reserved for the outside host"
        )));
    }
    let router_bin = find_router(opts.router_bin.as_deref())?;
    fs::create_dir_all(&opts.dir)
        .map_err(io_err(format!("cannot create {}", opts.dir.display())))?;
    let dir = absolute(&opts.dir)?;

    match Lab::load(&dir) {
        Ok(_) => {
            eprintln!(
                "pasa-sim lab: taking down the lab already in {}",
                dir.display()
            );
            down(&dir)?;
        }
        Err(LabError::NoLab(_)) => {}
        Err(e) => return Err(e),
    }
    for ns in leftovers(p)? {
        eprintln!("pasa-sim lab: removing leftover namespace {ns}");
        remove_ns(&ns);
    }

    let lab = plan_lab(topo, source, &dir, p, router_bin, opts.pcap);
    for n in &lab.nodes {
        if n.dir.join("node.toml").exists() {
            // A previous lab's node folder: start from a blank state.
            fs::remove_dir_all(&n.dir)
                .map_err(io_err(format!("cannot clean {}", n.dir.display())))?;
        }
        fs::create_dir_all(&n.dir).map_err(io_err(format!("cannot create {}", n.dir.display())))?;
    }
    lab.save()?;
    build_network(&lab, topo)?;
    for (i, n) in lab.nodes.iter().enumerate() {
        fs::write(&n.config, node_config(&lab, topo, i, &opts.log))
            .map_err(io_err(format!("cannot write {}", n.config.display())))?;
    }
    fs::write(dir.join("topology.pasa"), topo.to_text())
        .map_err(io_err("cannot write the topology copy"))?;
    start_all(lab, opts.timeout)
}

/// The names and files of every node, before anything exists.
fn plan_lab(
    topo: &Topology,
    source: &str,
    dir: &Path,
    ns_prefix: &str,
    router_bin: PathBuf,
    pcap: bool,
) -> Lab {
    let ch = topo.children();
    let nodes = topo
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let node_dir = dir.join(&n.name);
            let mut links = Vec::new();
            if let Some(p) = n.parent {
                links.push(LabLink {
                    interface: UP_IF.to_string(),
                    peer: topo.nodes[p as usize].name.clone(),
                    peer_interface: format!("c{i}"),
                    parent: true,
                });
            }
            for &c in ch.of(i as u32) {
                links.push(LabLink {
                    interface: format!("c{c}"),
                    peer: topo.nodes[c as usize].name.clone(),
                    peer_interface: UP_IF.to_string(),
                    parent: false,
                });
            }
            LabNode {
                name: n.name.clone(),
                role: n.role,
                parent: n.parent.map(|p| topo.nodes[p as usize].name.clone()),
                ns: format!("{ns_prefix}{i}"),
                mac: mac_of(i),
                config: node_dir.join("node.toml"),
                log: node_dir.join("log"),
                dir: node_dir,
                links,
                pid: None,
            }
        })
        .collect();
    Lab {
        dir: dir.to_path_buf(),
        topology: source.to_string(),
        prefix: topo.prefix.to_string(),
        ns_prefix: ns_prefix.to_string(),
        router_bin,
        pcap,
        outside_ns: format!("{ns_prefix}out"),
        nodes,
    }
}

/// The link-layer address of node `i`: locally administered, unique in the lab.
fn mac_of(i: usize) -> String {
    let n = i + 1;
    format!("02:00:5a:00:{:02x}:{:02x}", (n >> 8) & 0xFF, n & 0xFF)
}

/// Namespaces, veths, addresses, routes and sysctls.
fn build_network(lab: &Lab, topo: &Topology) -> Result<()> {
    for ns in lab.namespaces() {
        ip(&format!("netns add {ns}"))?;
        ip(&format!("-n {ns} link set dev lo up"))?;
    }
    // Per-edge veths, created down (so the kernel sends nothing on them before IPv6 is off).
    for (i, n) in topo.nodes.iter().enumerate() {
        let Some(p) = n.parent else { continue };
        let (child, parent) = (&lab.nodes[i], &lab.nodes[p as usize]);
        ip(&format!(
            "link add name {UP_IF} address {} netns {} type veth peer name c{i} address {} netns {}",
            child.mac, child.ns, parent.mac, parent.ns
        ))?;
    }
    // The kernel's IPv6 stays off the PASA links: PASA frames are EtherType 0xA0ED, and the
    // kernel's own RS/MLD/DAD would only be noise there. The TUN, created later by the router,
    // keeps IPv6 (the namespace defaults stay on), without router discovery.
    for n in &lab.nodes {
        let mut keys = vec![
            "net.ipv6.conf.all.accept_ra=0".to_string(),
            "net.ipv6.conf.default.accept_ra=0".to_string(),
            "net.ipv6.conf.default.router_solicitations=0".to_string(),
        ];
        for l in &n.links {
            keys.push(format!("net.ipv6.conf.{}.disable_ipv6=1", l.interface));
        }
        if n.parent.is_none() {
            keys.push("net.ipv6.conf.all.forwarding=1".to_string());
        }
        sysctl(&n.ns, &keys)?;
        for l in &n.links {
            ip(&format!("-n {} link set dev {} up", n.ns, l.interface))?;
        }
    }
    // The outside host: native IPv6 to the root, the PASA prefix routed via the root.
    let (root, out) = (&lab.root().ns, &lab.outside_ns);
    let (rif, oif) = OUTSIDE_IFS;
    ip(&format!(
        "link add name {rif} netns {root} type veth peer name {oif} netns {out}"
    ))?;
    sysctl(
        out,
        &[
            "net.ipv6.conf.all.accept_ra=0".to_string(),
            "net.ipv6.conf.default.accept_ra=0".to_string(),
        ],
    )?;
    ip(&format!(
        "-n {root} addr add {ROOT_OUTSIDE_ADDR}/64 dev {rif} nodad"
    ))?;
    ip(&format!("-n {root} link set dev {rif} up"))?;
    ip(&format!(
        "-n {out} addr add {OUTSIDE_ADDR}/64 dev {oif} nodad"
    ))?;
    ip(&format!("-n {out} link set dev {oif} up"))?;
    ip(&format!(
        "-n {out} -6 route add {} via {ROOT_OUTSIDE_ADDR} dev {oif}",
        lab.prefix
    ))
}

/// The TOML config of node `i` (paths relative to its folder).
fn node_config(lab: &Lab, topo: &Topology, i: usize, log: &str) -> String {
    let n = &lab.nodes[i];
    let mut s = format!(
        "# Written by `pasa-sim lab up`: node {} of {} (namespace {}).\n\
role = \"{}\"\nprefix = \"{}\"\nstate_file = \"state.bin\"\ncontrol_socket = \"node.sock\"\n\
link_addr = \"{}\"\nlog = \"{log}\"\n\n[tun]\nname = \"{TUN_NAME}\"\n",
        n.name,
        lab.topology,
        n.ns,
        topo.nodes[i].role.keyword(),
        lab.prefix,
        n.mac,
    );
    for l in &n.links {
        s.push_str(&format!(
            "\n# to {}\n[[link]]\nkind = \"ethernet\"\ninterface = \"{}\"\n",
            l.peer, l.interface
        ));
        if l.parent {
            s.push_str("parent = true\n");
        }
    }
    s
}

/// Starts the root, then every other node; waits for all to join.
fn start_all(mut lab: Lab, timeout: Duration) -> Result<UpReport> {
    let t0 = Instant::now();
    let deadline = t0 + timeout;
    let mut children: Vec<Option<Child>> = Vec::new();
    let root = spawn_router(&lab, 0)?;
    lab.nodes[0].pid = Some(root.id());
    children.push(Some(root));
    lab.save()?;
    // Give the root until its control socket answers (bounded), so the others' first
    // solicitations find it.
    let root_limit = t0 + Duration::from_secs(5).min(timeout);
    while Instant::now() < root_limit {
        if stats(&lab, 0).is_some() {
            break;
        }
        if let Some(Ok(Some(_))) = children[0].as_mut().map(Child::try_wait) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for i in 1..lab.nodes.len() {
        let c = spawn_router(&lab, i)?;
        lab.nodes[i].pid = Some(c.id());
        children.push(Some(c));
    }
    lab.save()?;

    let n = lab.nodes.len();
    let mut addresses: Vec<Option<Ipv6Addr>> = vec![None; n];
    let mut joined = vec![false; n];
    let mut exited = Vec::new();
    loop {
        for (i, c) in children.iter_mut().enumerate() {
            if let Some(child) = c
                && let Ok(Some(status)) = child.try_wait()
            {
                exited.push((lab.nodes[i].name.clone(), describe(status)));
                lab.nodes[i].pid = None;
                *c = None;
            }
        }
        if !exited.is_empty() {
            break;
        }
        let pending: Vec<usize> = (0..n).filter(|&i| !joined[i]).collect();
        for (i, text) in stats_many(&lab, &pending) {
            if let Some(text) = text
                && is_joined(&text)
            {
                joined[i] = true;
                addresses[i] = address(&text);
            }
        }
        if joined.iter().all(|&j| j) || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(POLL_EVERY);
    }
    let join_time = t0.elapsed();
    lab.save()?;
    let missing = (0..n)
        .filter(|&i| !joined[i] && !exited.iter().any(|(m, _)| *m == lab.nodes[i].name))
        .map(|i| lab.nodes[i].name.clone())
        .collect();
    Ok(UpReport {
        lab,
        addresses,
        missing,
        exited,
        join_time,
        timeout,
    })
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => status.to_string(),
    }
}

/// Starts node `i`'s router in its namespace, output appended to its log.
fn spawn_router(lab: &Lab, i: usize) -> Result<Child> {
    let n = &lab.nodes[i];
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&n.log)
        .map_err(io_err(format!("cannot open {}", n.log.display())))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let _ = writeln!(
        log,
        "--- pasa-sim lab: starting {} in {} at unix time {}.{:03}",
        n.name,
        n.ns,
        now.as_secs(),
        now.subsec_millis()
    );
    let err = log
        .try_clone()
        .map_err(io_err(format!("cannot open {}", n.log.display())))?;
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &n.ns])
        .arg(&lab.router_bin)
        .args(["run", "--config"])
        .arg(&n.config);
    if lab.pcap {
        cmd.arg("--pcap").arg(n.dir.join("frames.pcap"));
    }
    // `ip netns exec` execs the router in place, so the child's pid is the router's. Its own
    // process group keeps a Ctrl-C at the terminal that ran `up` away from the routers.
    cmd.current_dir(&n.dir)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .process_group(0);
    cmd.spawn()
        .map_err(io_err(format!("cannot start the router of {}", n.name)))
}

/// `pasa-router stats` of node `i`, or `None` if it does not answer.
fn stats(lab: &Lab, i: usize) -> Option<String> {
    let n = &lab.nodes[i];
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &n.ns])
        .arg(&lab.router_bin)
        .args(["stats", "--config"])
        .arg(&n.config);
    match output_within(cmd, STATS_LIMIT) {
        Ok(Some(o)) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => None,
    }
}

/// `stats` of several nodes, at most 16 at a time.
fn stats_many(lab: &Lab, nodes: &[usize]) -> Vec<(usize, Option<String>)> {
    let mut out = Vec::with_capacity(nodes.len());
    for chunk in nodes.chunks(16) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|&i| (i, s.spawn(move || stats(lab, i))))
                .collect();
            for (i, h) in handles {
                out.push((i, h.join().ok().flatten()));
            }
        });
    }
    out
}

/// The Prometheus text of node `name`'s router.
pub fn node_stats(lab: &Lab, name: &str) -> Result<String> {
    let i = lab.index(name)?;
    stats(lab, i).ok_or_else(|| {
        LabError::Invalid(format!(
            "the router of {name} does not answer `pasa-router stats` (see {})",
            lab.nodes[i].log.display()
        ))
    })
}

/// True when the stats say `pasa_joined 1`.
pub fn is_joined(stats: &str) -> bool {
    metric(stats, "pasa_joined") == Some(1.0)
}

/// The address in `pasa_address_info{address="…"}`.
pub fn address(stats: &str) -> Option<Ipv6Addr> {
    stats
        .lines()
        .filter(|l| l.starts_with("pasa_address_info{"))
        .find_map(|l| label(l, "address")?.parse().ok())
}

/// The sum of every series of metric `name` (all label sets), `None` when there is none.
pub fn metric(stats: &str, name: &str) -> Option<f64> {
    let mut sum = None;
    for l in stats.lines() {
        let Some(rest) = l.strip_prefix(name) else {
            continue;
        };
        if !(rest.starts_with('{') || rest.starts_with(' ')) {
            continue;
        }
        let value = match rest.rfind('}') {
            Some(e) if rest.starts_with('{') => &rest[e + 1..],
            _ => rest,
        };
        if let Some(v) = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
        {
            *sum.get_or_insert(0.0) += v;
        }
    }
    sum
}

/// The value of label `key` in one Prometheus sample line.
pub fn label<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find('{')? + 1;
    let end = line.rfind('}')?;
    let labels = line.get(start..end)?;
    let pat = format!("{key}=\"");
    let mut at = 0;
    while let Some(pos) = labels[at..].find(&pat) {
        let p = at + pos;
        // The key must start a label, not end another one's name.
        if p == 0 || labels.as_bytes()[p - 1] == b',' {
            let v = &labels[p + pat.len()..];
            return v.find('"').map(|e| &v[..e]);
        }
        at = p + pat.len();
    }
    None
}

/// Node `name`'s address, from its router's stats; the outside host's for [`OUTSIDE`].
pub fn node_addr(lab: &Lab, name: &str) -> Result<Ipv6Addr> {
    if name == OUTSIDE {
        return Ok(OUTSIDE_ADDR);
    }
    let text = node_stats(lab, name)?;
    match address(&text) {
        Some(a) if is_joined(&text) => Ok(a),
        _ => Err(LabError::Invalid(format!(
            "{name} holds no address yet (its stats have no `pasa_joined 1` with a pasa_address_info)"
        ))),
    }
}

/// Runs `cmd` in the namespace of node `name` (or the outside host); its exit code (128 +
/// the signal number when a signal ended it).
pub fn exec(lab: &Lab, name: &str, cmd: &[String]) -> Result<i32> {
    let ns = lab.ns_of(name)?;
    let Some((prog, args)) = cmd.split_first() else {
        return Err(LabError::Invalid("no command to run".into()));
    };
    let status = Command::new("ip")
        .args(["netns", "exec", ns, prog])
        .args(args)
        .status()
        .map_err(io_err("cannot run `ip netns exec`"))?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

/// Kills node `name`'s router with SIGKILL and waits until it is gone.
pub fn kill_node(dir: &Path, name: &str) -> Result<()> {
    let mut lab = Lab::load(dir)?;
    let i = lab.index(name)?;
    let n = &lab.nodes[i];
    let Some(pid) = n.pid.filter(|&p| is_router_of(p, &n.config)) else {
        return Err(LabError::Invalid(format!(
            "the router of {name} is not running"
        )));
    };
    signal(pid, libc::SIGKILL);
    if !wait_gone(&[pid], Duration::from_secs(3)) {
        return Err(LabError::Invalid(format!(
            "the router of {name} (pid {pid}) survived SIGKILL for 3 s"
        )));
    }
    lab.nodes[i].pid = None;
    lab.save()
}

/// Starts node `name`'s router again (same config and state file); with `wait`, waits until
/// it joined and returns its address.
pub fn start_node(dir: &Path, name: &str, wait: Option<Duration>) -> Result<Option<Ipv6Addr>> {
    let mut lab = Lab::load(dir)?;
    let i = lab.index(name)?;
    if let Some(pid) = lab.nodes[i]
        .pid
        .filter(|&p| is_router_of(p, &lab.nodes[i].config))
    {
        return Err(LabError::Invalid(format!(
            "the router of {name} is already running (pid {pid})"
        )));
    }
    let mut child = spawn_router(&lab, i)?;
    lab.nodes[i].pid = Some(child.id());
    lab.save()?;
    let Some(wait) = wait else { return Ok(None) };
    let deadline = Instant::now() + wait;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            lab.nodes[i].pid = None;
            lab.save()?;
            return Err(LabError::Invalid(format!(
                "the router of {name} exited ({}); last lines of {}:\n{}",
                describe(status),
                lab.nodes[i].log.display(),
                tail(&lab.nodes[i].log, 12)
            )));
        }
        if let Some(text) = stats(&lab, i)
            && is_joined(&text)
        {
            return Ok(address(&text));
        }
        if Instant::now() >= deadline {
            return Err(LabError::Invalid(format!(
                "{name} did not join within {} s; last lines of {}:\n{}",
                wait.as_secs(),
                lab.nodes[i].log.display(),
                tail(&lab.nodes[i].log, 12)
            )));
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// One line per node: namespace, router pid (or `-`), joined, address.
pub fn status(lab: &Lab) -> String {
    let idx: Vec<usize> = (0..lab.nodes.len()).collect();
    let st: BTreeMap<usize, Option<String>> = stats_many(lab, &idx).into_iter().collect();
    let w = name_width(lab);
    let mut s = format!(
        "{:<w$}  {:<12}  {:>8}  {:<6}  address\n",
        "node", "namespace", "pid", "joined"
    );
    for (i, n) in lab.nodes.iter().enumerate() {
        let pid = n
            .pid
            .filter(|&p| is_router_of(p, &n.config))
            .map_or_else(|| "-".to_string(), |p| p.to_string());
        let text = st.get(&i).cloned().flatten();
        let joined = match &text {
            Some(t) if is_joined(t) => "yes",
            Some(_) => "no",
            None => "?",
        };
        let addr = text
            .as_deref()
            .and_then(address)
            .map_or_else(|| "-".to_string(), |a| a.to_string());
        s.push_str(&format!(
            "{:<w$}  {:<12}  {pid:>8}  {joined:<6}  {addr}\n",
            n.name, n.ns
        ));
    }
    s
}

/// What `down` did.
#[derive(Debug, Default)]
pub struct DownReport {
    /// Routers that stopped on SIGTERM.
    pub terminated: usize,
    /// Routers (and other lab processes) that needed SIGKILL.
    pub killed: usize,
    /// Namespaces deleted.
    pub namespaces: usize,
    /// False when the folder held no lab.
    pub found: bool,
}

/// Takes the lab of folder `dir` down: SIGTERM to every router it started (SIGKILL after
/// [`TERM_GRACE`]), any other process left in its namespaces killed, its namespaces (and
/// leftovers with its names) deleted, its lab file removed. Logs and state files stay.
pub fn down(dir: &Path) -> Result<DownReport> {
    let lab = match Lab::load(dir) {
        Ok(l) => l,
        Err(LabError::NoLab(_)) => return Ok(DownReport::default()),
        Err(e) => return Err(e),
    };
    let mut r = DownReport {
        found: true,
        ..DownReport::default()
    };
    let pids: Vec<u32> = lab
        .nodes
        .iter()
        .filter_map(|n| n.pid.filter(|&p| is_router_of(p, &n.config)))
        .collect();
    for &p in &pids {
        signal(p, libc::SIGTERM);
    }
    wait_gone(&pids, TERM_GRACE);
    for &p in &pids {
        if alive(p) {
            signal(p, libc::SIGKILL);
            r.killed += 1;
        } else {
            r.terminated += 1;
        }
    }
    wait_gone(&pids, Duration::from_secs(2));
    let mut namespaces = lab.namespaces();
    for ns in leftovers(&lab.ns_prefix)? {
        if !namespaces.contains(&ns) {
            namespaces.push(ns);
        }
    }
    let existing = list_ns()?;
    for ns in namespaces.iter().filter(|ns| existing.contains(ns)) {
        r.killed += kill_ns_pids(ns);
        remove_ns(ns);
        r.namespaces += 1;
    }
    match fs::remove_file(Lab::file(dir)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err("cannot remove the lab file")(e)),
    }
    Ok(r)
}

/// Kills whatever still runs in namespace `ns` (processes the lab's `exec` started); how many.
fn kill_ns_pids(ns: &str) -> usize {
    let pids = |ns: &str| -> Vec<u32> {
        Command::new("ip")
            .args(["netns", "pids", ns])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .filter(|&p| alive(p))
                    .collect()
            })
            .unwrap_or_default()
    };
    let first = pids(ns);
    for &p in &first {
        signal(p, libc::SIGKILL);
    }
    wait_gone(&first, Duration::from_secs(2));
    first.len()
}

fn remove_ns(ns: &str) {
    let _ = Command::new("ip")
        .args(["netns", "del", ns])
        .stderr(Stdio::null())
        .status();
}

/// Every namespace name on the machine.
fn list_ns() -> Result<Vec<String>> {
    let o = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .map_err(io_err("cannot run `ip netns list`"))?;
    Ok(String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect())
}

/// Namespaces named like this lab's (`<prefix><digits>` or `<prefix>out`).
fn leftovers(prefix: &str) -> Result<Vec<String>> {
    Ok(list_ns()?
        .into_iter()
        .filter(|ns| {
            ns.strip_prefix(prefix).is_some_and(|rest| {
                rest == "out" || (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
            })
        })
        .collect())
}

/// Runs `ip ARGS` (split at spaces: every name the lab makes is free of them); an error with
/// its standard error when it fails.
fn ip(args: &str) -> Result<()> {
    let mut cmd = Command::new("ip");
    cmd.args(args.split_whitespace());
    run(cmd)
}

/// Sets sysctls in namespace `ns`.
fn sysctl(ns: &str, keys: &[String]) -> Result<()> {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns, "sysctl", "-q", "-w"])
        .args(keys);
    run(cmd)
}

fn run(mut cmd: Command) -> Result<()> {
    let line = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let o = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(io_err(format!("cannot run `{line}`")))?;
    if o.status.success() {
        return Ok(());
    }
    Err(LabError::Command {
        cmd: line,
        status: describe(o.status),
        stderr: String::from_utf8_lossy(&o.stderr).trim().to_string(),
    })
}

/// Runs `cmd` to completion, killing it after `limit`; `None` on a timeout.
fn output_within(mut cmd: Command, limit: Duration) -> io::Result<Option<Output>> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut o = Vec::new();
        if let Some(s) = out.as_mut() {
            let _ = s.read_to_end(&mut o);
        }
        o
    });
    let err_reader = std::thread::spawn(move || {
        let mut e = Vec::new();
        if let Some(s) = err.as_mut() {
            let _ = s.read_to_end(&mut e);
        }
        e
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(status.map(|status| Output {
        status,
        stdout,
        stderr,
    }))
}

/// The last `n` lines of file `path` (at most its last 64 KiB).
pub fn tail(path: &Path, n: usize) -> String {
    let Ok(mut f) = File::open(path) else {
        return format!("(cannot read {})\n", path.display());
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    let mut s = String::new();
    for l in &lines[lines.len().saturating_sub(n)..] {
        s.push_str(l);
        s.push('\n');
    }
    if s.is_empty() {
        s.push_str("(empty)\n");
    }
    s
}

/// True while process `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain anything.
    stat.rfind(')')
        .and_then(|e| stat[e + 1..].split_whitespace().next())
        .is_some_and(|state| state != "Z" && state != "X")
}

/// True when `pid` is alive and is the router started with config file `config` (so a pid
/// reused by another process is never signalled).
pub fn is_router_of(pid: u32, config: &Path) -> bool {
    if !alive(pid) {
        return false;
    }
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let want = config.as_os_str().as_encoded_bytes();
    cmdline.split(|&b| b == 0).any(|arg| arg == want)
}

/// Sends `sig` to process `pid`.
#[allow(unsafe_code)]
fn signal(pid: u32, sig: libc::c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    if pid <= 0 {
        return;
    }
    // SAFETY: kill(2) takes two integers and touches no memory of this process; a pid > 0
    // names exactly one process (never a group), checked by the callers to be one the lab
    // started.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Waits until none of `pids` is alive, at most `limit`; true if they all went.
fn wait_gone(pids: &[u32], limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if pids.iter().all(|&p| !alive(p)) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Octets at the start of every lab datagram: magic, sequence number, count.
const UDP_HEADER_LEN: usize = 24;
const UDP_MAGIC: &[u8; 8] = b"PASALAB1";

/// What `udp_send` did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UdpSent {
    /// Datagrams handed to the kernel.
    pub sent: u64,
    /// Send errors (each retried after a short pause until sent).
    pub retries: u64,
    /// Wall time.
    pub seconds: f64,
}

/// Sends `count` datagrams of `size` octets to `[dst]:port`, numbered 0 to `count` - 1, paced
/// at `rate` per second.
pub fn udp_send(
    dst: Ipv6Addr,
    port: u16,
    count: u64,
    rate: u64,
    size: usize,
) -> io::Result<UdpSent> {
    let sock = UdpSocket::bind("[::]:0")?;
    let to = SocketAddr::from((dst, port));
    let size = size.max(UDP_HEADER_LEN);
    let mut buf = vec![0u8; size];
    buf[..8].copy_from_slice(UDP_MAGIC);
    buf[16..24].copy_from_slice(&count.to_be_bytes());
    let rate = rate.max(1);
    let t0 = Instant::now();
    let mut retries = 0;
    for seq in 0..count {
        // Datagram `seq` is due at seq / rate seconds.
        let due = t0 + Duration::from_nanos(seq.saturating_mul(1_000_000_000) / rate);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        buf[8..16].copy_from_slice(&seq.to_be_bytes());
        loop {
            match sock.send_to(&buf, to) {
                Ok(_) => break,
                Err(e) if retries < 10_000 && e.raw_os_error() == Some(libc::ENOBUFS) => {
                    retries += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(UdpSent {
        sent: count,
        retries,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// What `udp_recv` saw.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UdpReceived {
    /// Lab datagrams received (duplicates included).
    pub received: u64,
    /// Distinct sequence numbers below the expected count.
    pub distinct: u64,
    /// Datagrams whose sequence number was above every one received before them.
    pub in_order: u64,
    /// Expected sequence numbers never received.
    pub missing: u64,
    /// Datagrams received more than once.
    pub duplicates: u64,
    /// The first missing sequence number.
    pub first_missing: Option<u64>,
    /// Time from the first datagram to the last.
    pub seconds: f64,
}

impl UdpReceived {
    /// True when all `count` arrived, once each, in order.
    pub fn complete_in_order(&self, count: u64) -> bool {
        self.received == count && self.distinct == count && self.in_order == count
    }
}

/// Binds `[::]:port`, says so on standard error (`udp-recv: listening on …`), and receives
/// until `count` distinct datagrams arrived or `timeout` passed.
pub fn udp_recv(port: u16, count: u64, timeout: Duration) -> io::Result<UdpReceived> {
    let sock = UdpSocket::bind(SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)))?;
    sock.set_read_timeout(Some(Duration::from_millis(100)))?;
    eprintln!("udp-recv: listening on [::]:{port}");
    let n = usize::try_from(count).unwrap_or(usize::MAX);
    let mut seen = vec![false; n];
    let mut r = UdpReceived {
        received: 0,
        distinct: 0,
        in_order: 0,
        missing: count,
        duplicates: 0,
        first_missing: None,
        seconds: 0.0,
    };
    let mut highest: Option<u64> = None;
    let mut first: Option<Instant> = None;
    let mut last = Instant::now();
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 2048];
    while r.distinct < count && Instant::now() < deadline {
        let len = match sock.recv(&mut buf) {
            Ok(l) => l,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if len < UDP_HEADER_LEN || &buf[..8] != UDP_MAGIC {
            continue;
        }
        let mut s = [0u8; 8];
        s.copy_from_slice(&buf[8..16]);
        let seq = u64::from_be_bytes(s);
        let now = Instant::now();
        first.get_or_insert(now);
        last = now;
        r.received += 1;
        if highest.is_none_or(|h| seq > h) {
            r.in_order += 1;
            highest = Some(seq);
        }
        match seen.get_mut(usize::try_from(seq).unwrap_or(usize::MAX)) {
            Some(slot) if *slot => r.duplicates += 1,
            Some(slot) => {
                *slot = true;
                r.distinct += 1;
            }
            None => {}
        }
    }
    r.missing = count - r.distinct;
    r.first_missing = seen.iter().position(|&s| !s).map(|p| p as u64);
    r.seconds = first.map_or(0.0, |f| last.duration_since(f).as_secs_f64());
    Ok(r)
}

/// Width of the node-name column of the tables `up` and `status` print.
fn name_width(lab: &Lab) -> usize {
    lab.nodes
        .iter()
        .map(|n| n.name.len())
        .max()
        .unwrap_or(4)
        .max(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATS: &str = "# HELP pasa_joined 1 when the node holds a registered address\n\
# TYPE pasa_joined gauge\n\
pasa_joined 1\n\
pasa_address_info{address=\"2001:db8::2b\",role=\"host\"} 1\n\
pasa_drops_total{reason=\"lowpan_nalp\"} 3\n\
pasa_drops_total{reason=\"iphc_reserved\"} 4\n\
pasa_joined_total 7\n";

    #[test]
    fn reads_joined_address_and_summed_counters() {
        assert!(is_joined(STATS));
        assert_eq!(address(STATS), Some("2001:db8::2b".parse().unwrap()));
        assert_eq!(metric(STATS, "pasa_drops_total"), Some(7.0));
        assert_eq!(metric(STATS, "pasa_joined_total"), Some(7.0));
        assert_eq!(metric(STATS, "pasa_missing"), None);
        assert!(!is_joined("pasa_joined 0\n"));
        assert_eq!(
            label("x{xaddress=\"a\",address=\"b\"} 1", "address"),
            Some("b")
        );
    }

    #[test]
    fn names_fit_linux_limits() {
        assert_eq!(mac_of(0), "02:00:5a:00:00:01");
        assert_eq!(mac_of(0x1234 - 1), "02:00:5a:00:12:34");
        // Interface names are at most 15 characters: c + a node index below 65536.
        assert!(format!("c{}", 0xFFFF).len() <= 15);
        assert!(valid_name("h-101011") && !valid_name("..") && !valid_name("a/b"));
    }

    #[test]
    fn config_names_links_and_parent() {
        let t = pasa_topology::parse(include_str!("../../examples/figure6.pasa"), "f6").unwrap();
        let lab = plan_lab(&t, "f6", Path::new("/x"), "p-", PathBuf::from("/r"), false);
        let i = t.find("r-1010").unwrap() as usize;
        let c = node_config(&lab, &t, i, "info");
        assert!(c.contains("role = \"router\""), "{c}");
        assert!(c.contains("prefix = \"2001:db8::/64\""), "{c}");
        assert!(c.contains("interface = \"up\"\nparent = true"), "{c}");
        assert_eq!(c.matches("[[link]]").count(), 3, "{c}");
        assert_eq!(lab.nodes[i].ns, format!("p-{i}"));
        let root = node_config(&lab, &t, 0, "info");
        assert!(root.contains("role = \"root\"") && !root.contains("parent = true"));
        assert_eq!(lab.outside_ns, "p-out");
    }
}
