//! Operability: the node's counters as Prometheus text, over loopback HTTP and a Unix socket.
//!
//! Why: the core counts every event and every drop by reason (RELIABILITY.md G2), but a counter
//! nobody can read explains nothing. The event loop copies what it knows into a [`Snapshot`]
//! now and then; this module only renders and serves that copy, so a slow or hostile reader
//! never touches the forwarding path, and serving holds the lock just long enough to render.
//!
//! - [`render`] writes the Prometheus text exposition format 0.0.4. Every drop reason and every
//!   core counter is written even at zero, so dashboards and alerts see each series from the
//!   first scrape rather than only after the first drop.
//! - [`serve_http`] answers `GET /metrics` on a **loopback** address only: the counters reveal
//!   the topology (an address spells out its path, SPEC.md §1.15), and this server has no TLS or
//!   authentication, so exposing it is left to a reverse proxy the operator chooses. It serves
//!   one connection at a time; each request must arrive within [`REQUEST_TIMEOUT`] and fit in
//!   [`REQUEST_MAX_LEN`] octets, so an idle or slow client delays the next by at most the timeout.
//! - [`serve_control`] and [`query`] are the `pasa-router stats` path: a Unix socket whose every
//!   connection receives the same text and is closed. File permissions, not the network, decide
//!   who may read it.
//!
//! Nothing here panics on a bad client; I/O errors on one connection end that connection only.

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use pasa_router::{DropReason, Stats};

/// Time a client has to send its whole request head, from the moment it is accepted.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// Most octets of a request head (request line and headers) read before answering 431.
pub(crate) const REQUEST_MAX_LEN: usize = 8 * 1024;

/// Time [`query`] waits for the daemon's answer.
pub(crate) const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Most octets [`query`] reads: far above any real exposition, low enough to bound memory.
const QUERY_MAX_LEN: u64 = 16 * 1024 * 1024;

/// The Content-Type of the text exposition format, as Prometheus client libraries send it.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Pause after a failed `accept` (for example EMFILE), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Counters of one link, as the link layer of the process counts them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct LinkCounters {
    /// The link's name from the configuration (an interface or a serial path).
    pub(crate) name: String,
    /// `"ethernet"` or `"serial"`.
    pub(crate) kind: &'static str,
    /// Frames received.
    pub(crate) rx_frames: u64,
    /// Frames sent.
    pub(crate) tx_frames: u64,
    /// Receive errors (bad framing, read failures).
    pub(crate) rx_errors: u64,
    /// Send errors.
    pub(crate) tx_errors: u64,
}

/// What the node looks like right now, copied out of the event loop for the readers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Snapshot {
    /// `"root"`, `"router"` or `"host"`.
    pub(crate) role: String,
    /// The node's PASA address as IPv6, once it holds one.
    pub(crate) address: Option<Ipv6Addr>,
    /// True while the node holds an address (joined the tree).
    pub(crate) joined: bool,
    /// The parent's link-layer address, once chosen.
    pub(crate) parent: Option<String>,
    /// Seconds since the process started.
    pub(crate) uptime_seconds: u64,
    /// The core's event counters, from [`pasa_router::Stats::iter`] (ICMPv6 and registration
    /// counters are among them).
    pub(crate) stats: Vec<(&'static str, u64)>,
    /// Drops by reason, as `(DropReason::name(), count)` from
    /// [`pasa_router::DropCounters::iter`].
    pub(crate) drops: Vec<(&'static str, u64)>,
    /// Per-link counters.
    pub(crate) links: Vec<LinkCounters>,
}

/// Renders `s` in the Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` for each
/// family, then its samples. Families: `pasa_up`, `pasa_joined`, `pasa_address_info` (only while
/// an address is held), `pasa_parent_info` (only while a parent is known),
/// `pasa_uptime_seconds`, `pasa_<stat>_total` for every core counter, `pasa_drops_total` with a
/// `reason` label for every [`DropReason`] (zeros included), and `pasa_link_*_total` with `link`
/// and `kind` labels. Counters missing from `s` are written as 0; names the core does not know
/// (a newer core) are written after the known ones.
pub(crate) fn render(s: &Snapshot) -> String {
    let mut out = String::with_capacity(8 * 1024);
    family(
        &mut out,
        "pasa_up",
        "gauge",
        "1 while the pasa-router process answers.",
    );
    sample(&mut out, "pasa_up", &[], 1);
    family(
        &mut out,
        "pasa_joined",
        "gauge",
        "1 while the node holds a PASA address, 0 while it is joining.",
    );
    sample(&mut out, "pasa_joined", &[], u64::from(s.joined));
    if let Some(a) = s.address {
        family(
            &mut out,
            "pasa_address_info",
            "gauge",
            "The node's PASA address (as IPv6) and role; always 1.",
        );
        let a = a.to_string();
        sample(
            &mut out,
            "pasa_address_info",
            &[("address", &a), ("role", &s.role)],
            1,
        );
    }
    if let Some(p) = &s.parent {
        family(
            &mut out,
            "pasa_parent_info",
            "gauge",
            "The link-layer address of the node's parent; always 1.",
        );
        sample(&mut out, "pasa_parent_info", &[("parent", p)], 1);
    }
    family(
        &mut out,
        "pasa_uptime_seconds",
        "gauge",
        "Seconds since the process started.",
    );
    sample(&mut out, "pasa_uptime_seconds", &[], s.uptime_seconds);

    // Every core counter, known names first (so a series exists before its first event).
    let known: Vec<&'static str> = Stats::default().iter().map(|(n, _)| n).collect();
    let mut names: Vec<&'static str> = known.clone();
    for (n, _) in &s.stats {
        if !names.contains(n) {
            names.push(n);
        }
    }
    for n in names {
        let value = lookup(&s.stats, n);
        let metric = format!("pasa_{}_total", sanitize(n));
        family(&mut out, &metric, "counter", &stat_help(n));
        sample(&mut out, &metric, &[], value);
    }

    family(
        &mut out,
        "pasa_drops_total",
        "counter",
        "Frames and packets dropped, by reason (pasa_router::DropReason, RELIABILITY.md G2).",
    );
    let mut reasons: Vec<&'static str> = DropReason::ALL.iter().map(|r| r.name()).collect();
    for (n, _) in &s.drops {
        if !reasons.contains(n) {
            reasons.push(n);
        }
    }
    for r in reasons {
        sample(
            &mut out,
            "pasa_drops_total",
            &[("reason", r)],
            lookup(&s.drops, r),
        );
    }

    if !s.links.is_empty() {
        type Field = fn(&LinkCounters) -> u64;
        let link_families: [(&str, &str, Field); 4] = [
            (
                "pasa_link_rx_frames_total",
                "Frames received on the link.",
                |l| l.rx_frames,
            ),
            (
                "pasa_link_tx_frames_total",
                "Frames sent on the link.",
                |l| l.tx_frames,
            ),
            (
                "pasa_link_rx_errors_total",
                "Receive errors on the link.",
                |l| l.rx_errors,
            ),
            (
                "pasa_link_tx_errors_total",
                "Send errors on the link.",
                |l| l.tx_errors,
            ),
        ];
        for (metric, help, field) in link_families {
            family(&mut out, metric, "counter", help);
            for l in &s.links {
                sample(
                    &mut out,
                    metric,
                    &[("link", &l.name), ("kind", l.kind)],
                    field(l),
                );
            }
        }
    }
    out
}

/// Checks that `listen` is a loopback address and binds it. Split from [`serve_http`] so a
/// caller that binds port 0 can learn the port before serving ([`serve_http_on`]).
pub(crate) fn bind_http(listen: SocketAddr) -> io::Result<TcpListener> {
    refuse_non_loopback(listen)?;
    TcpListener::bind(listen)
        .map_err(|e| io::Error::new(e.kind(), format!("metrics: cannot listen on {listen}: {e}")))
}

/// Serves `GET /metrics` on the loopback address `listen` from a new thread; any other
/// address is refused with [`io::ErrorKind::InvalidInput`] before binding.
pub(crate) fn serve_http(
    listen: SocketAddr,
    shared: Arc<Mutex<Snapshot>>,
) -> io::Result<JoinHandle<()>> {
    serve_http_on(bind_http(listen)?, shared)
}

/// Serves `GET /metrics` on an already bound `listener` (which must be on loopback) from a new
/// thread, one connection at a time: `GET` or `HEAD /metrics` (a query string is ignored) gets
/// 200 with [`render`]'s text, any other path 404, another method on `/metrics` 405, a request
/// that is not HTTP 400, a head over [`REQUEST_MAX_LEN`] 431, and a client that does not finish
/// its head within [`REQUEST_TIMEOUT`] 408. Every connection is closed after one answer.
pub(crate) fn serve_http_on(
    listener: TcpListener,
    shared: Arc<Mutex<Snapshot>>,
) -> io::Result<JoinHandle<()>> {
    refuse_non_loopback(listener.local_addr()?)?;
    thread::Builder::new()
        .name("pasa-metrics-http".into())
        .spawn(move || {
            for conn in listener.incoming() {
                match conn {
                    Ok(stream) => answer_http(stream, &shared),
                    Err(_) => thread::sleep(ACCEPT_BACKOFF),
                }
            }
        })
}

/// Serves the rendered text on the Unix socket `path` from a new thread: every connection gets
/// the text and is closed. A stale socket file (one nobody listens on) is removed first; a
/// socket another process still serves, or a file that is not a socket, is refused.
pub(crate) fn serve_control(
    path: &Path,
    shared: Arc<Mutex<Snapshot>>,
) -> io::Result<JoinHandle<()>> {
    remove_stale_socket(path)?;
    let listener = UnixListener::bind(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("control socket {}: cannot bind: {e}", path.display()),
        )
    })?;
    thread::Builder::new()
        .name("pasa-control".into())
        .spawn(move || {
            for conn in listener.incoming() {
                match conn {
                    Ok(mut stream) => {
                        let text = rendered(&shared);
                        let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
                        let _ = stream.write_all(text.as_bytes());
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                    Err(_) => thread::sleep(ACCEPT_BACKOFF),
                }
            }
        })
}

/// Reads the daemon's counters from its control socket `path` (for `pasa-router stats`), waiting
/// at most [`QUERY_TIMEOUT`]. The error names the path and, when nothing answers there, says the
/// daemon is probably not running.
pub(crate) fn query(path: &Path) -> io::Result<String> {
    let stream = UnixStream::connect(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot connect to the control socket {}: {e} (is pasa-router running with \
                 this configuration?)",
                path.display()
            ),
        )
    })?;
    stream.set_read_timeout(Some(QUERY_TIMEOUT))?;
    let mut text = String::new();
    stream
        .take(QUERY_MAX_LEN)
        .read_to_string(&mut text)
        .map_err(|e| {
            let why = if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                format!(
                    "no answer within {} s (is the daemon stuck?)",
                    QUERY_TIMEOUT.as_secs()
                )
            } else {
                e.to_string()
            };
            io::Error::new(
                e.kind(),
                format!("reading the control socket {}: {why}", path.display()),
            )
        })?;
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// Rendering helpers
// ---------------------------------------------------------------------------------------------

fn lookup(list: &[(&'static str, u64)], name: &str) -> u64 {
    list.iter().find(|(n, _)| *n == name).map_or(0, |&(_, v)| v)
}

/// `# HELP` and `# TYPE` lines of one family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    for c in help.chars() {
        // HELP text escapes only backslash and line feed (format 0.0.4).
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out.push_str("# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind);
    out.push('\n');
}

/// One sample line: `name{label="value",...} value`.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: u64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(&value.to_string());
    out.push('\n');
}

/// Label values escape backslash, double quote and line feed (format 0.0.4).
fn escape_label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A counter name as a metric name fragment: anything outside `[a-zA-Z0-9_]` becomes `_`.
/// The core's names already qualify; this keeps a future name from breaking the whole page.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// HELP text of a core counter (the doc comments of `pasa_router::Stats`, shortened).
fn stat_help(name: &str) -> String {
    let text = match name {
        "forwarded" => "Frames forwarded to a neighbour.",
        "delivered" => "Packets delivered to the local stack.",
        "egressed" => "Packets the root sent out of the domain.",
        "ingressed" => "Packets the root took in from outside.",
        "originated" => "Packets of the local stack sent into the domain.",
        "lorh_elective_skipped" => "Unknown elective 6LoRHs skipped (B11).",
        "hop_limit_reencoded" => "Compressed hop limits re-encoded inline.",
        "icmp_sent" => "ICMPv6 errors sent.",
        "icmp_ratelimited" => "ICMPv6 errors held back by the token bucket.",
        "icmp_suppressed" => "ICMPv6 errors RFC 4443 section 2.4(e) forbids.",
        "nd_ignored" => "RSs and RAs ignored in this role and state.",
        "ra_withheld" => "RSs left unanswered because no index of the asking role is free.",
        "reg_offered" => "Addresses offered in NA(GAAO).",
        "reg_registered" => "Registrations (NS(EARO)) accepted, new or refreshed.",
        "reg_deregistered" => "De-registrations (lifetime 0) applied.",
        "reg_refused_cap" => "Requests refused by the per-link-layer-address cap.",
        "reg_refused_full" => "Requests refused because no index is free.",
        "reg_duplicate" => "Registrations refused as Duplicate Address.",
        "reg_topology" => "Registrations refused as topologically incorrect.",
        "reg_expired" => "Offers and registrations that expired.",
        "join_tx" => "RS, NS(GAAO) and NS(EARO) sent by the joiner.",
        "joined" => "Times the node obtained or re-confirmed its address.",
        "join_failures" => "Join steps abandoned after their retries, or refused.",
        "nvm_commits" => "State records committed.",
        "nvm_errors" => "State records that failed to commit.",
        "nvm_recovered" => "Boots that recovered from a torn state record.",
        other => return format!("Core event counter {other} (pasa_router::Stats)."),
    };
    text.to_string()
}

/// The rendered snapshot; a poisoned lock still holds the last complete snapshot (the event
/// loop replaces it whole), so it is served rather than failing the scrape.
fn rendered(shared: &Mutex<Snapshot>) -> String {
    match shared.lock() {
        Ok(g) => render(&g),
        Err(poisoned) => render(&poisoned.into_inner()),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

fn refuse_non_loopback(listen: SocketAddr) -> io::Result<()> {
    if listen.ip().is_loopback() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "metrics: {listen} is not a loopback address; the endpoint has no authentication, so \
             it listens on 127.0.0.1 or [::1] only (put a proxy in front to expose it)"
        ),
    ))
}

/// Why a request head could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadError {
    /// The client did not finish within [`REQUEST_TIMEOUT`].
    Timeout,
    /// More than [`REQUEST_MAX_LEN`] octets without the end of the head.
    TooLarge,
    /// The client closed before sending a request line, or the connection failed.
    Gone,
}

/// Reads until the blank line that ends the head, within the deadline and the size cap. A
/// client that half-closes after a complete request line is served too.
fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, HeadError> {
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut head: Vec<u8> = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            return Ok(head);
        }
        if head.len() > REQUEST_MAX_LEN {
            return Err(HeadError::TooLarge);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::Timeout);
        }
        if stream.set_read_timeout(Some(left)).is_err() {
            return Err(HeadError::Gone);
        }
        match stream.read(&mut chunk) {
            Ok(0) if head.contains(&b'\n') => return Ok(head),
            Ok(0) => return Err(HeadError::Gone),
            Ok(n) => head.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HeadError::Timeout);
            }
            Err(_) => return Err(HeadError::Gone),
        }
    }
}

/// Answers one connection and closes it.
fn answer_http(mut stream: TcpStream, shared: &Mutex<Snapshot>) {
    let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
    let response = match read_head(&mut stream) {
        Ok(head) => respond(&head, shared),
        Err(HeadError::Timeout) => status_only(408, "Request Timeout", &[]),
        Err(HeadError::TooLarge) => status_only(431, "Request Header Fields Too Large", &[]),
        Err(HeadError::Gone) => return,
    };
    let _ = stream.write_all(&response);
    let _ = stream.flush();
    linger_close(stream);
}

/// Closes after the answer without resetting it: unread request octets in the receive buffer
/// would make the kernel send RST, which can destroy the answer before the client reads it.
fn linger_close(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 1024];
    for _ in 0..64 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// The answer to a complete request head.
fn respond(head: &[u8], shared: &Mutex<Snapshot>) -> Vec<u8> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(line) = std::str::from_utf8(line) else {
        return status_only(400, "Bad Request", &[]);
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return status_only(400, "Bad Request", &[]);
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    if !token(method) || !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return status_only(400, "Bad Request", &[]);
    }
    let path = target.split('?').next().unwrap_or(target);
    if path != "/metrics" {
        return status_only(404, "Not Found", &[]);
    }
    match method {
        "GET" | "HEAD" => {
            let body = rendered(shared);
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\n\
                 Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            if method == "GET" {
                r.extend_from_slice(body.as_bytes());
            }
            r
        }
        _ => status_only(405, "Method Not Allowed", &[("Allow", "GET, HEAD")]),
    }
}

/// A response with a one-line text body.
fn status_only(code: u16, reason: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let body = format!("{code} {reason}\n");
    let mut r = format!("HTTP/1.1 {code} {reason}\r\n");
    for (k, v) in headers {
        r.push_str(k);
        r.push_str(": ");
        r.push_str(v);
        r.push_str("\r\n");
    }
    r.push_str(&format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    r.push_str(&body);
    r.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Control socket
// ---------------------------------------------------------------------------------------------

/// Removes a socket file nobody listens on (left by a crash or SIGKILL); refuses a live socket
/// (another daemon with the same configuration) and anything that is not a socket.
fn remove_stale_socket(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("control socket {}: {e}", path.display()),
            ));
        }
    };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "control socket {}: a file that is not a socket is in the way; not removing it",
                path.display()
            ),
        ));
    }
    if UnixStream::connect(path).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "control socket {}: another pasa-router is serving it",
                path.display()
            ),
        ));
    }
    fs::remove_file(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "control socket {}: cannot remove the stale socket: {e}",
                path.display()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::{HashMap, HashSet};
    use std::sync::atomic::{AtomicU32, Ordering};

    use pasa_router::DropCounters;

    fn snapshot() -> Snapshot {
        let stats = Stats {
            forwarded: 7,
            icmp_sent: 2,
            reg_registered: 3,
            ..Stats::default()
        };
        let mut drops = DropCounters::new();
        drops.count(DropReason::HopLimit);
        drops.count(DropReason::HopLimit);
        drops.count(DropReason::LorhUnknownCritical);
        Snapshot {
            role: "router".into(),
            address: Some("2001:db8::a".parse().unwrap()),
            joined: true,
            parent: Some("02:00:00:00:00:01".into()),
            uptime_seconds: 42,
            stats: stats.iter().collect(),
            drops: drops.iter().map(|(r, c)| (r.name(), c)).collect(),
            links: vec![
                LinkCounters {
                    name: "eth1".into(),
                    kind: "ethernet",
                    rx_frames: 10,
                    tx_frames: 11,
                    rx_errors: 1,
                    tx_errors: 0,
                },
                LinkCounters {
                    name: "we\"ird\\name\nx".into(),
                    kind: "serial",
                    ..LinkCounters::default()
                },
            ],
        }
    }

    /// A sample line parsed: metric name, labels (unescaped), value.
    type Sample = (String, Vec<(String, String)>, f64);

    fn is_name(s: &str, colon: bool) -> bool {
        let mut c = s.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || (colon && f == ':'))
            && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || (colon && x == ':'))
    }

    /// Parses one sample line of the text format 0.0.4 strictly; `None` if it is not valid.
    fn parse_sample(line: &str) -> Option<Sample> {
        let name_end = line.find(['{', ' '])?;
        let name = &line[..name_end];
        if !is_name(name, true) {
            return None;
        }
        let mut rest = &line[name_end..];
        let mut labels = Vec::new();
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            loop {
                let eq = rest.find('=')?;
                let key = &rest[..eq];
                if !is_name(key, false) {
                    return None;
                }
                rest = rest[eq + 1..].strip_prefix('"')?;
                let mut value = String::new();
                let mut chars = rest.char_indices();
                let end = loop {
                    let (i, c) = chars.next()?;
                    match c {
                        '"' => break i,
                        '\\' => match chars.next()?.1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            _ => return None,
                        },
                        '\n' => return None,
                        c => value.push(c),
                    }
                };
                labels.push((key.to_string(), value));
                rest = &rest[end + 1..];
                if let Some(r) = rest.strip_prefix(',') {
                    rest = r;
                } else {
                    rest = rest.strip_prefix('}')?;
                    break;
                }
            }
        }
        let value = rest.strip_prefix(' ')?;
        if value.contains(' ') {
            return None;
        }
        Some((name.to_string(), labels, value.parse().ok()?))
    }

    /// Checks `text` line by line as exposition format 0.0.4 and returns its samples: every
    /// line is a HELP, a TYPE or a sample; each family has one HELP and one TYPE, before its
    /// samples; counters end in `_total`; no two samples share a name and label set.
    fn parse_exposition(text: &str) -> Vec<Sample> {
        assert!(text.ends_with('\n'));
        let mut types: HashMap<String, String> = HashMap::new();
        let mut helps: HashSet<String> = HashSet::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(r) = line.strip_prefix("# HELP ") {
                let (name, help) = r.split_once(' ').unwrap();
                assert!(is_name(name, true) && !help.is_empty(), "{line}");
                assert!(helps.insert(name.into()), "second HELP: {line}");
                assert!(!types.contains_key(name), "HELP after TYPE: {line}");
            } else if let Some(r) = line.strip_prefix("# TYPE ") {
                let (name, kind) = r.split_once(' ').unwrap();
                assert!(is_name(name, true), "{line}");
                assert!(["counter", "gauge"].contains(&kind), "{line}");
                assert!(helps.contains(name), "TYPE without HELP: {line}");
                assert!(
                    types.insert(name.into(), kind.into()).is_none(),
                    "second TYPE: {line}"
                );
            } else {
                let s = parse_sample(line).unwrap_or_else(|| panic!("not a sample: {line:?}"));
                let kind = types
                    .get(&s.0)
                    .unwrap_or_else(|| panic!("sample before its TYPE: {line}"));
                if kind == "counter" {
                    assert!(s.0.ends_with("_total"), "{line}");
                    assert!(s.2 >= 0.0, "{line}");
                }
                assert!(
                    seen.insert(format!("{}{:?}", s.0, s.1)),
                    "duplicate: {line}"
                );
                samples.push(s);
            }
        }
        samples
    }

    fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        samples
            .iter()
            .find(|s| {
                s.0 == name
                    && s.1.len() == labels.len()
                    && s.1
                        .iter()
                        .zip(labels)
                        .all(|(a, b)| a.0 == b.0 && a.1 == b.1)
            })
            .map(|s| s.2)
    }

    #[test]
    fn render_is_valid_exposition_with_every_series() {
        let s = snapshot();
        let text = render(&s);
        let samples = parse_exposition(&text);
        assert_eq!(value(&samples, "pasa_up", &[]), Some(1.0));
        assert_eq!(value(&samples, "pasa_joined", &[]), Some(1.0));
        assert_eq!(
            value(
                &samples,
                "pasa_address_info",
                &[("address", "2001:db8::a"), ("role", "router")]
            ),
            Some(1.0)
        );
        assert_eq!(
            value(
                &samples,
                "pasa_parent_info",
                &[("parent", "02:00:00:00:00:01")]
            ),
            Some(1.0)
        );
        assert_eq!(value(&samples, "pasa_uptime_seconds", &[]), Some(42.0));
        for (name, v) in Stats::default().iter() {
            let want = match name {
                "forwarded" => 7.0,
                "icmp_sent" => 2.0,
                "reg_registered" => 3.0,
                _ => 0.0,
            };
            assert_eq!(
                value(&samples, &format!("pasa_{name}_total"), &[]),
                Some(want),
                "{name} (v = {v})"
            );
        }
        for r in DropReason::ALL {
            let want = match r {
                DropReason::HopLimit => 2.0,
                DropReason::LorhUnknownCritical => 1.0,
                _ => 0.0,
            };
            assert_eq!(
                value(&samples, "pasa_drops_total", &[("reason", r.name())]),
                Some(want),
                "{}",
                r.name()
            );
        }
        let drop_series = samples.iter().filter(|s| s.0 == "pasa_drops_total").count();
        assert_eq!(drop_series, DropReason::ALL.len());
        let eth = [("link", "eth1"), ("kind", "ethernet")];
        assert_eq!(
            value(&samples, "pasa_link_rx_frames_total", &eth),
            Some(10.0)
        );
        assert_eq!(
            value(&samples, "pasa_link_tx_frames_total", &eth),
            Some(11.0)
        );
        assert_eq!(
            value(&samples, "pasa_link_rx_errors_total", &eth),
            Some(1.0)
        );
        assert_eq!(
            value(&samples, "pasa_link_tx_errors_total", &eth),
            Some(0.0)
        );
        // The odd link name survives escaping, and the escaped form is the documented one.
        let odd = [("link", "we\"ird\\name\nx"), ("kind", "serial")];
        assert_eq!(
            value(&samples, "pasa_link_rx_frames_total", &odd),
            Some(0.0)
        );
        assert!(text.contains(
            "pasa_link_rx_frames_total{link=\"we\\\"ird\\\\name\\nx\",kind=\"serial\"} 0\n"
        ));
        assert!(text.contains("# TYPE pasa_drops_total counter\n"));
        assert!(text.contains("pasa_drops_total{reason=\"hop_limit_exceeded\"} 2\n"));
    }

    #[test]
    fn an_empty_snapshot_still_lists_every_counter_at_zero() {
        let text = render(&Snapshot::default());
        let samples = parse_exposition(&text);
        assert_eq!(value(&samples, "pasa_joined", &[]), Some(0.0));
        assert!(!text.contains("pasa_address_info"));
        assert!(!text.contains("pasa_parent_info"));
        assert!(!text.contains("pasa_link_"));
        for r in DropReason::ALL {
            assert_eq!(
                value(&samples, "pasa_drops_total", &[("reason", r.name())]),
                Some(0.0)
            );
        }
        for (name, _) in Stats::default().iter() {
            assert_eq!(
                value(&samples, &format!("pasa_{name}_total"), &[]),
                Some(0.0)
            );
        }
    }

    #[test]
    fn unknown_counter_names_are_kept_and_made_valid() {
        let s = Snapshot {
            stats: vec![("forwarded", 1), ("new-counter", 5), ("forwarded", 9)],
            drops: vec![("future_reason", 4)],
            ..Snapshot::default()
        };
        let samples = parse_exposition(&render(&s));
        // The first value of a repeated name wins; a name is written once.
        assert_eq!(value(&samples, "pasa_forwarded_total", &[]), Some(1.0));
        assert_eq!(value(&samples, "pasa_new_counter_total", &[]), Some(5.0));
        assert_eq!(
            value(&samples, "pasa_drops_total", &[("reason", "future_reason")]),
            Some(4.0)
        );
    }

    // --- HTTP ---------------------------------------------------------------------------------

    fn shared() -> Arc<Mutex<Snapshot>> {
        Arc::new(Mutex::new(snapshot()))
    }

    fn start() -> (SocketAddr, Arc<Mutex<Snapshot>>) {
        let listener = bind_http("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let s = shared();
        serve_http_on(listener, Arc::clone(&s)).unwrap();
        (addr, s)
    }

    /// Sends `request` and reads the whole answer (the server closes after one).
    fn exchange(addr: SocketAddr, request: &[u8]) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        c.write_all(request).unwrap();
        let mut out = Vec::new();
        c.read_to_end(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn status_line(resp: &str) -> &str {
        resp.split("\r\n").next().unwrap()
    }

    fn body(resp: &str) -> &str {
        resp.split_once("\r\n\r\n").unwrap().1
    }

    #[test]
    fn http_get_metrics_returns_the_rendered_text() {
        let (addr, s) = start();
        let resp = exchange(addr, b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assert_eq!(status_line(&resp), "HTTP/1.1 200 OK");
        assert!(resp.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
        let want = render(&s.lock().unwrap());
        assert!(resp.contains(&format!("\r\nContent-Length: {}\r\n", want.len())));
        assert_eq!(body(&resp), want);
        // A query string is ignored; a later snapshot is served by the next scrape.
        s.lock().unwrap().uptime_seconds = 43;
        let resp = exchange(addr, b"GET /metrics?x=1 HTTP/1.0\r\n\r\n");
        assert!(body(&resp).contains("\npasa_uptime_seconds 43\n"));
        // HEAD: the headers without the body.
        let resp = exchange(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n");
        assert_eq!(status_line(&resp), "HTTP/1.1 200 OK");
        assert_eq!(body(&resp), "");
    }

    #[test]
    fn http_other_paths_methods_and_garbage_are_refused() {
        let (addr, _) = start();
        let resp = exchange(addr, b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(status_line(&resp), "HTTP/1.1 404 Not Found");
        let resp = exchange(addr, b"GET /metricsx HTTP/1.1\r\n\r\n");
        assert_eq!(status_line(&resp), "HTTP/1.1 404 Not Found");
        let resp = exchange(addr, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(status_line(&resp), "HTTP/1.1 405 Method Not Allowed");
        assert!(resp.contains("\r\nAllow: GET, HEAD\r\n"));
        for garbage in [
            &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"[..],
            b"GET\r\n\r\n",
            b"GET /metrics\r\n\r\n",
            b"GET /metrics HTTP/1.1 extra\r\n\r\n",
            b"GET metrics HTTP/1.1\r\n\r\n",
            b"G(T /metrics HTTP/1.1\r\n\r\n",
            b"\r\n\r\n",
        ] {
            let resp = exchange(addr, garbage);
            assert_eq!(
                status_line(&resp),
                "HTTP/1.1 400 Bad Request",
                "{garbage:?}"
            );
        }
        let big = vec![b'A'; REQUEST_MAX_LEN + 100];
        let resp = exchange(addr, &big);
        assert_eq!(
            status_line(&resp),
            "HTTP/1.1 431 Request Header Fields Too Large"
        );
        // A client that half-closes after its request line is still answered.
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(b"GET /metrics HTTP/1.0\n").unwrap();
        c.shutdown(Shutdown::Write).unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        assert_eq!(status_line(&out), "HTTP/1.1 200 OK");
        // And after all that, the server still serves.
        let resp = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
        assert_eq!(status_line(&resp), "HTTP/1.1 200 OK");
    }

    #[test]
    fn a_silent_client_times_out_and_lets_the_next_one_in() {
        let (addr, _) = start();
        let mut silent = TcpStream::connect(addr).unwrap();
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(b"GET /metr").unwrap();
        let t0 = Instant::now();
        let resp = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
        let waited = t0.elapsed();
        assert_eq!(status_line(&resp), "HTTP/1.1 200 OK");
        // Served after at most the two timeouts ahead of it (one connection at a time).
        assert!(
            waited < REQUEST_TIMEOUT * 2 + Duration::from_secs(3),
            "{waited:?}"
        );
        for c in [&mut silent, &mut slow] {
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut out = String::new();
            c.read_to_string(&mut out).unwrap();
            assert_eq!(status_line(&out), "HTTP/1.1 408 Request Timeout");
        }
    }

    #[test]
    fn non_loopback_addresses_are_refused() {
        for a in [
            "0.0.0.0:0",
            "[::]:0",
            "192.0.2.1:9464",
            "[2001:db8::1]:9464",
        ] {
            let e = serve_http(a.parse().unwrap(), shared()).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{a}");
            assert!(e.to_string().contains("not a loopback address"), "{e}");
        }
        let any = TcpListener::bind("0.0.0.0:0").unwrap();
        let e = serve_http_on(any, shared()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    // --- control socket -----------------------------------------------------------------------

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new() -> Self {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "pasa-metrics-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Self(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn control_socket_round_trip() {
        let dir = TempDir::new();
        let path = dir.0.join("node.sock");
        let s = shared();
        serve_control(&path, Arc::clone(&s)).unwrap();
        assert_eq!(query(&path).unwrap(), render(&s.lock().unwrap()));
        s.lock().unwrap().joined = false;
        let text = query(&path).unwrap();
        assert!(text.contains("\npasa_joined 0\n"));
        // A second daemon on the same socket is refused, and the first keeps serving.
        let e = serve_control(&path, shared()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse);
        assert!(e.to_string().contains(&path.display().to_string()));
        assert_eq!(query(&path).unwrap(), text);
    }

    #[test]
    fn a_stale_socket_is_replaced_and_other_files_are_not() {
        let dir = TempDir::new();
        let path = dir.0.join("stale.sock");
        drop(UnixListener::bind(&path).unwrap());
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_socket());
        let s = shared();
        serve_control(&path, Arc::clone(&s)).unwrap();
        assert_eq!(query(&path).unwrap(), render(&s.lock().unwrap()));

        let file = dir.0.join("not-a-socket");
        fs::write(&file, b"keep me").unwrap();
        let e = serve_control(&file, shared()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&file).unwrap(), b"keep me");
    }

    #[test]
    fn query_names_the_path_when_no_daemon_answers() {
        let dir = TempDir::new();
        let path = dir.0.join("absent.sock");
        let e = query(&path).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("is pasa-router running"), "{msg}");
        // A stale socket file: the connection is refused, with the same advice.
        drop(UnixListener::bind(&path).unwrap());
        let e = query(&path).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
        assert!(e.to_string().contains("is pasa-router running"));
    }

    #[test]
    fn query_times_out_on_a_socket_that_never_answers() {
        let dir = TempDir::new();
        let path = dir.0.join("mute.sock");
        // Accepts (the backlog does) but never writes or closes.
        let _mute = UnixListener::bind(&path).unwrap();
        let t0 = Instant::now();
        let e = query(&path).unwrap_err();
        assert!(t0.elapsed() >= QUERY_TIMEOUT);
        assert!(e.to_string().contains("no answer within 5 s"), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()));
    }
}
