//! The configuration file (TOML), read once and validated into [`Config`]. Every refusal
//! names the file, the line and the field, so an operator can fix it without reading code.
//!
//! ```toml
//! role = "router"                  # root | router | host
//! prefix = "2001:db8::/64"         # the PASA /64 of the domain
//! state_file = "state.bin"         # relative paths are relative to this file's folder
//! control_socket = "node.sock"     # optional; default <state_file>.sock (`pasa-router stats`)
//! link_addr = "02:00:00:00:00:05"  # optional; default the MAC of the first Ethernet link
//! rovr = "0011223344556677"        # optional, 8 to 16 octets in hex; default from link_addr
//! lorh_type = 9                    # optional PASA-6LoRH type (TBD1)
//! log = "info"                     # optional: error, warn, info, debug, trace
//! metrics = "127.0.0.1:9464"       # optional Prometheus endpoint, loopback only
//! mtu = 1280                       # optional, largest frame sent
//!
//! [tun]                            # the node's own IPv6 stack
//! name = "pasa0"                   # optional
//! routes = true                    # optional: add the prefix route (and on routers and
//!                                  # hosts the default route) into the TUN
//!
//! [[link]]                         # one per link; the order gives the interface numbers
//! kind = "ethernet"                # EtherType 0xA0ED through pnet
//! interface = "eth1"
//! parent = true                    # the link toward the parent (exactly one, not on the root)
//! io = "batched"                   # optional: recvmmsg/sendmmsg (default), or "pnet"
//!
//! [[link]]
//! kind = "serial"                  # SLIP (RFC 1055) carrying the same Ethernet-framed LoWPAN
//! path = "/dev/ttyUSB0"            # a tty (raw, `baud`), or:
//! # socket = "uart1.sock"          # a Unix socket, connected to (or `listen = true`)
//! baud = 115200
//!
//! [limits]                         # all optional
//! icmp_burst = 2
//! icmp_interval_ms = 1000
//! quote_len = 48
//! registration_min = 60            # registration lifetime asked for, minutes
//! per_link_cap = 2                 # addresses one link-layer address may hold
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pasa_addrcodec::wire::iphc::{Context, Contexts};
use pasa_addrcodec::wire::nd::{LinkAddr, Rovr};
use pasa_addrcodec::{DEFAULT_PASA_LORH_TYPE, Prefix64};
use pasa_router::{NodeConfig, NodeRole};
use serde::Deserialize;
use toml::Spanned;

/// A refused configuration: where, which field, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError {
    /// The file.
    pub(crate) file: String,
    /// 1-based line (0 when the whole file is at fault).
    pub(crate) line: usize,
    /// The field, as written in the file (`link[2].interface`).
    pub(crate) field: String,
    /// What is wrong and what is expected.
    pub(crate) msg: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, self.field, self.msg
            )
        } else {
            write!(f, "{}: {}: {}", self.file, self.field, self.msg)
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where a serial link's bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SerialTarget {
    /// A tty, set raw at `baud`.
    Tty {
        /// Device path.
        path: PathBuf,
        /// Line speed.
        baud: u32,
    },
    /// A Unix stream socket another program listens on (QEMU, the simulator).
    Connect(PathBuf),
    /// A Unix stream socket this process listens on (one peer at a time).
    Listen(PathBuf),
}

/// How an Ethernet link does its I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EthIo {
    /// `AF_PACKET` with `recvmmsg`/`sendmmsg` on the event loop's thread (Linux; fast).
    Batched,
    /// pnet's channel with a reader thread (portable).
    Pnet,
}

/// The kind of a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkKind {
    /// Ethernet, EtherType 0xA0ED.
    Ethernet {
        /// Interface name.
        interface: String,
        /// I/O path.
        io: EthIo,
    },
    /// SLIP over a serial line or a Unix socket.
    Serial(SerialTarget),
}

/// One link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkConfig {
    /// A name for logs and metrics (the interface or the path).
    pub(crate) name: String,
    /// What it is.
    pub(crate) kind: LinkKind,
    /// The link toward the parent.
    pub(crate) parent: bool,
}

/// The TUN device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TunConfig {
    /// Device name.
    pub(crate) name: String,
    /// Add the prefix route (and the default route on routers and hosts).
    pub(crate) routes: bool,
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    /// The file it came from.
    pub(crate) path: PathBuf,
    /// Root, router or host.
    pub(crate) role: NodeRole,
    /// The domain's /64.
    pub(crate) prefix: Prefix64,
    /// The state file.
    pub(crate) state_file: PathBuf,
    /// The control socket (`pasa-router stats`).
    pub(crate) control_socket: PathBuf,
    /// The node's link-layer address, if configured.
    pub(crate) link_addr: Option<[u8; 6]>,
    /// The ROVR, if configured.
    pub(crate) rovr: Option<Vec<u8>>,
    /// PASA-6LoRH type.
    pub(crate) lorh_type: u8,
    /// Log filter (tracing `EnvFilter` syntax).
    pub(crate) log: String,
    /// Prometheus endpoint.
    pub(crate) metrics: Option<SocketAddr>,
    /// Largest frame sent.
    pub(crate) mtu: u16,
    /// TUN device.
    pub(crate) tun: TunConfig,
    /// Links, in interface-number order.
    pub(crate) links: Vec<LinkConfig>,
    /// The core's limits.
    pub(crate) limits: Limits,
}

/// Limits handed to the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// ICMPv6 error burst.
    pub(crate) icmp_burst: u32,
    /// One more ICMPv6 error allowed every this many ms.
    pub(crate) icmp_interval_ms: u32,
    /// Octets quoted in an ICMPv6 error.
    pub(crate) quote_len: u16,
    /// Registration lifetime asked for, minutes.
    pub(crate) registration_min: u16,
    /// Addresses one link-layer address may hold.
    pub(crate) per_link_cap: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    role: Spanned<String>,
    prefix: Spanned<String>,
    state_file: Spanned<String>,
    control_socket: Option<Spanned<String>>,
    link_addr: Option<Spanned<String>>,
    rovr: Option<Spanned<String>>,
    lorh_type: Option<Spanned<u8>>,
    log: Option<Spanned<String>>,
    metrics: Option<Spanned<String>>,
    mtu: Option<Spanned<u16>>,
    #[serde(default)]
    tun: RawTun,
    #[serde(default)]
    link: Vec<Spanned<RawLink>>,
    #[serde(default)]
    limits: RawLimits,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTun {
    name: Option<Spanned<String>>,
    routes: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    kind: Spanned<String>,
    interface: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    socket: Option<Spanned<String>>,
    listen: Option<bool>,
    baud: Option<Spanned<u32>>,
    io: Option<Spanned<String>>,
    #[serde(default)]
    parent: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    icmp_burst: Option<Spanned<u32>>,
    icmp_interval_ms: Option<Spanned<u32>>,
    quote_len: Option<Spanned<u16>>,
    registration_min: Option<Spanned<u16>>,
    per_link_cap: Option<Spanned<u8>>,
}

/// Reads and validates `path`.
pub(crate) fn load(path: &Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: 0,
        field: "(file)".into(),
        msg: format!("cannot read: {e}"),
    })?;
    parse(&text, path)
}

/// Validates `text`, read from `path` (relative paths in it are relative to its folder).
pub(crate) fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let line_of = |span: std::ops::Range<usize>| -> usize {
        text.get(..span.start.min(text.len()))
            .map_or(0, |s| s.matches('\n').count() + 1)
    };
    let err = |span: std::ops::Range<usize>, field: &str, msg: String| ConfigError {
        file: file.clone(),
        line: line_of(span),
        field: field.to_string(),
        msg,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        // toml names the line through its span; keep its message on one line.
        let line = e.span().map_or(0, line_of);
        ConfigError {
            file: file.clone(),
            line,
            field: "(syntax)".into(),
            msg: e.message().replace('\n', " "),
        }
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let rel = |p: &str| -> PathBuf {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { dir.join(p) }
    };

    let role = match raw.role.get_ref().as_str() {
        "root" => NodeRole::Root,
        "router" => NodeRole::Router,
        "host" => NodeRole::Host,
        other => {
            return Err(err(
                raw.role.span(),
                "role",
                format!("\"{other}\" is not a role; expected \"root\", \"router\" or \"host\""),
            ));
        }
    };
    let prefix = Prefix64::from_str(raw.prefix.get_ref()).map_err(|e| {
        err(
            raw.prefix.span(),
            "prefix",
            format!(
                "\"{}\": {e:?}; expected a /64 such as \"2001:db8::/64\"",
                raw.prefix.get_ref()
            ),
        )
    })?;
    if raw.state_file.get_ref().is_empty() {
        return Err(err(raw.state_file.span(), "state_file", "is empty".into()));
    }
    let state_file = rel(raw.state_file.get_ref());
    let control_socket = match &raw.control_socket {
        Some(s) => rel(s.get_ref()),
        None => {
            let mut p = state_file.clone().into_os_string();
            p.push(".sock");
            PathBuf::from(p)
        }
    };
    let link_addr = match &raw.link_addr {
        None => None,
        Some(s) => Some(parse_mac(s.get_ref()).ok_or_else(|| {
            err(
                s.span(),
                "link_addr",
                format!(
                    "\"{}\" is not a MAC address; expected six hex octets such as \"02:00:00:00:00:05\"",
                    s.get_ref()
                ),
            )
        })?),
    };
    let rovr = match &raw.rovr {
        None => None,
        Some(s) => {
            let bytes = crate::decode::parse_hex(s.get_ref()).ok();
            match bytes {
                Some(b) if Rovr::new(&b).is_ok() => Some(b),
                _ => {
                    return Err(err(
                        s.span(),
                        "rovr",
                        format!(
                            "\"{}\": expected 8, 16, 24 or 32 octets... as accepted by the EARO, in hex",
                            s.get_ref()
                        ),
                    ));
                }
            }
        }
    };
    let lorh_type = raw
        .lorh_type
        .as_ref()
        .map_or(DEFAULT_PASA_LORH_TYPE, |s| *s.get_ref());
    let log = match &raw.log {
        None => "info".to_string(),
        Some(s) => {
            let v = s.get_ref();
            if tracing_subscriber::EnvFilter::try_new(v).is_err() {
                return Err(err(
                    s.span(),
                    "log",
                    format!(
                        "\"{v}\": expected error, warn, info, debug, trace or a tracing filter"
                    ),
                ));
            }
            v.clone()
        }
    };
    let metrics = match &raw.metrics {
        None => None,
        Some(s) => {
            let a = SocketAddr::from_str(s.get_ref()).map_err(|e| {
                err(
                    s.span(),
                    "metrics",
                    format!(
                        "\"{}\": {e}; expected such as \"127.0.0.1:9464\"",
                        s.get_ref()
                    ),
                )
            })?;
            if !a.ip().is_loopback() {
                return Err(err(
                    s.span(),
                    "metrics",
                    format!(
                        "{a} is not a loopback address; the endpoint has no authentication, so it listens on loopback only"
                    ),
                ));
            }
            Some(a)
        }
    };
    let mtu = raw.mtu.as_ref().map_or(1280, |m| *m.get_ref());
    let tun = TunConfig {
        name: match &raw.tun.name {
            None => "pasa0".into(),
            Some(n) => {
                let v = n.get_ref();
                if v.is_empty()
                    || v.len() > 15
                    || !v
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                {
                    return Err(err(
                        n.span(),
                        "tun.name",
                        format!("\"{v}\": an interface name is 1 to 15 of [A-Za-z0-9-_.]"),
                    ));
                }
                v.clone()
            }
        },
        routes: raw.tun.routes.unwrap_or(true),
    };

    let mut links = Vec::new();
    for (i, l) in raw.link.iter().enumerate() {
        let span = l.span();
        let l = l.get_ref();
        let field = |f: &str| format!("link[{}].{f}", i + 1);
        let kind = match l.kind.get_ref().as_str() {
            "ethernet" => {
                let Some(ifc) = &l.interface else {
                    return Err(err(
                        span,
                        &field("interface"),
                        "an ethernet link needs `interface`".into(),
                    ));
                };
                if l.path.is_some() || l.socket.is_some() {
                    return Err(err(
                        span,
                        &field("kind"),
                        "an ethernet link takes `interface`, not `path` or `socket`".into(),
                    ));
                }
                LinkKind::Ethernet {
                    interface: ifc.get_ref().clone(),
                    io: match l.io.as_ref().map(|s| s.get_ref().as_str()) {
                        None | Some("batched") => EthIo::Batched,
                        Some("pnet") => EthIo::Pnet,
                        Some(other) => {
                            return Err(err(
                                l.io.as_ref().map_or(span.clone(), |s| s.span()),
                                &field("io"),
                                format!(
                                    "\"{other}\": expected \"batched\" (recvmmsg/sendmmsg) or \"pnet\""
                                ),
                            ));
                        }
                    },
                }
            }
            "serial" => match (&l.path, &l.socket) {
                (Some(p), None) => LinkKind::Serial(SerialTarget::Tty {
                    path: rel(p.get_ref()),
                    baud: l.baud.as_ref().map_or(115_200, |b| *b.get_ref()),
                }),
                (None, Some(s)) => {
                    let p = rel(s.get_ref());
                    LinkKind::Serial(if l.listen.unwrap_or(false) {
                        SerialTarget::Listen(p)
                    } else {
                        SerialTarget::Connect(p)
                    })
                }
                _ => {
                    return Err(err(
                        span,
                        &field("path"),
                        "a serial link needs exactly one of `path` (a tty) or `socket` (a Unix socket)"
                            .into(),
                    ));
                }
            },
            other => {
                return Err(err(
                    l.kind.span(),
                    &field("kind"),
                    format!("\"{other}\": expected \"ethernet\" or \"serial\""),
                ));
            }
        };
        let name = match &kind {
            LinkKind::Ethernet { interface, .. } => interface.clone(),
            LinkKind::Serial(SerialTarget::Tty { path, .. })
            | LinkKind::Serial(SerialTarget::Connect(path))
            | LinkKind::Serial(SerialTarget::Listen(path)) => path.display().to_string(),
        };
        if links.iter().any(|x: &LinkConfig| x.name == name) {
            return Err(err(
                span,
                &field("interface"),
                format!("\"{name}\" is already link {}", links.len()),
            ));
        }
        links.push(LinkConfig {
            name,
            kind,
            parent: l.parent,
        });
    }
    if links.is_empty() {
        return Err(ConfigError {
            file: file.clone(),
            line: 0,
            field: "link".into(),
            msg: "no [[link]]: a node needs at least one link".into(),
        });
    }
    if links.len() > 255 {
        return Err(ConfigError {
            file: file.clone(),
            line: 0,
            field: "link".into(),
            msg: format!("{} links; at most 255", links.len()),
        });
    }
    let parents = links.iter().filter(|l| l.parent).count();
    let parent_rule = match role {
        NodeRole::Root if parents > 0 => {
            Some("the root has no parent: no link may say `parent = true`")
        }
        NodeRole::Router | NodeRole::Host if parents != 1 => {
            Some("exactly one link must say `parent = true` (the link toward the parent)")
        }
        _ => None,
    };
    if let Some(msg) = parent_rule {
        let span = raw
            .link
            .iter()
            .find(|l| l.get_ref().parent)
            .map_or(raw.role.span(), |l| l.span());
        return Err(err(span, "link.parent", msg.into()));
    }
    if role == NodeRole::Host && links.len() > 1 {
        return Err(err(
            raw.role.span(),
            "role",
            format!(
                "a host has one link (its parent's); {} are configured",
                links.len()
            ),
        ));
    }
    if link_addr.is_none()
        && !links
            .iter()
            .any(|l| matches!(l.kind, LinkKind::Ethernet { .. }))
    {
        return Err(err(
            raw.role.span(),
            "link_addr",
            "no Ethernet link to take a MAC from: set `link_addr`".into(),
        ));
    }

    let d = pasa_router::config::IcmpConfig::default();
    let get = |v: &Option<Spanned<u32>>, dflt: u32| v.as_ref().map_or(dflt, |s| *s.get_ref());
    let limits = Limits {
        icmp_burst: get(&raw.limits.icmp_burst, d.burst),
        icmp_interval_ms: get(&raw.limits.icmp_interval_ms, d.interval_ms),
        quote_len: raw
            .limits
            .quote_len
            .as_ref()
            .map_or(d.quote_len, |s| *s.get_ref()),
        registration_min: raw
            .limits
            .registration_min
            .as_ref()
            .map_or(60, |s| *s.get_ref()),
        per_link_cap: raw.limits.per_link_cap.as_ref().map_or(
            pasa_router::config::RegistrarConfig::default().per_link_cap,
            |s| *s.get_ref(),
        ),
    };
    let cfg = Config {
        path: path.to_path_buf(),
        role,
        prefix,
        state_file,
        control_socket,
        link_addr,
        rovr,
        lorh_type,
        log,
        metrics,
        mtu,
        tun,
        links,
        limits,
    };
    // The core validates the rest (quote length, rates, MTU): its refusal names the field too.
    if let Err(e) = cfg.node_config([2, 0, 0, 0, 0, 1]).validate() {
        use pasa_router::config::ConfigError as E;
        let (field, span) = match e {
            E::QuoteLen(_) => (
                "limits.quote_len",
                raw.limits.quote_len.as_ref().map(|s| s.span()),
            ),
            E::IcmpBucket => (
                "limits.icmp_burst",
                raw.limits
                    .icmp_burst
                    .as_ref()
                    .or(raw.limits.icmp_interval_ms.as_ref())
                    .map(|s| s.span()),
            ),
            E::Mtu(_) => ("mtu", raw.mtu.as_ref().map(|s| s.span())),
            E::PerLinkCap => (
                "limits.per_link_cap",
                raw.limits.per_link_cap.as_ref().map(|s| s.span()),
            ),
            E::JoinerTiming => (
                "limits.registration_min",
                raw.limits.registration_min.as_ref().map(|s| s.span()),
            ),
            _ => ("(node)", None),
        };
        return Err(ConfigError {
            file: file.clone(),
            line: span.map_or(0, line_of),
            field: field.into(),
            msg: e.to_string(),
        });
    }
    Ok(cfg)
}

impl Config {
    /// The core's configuration, with `mac` as the node's link-layer address.
    pub(crate) fn node_config(&self, mac: [u8; 6]) -> NodeConfig {
        let contexts = Contexts::new().with(
            0,
            Context::new(self.prefix.network(), 64)
                .unwrap_or_else(|_| unreachable!("a /64 context is valid")),
        );
        let ll = LinkAddr::new(&mac).unwrap_or(LinkAddr::ZERO);
        let rovr = match &self.rovr {
            Some(r) => Rovr::new(r).unwrap_or(Rovr::ZERO),
            None => {
                // Stable across restarts: derived from the link-layer address.
                let mut r = [0u8; 8];
                r[..6].copy_from_slice(&mac);
                r[6..].copy_from_slice(b"PA");
                Rovr::new(&r).unwrap_or(Rovr::ZERO)
            }
        };
        let mut c = NodeConfig::new(self.role, self.prefix, contexts, ll, rovr);
        c.lorh_type = self.lorh_type;
        c.mtu = self.mtu;
        c.uplink = self
            .links
            .iter()
            .position(|l| l.parent)
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(0);
        c.icmp.burst = self.limits.icmp_burst;
        c.icmp.interval_ms = self.limits.icmp_interval_ms;
        c.icmp.quote_len = self.limits.quote_len;
        c.joiner.registration_min = self.limits.registration_min;
        c.registrar.per_link_cap = self.limits.per_link_cap;
        c
    }
}

/// `02:00:00:00:00:05` (or with `-`) to octets.
pub(crate) fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut m = [0u8; 6];
    for (o, p) in m.iter_mut().zip(parts) {
        if p.len() != 2 {
            return None;
        }
        *o = u8::from_str_radix(p, 16).ok()?;
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
role = "router"
prefix = "2001:db8::/64"
state_file = "state.bin"

[[link]]
kind = "ethernet"
interface = "up0"
parent = true

[[link]]
kind = "serial"
socket = "uart1.sock"
listen = true
"#;

    fn p(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("/etc/pasa/node.toml"))
    }

    #[test]
    fn a_good_file_is_read_with_defaults() {
        let c = p(GOOD).unwrap();
        assert_eq!(c.role, NodeRole::Router);
        assert_eq!(c.state_file, PathBuf::from("/etc/pasa/state.bin"));
        assert_eq!(c.control_socket, PathBuf::from("/etc/pasa/state.bin.sock"));
        assert_eq!(c.tun.name, "pasa0");
        assert_eq!(c.links.len(), 2);
        assert!(c.links[0].parent);
        assert_eq!(
            c.links[1].kind,
            LinkKind::Serial(SerialTarget::Listen("/etc/pasa/uart1.sock".into()))
        );
        let n = c.node_config([2, 0, 0, 0, 0, 5]);
        assert_eq!(n.uplink, 0);
        assert_eq!(n.mtu, 1280);
    }

    /// Each refusal names the line and the field.
    #[test]
    fn refusals_name_line_and_field() {
        let cases: &[(&str, &str, &str, usize)] = &[
            ("role = \"router\"", "role = \"gateway\"", "role", 2),
            (
                "prefix = \"2001:db8::/64\"",
                "prefix = \"2001:db8::/48\"",
                "prefix",
                3,
            ),
            ("interface = \"up0\"\n", "", "link[1].interface", 6),
            ("parent = true", "parent = false", "link.parent", 2),
            ("kind = \"serial\"", "kind = \"can\"", "link[2].kind", 12),
            (
                "state_file = \"state.bin\"",
                "state_file = \"state.bin\"\nmetrics = \"0.0.0.0:9464\"",
                "metrics",
                5,
            ),
            (
                "state_file = \"state.bin\"",
                "state_file = \"state.bin\"\nmtu = 20",
                "mtu",
                5,
            ),
            (
                "state_file = \"state.bin\"",
                "state_file = \"state.bin\"\nlink_addr = \"02:00\"",
                "link_addr",
                5,
            ),
            (
                "state_file = \"state.bin\"",
                "state_file = \"state.bin\"\ncolour = \"blue\"",
                "(syntax)",
                5,
            ),
            (
                "state_file = \"state.bin\"",
                "state_file = \"state.bin\"\n[limits]\nquote_len = 20",
                "limits.quote_len",
                6,
            ),
        ];
        for (from, to, field, line) in cases {
            assert!(GOOD.contains(from), "{from}");
            let e = p(&GOOD.replacen(from, to, 1)).unwrap_err();
            assert_eq!(e.field, *field, "{e}");
            assert_eq!(e.line, *line, "{e}");
            assert!(e.to_string().starts_with("/etc/pasa/node.toml:"), "{e}");
        }
    }

    #[test]
    fn roles_and_parent_links() {
        let root = GOOD
            .replace("role = \"router\"", "role = \"root\"")
            .replace("parent = true", "");
        assert_eq!(p(&root).unwrap().role, NodeRole::Root);
        let e = p(&GOOD.replace("role = \"router\"", "role = \"root\"")).unwrap_err();
        assert_eq!(e.field, "link.parent");
        let e = p(&GOOD.replace("role = \"router\"", "role = \"host\"")).unwrap_err();
        assert!(e.msg.contains("one link"), "{e}");
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..3000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut b = GOOD.as_bytes().to_vec();
            let at = (rng as usize) % b.len();
            b[at] = (rng >> 32) as u8;
            b.truncate(b.len() - (i % 7));
            let _ = p(&String::from_utf8_lossy(&b));
        }
    }

    #[test]
    fn macs() {
        assert_eq!(parse_mac("02:00:00:00:00:0a"), Some([2, 0, 0, 0, 0, 10]));
        assert_eq!(parse_mac("02-00-00-00-00-0A"), Some([2, 0, 0, 0, 0, 10]));
        assert_eq!(parse_mac("02:00:00:00:00"), None);
        assert_eq!(parse_mac("02:00:00:00:00:0g"), None);
    }
}
