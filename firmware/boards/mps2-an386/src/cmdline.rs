//! The node's settings from QEMU's `-append` string, read with semihosting SYS_GET_CMDLINE
//! (QEMU hands the guest "<kernel file> <append string>"). Words of the form `key=value`:
//!
//! - `mac=02:00:00:00:00:01`: the node's link-layer address (default: the image's);
//! - `prefix=2001:db8::`: the domain's /64 (default 2001:db8::/64);
//! - `sensor=<ipv6>,<port>,<period ms>`: send a sensor report periodically (default: none).
//!
//! An unknown key or a value that does not parse panics (so QEMU exits with code 1): a test
//! that mistypes a setting fails at boot rather than running with the default.

use cortex_m_semihosting::syscall1;
use pasa_addrcodec::Prefix64;
use pasa_firmware::Sensor;

/// Settings a command line may override.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Link-layer address.
    pub mac: [u8; 6],
    /// The domain's /64.
    pub prefix: Prefix64,
    /// Sensor reports.
    pub sensor: Option<Sensor>,
}

/// Reads the semihosting command line into `buf`; the text, or "" if there is none.
pub fn read(buf: &mut [u8]) -> &str {
    let mut block = [buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most block[1] octets at block[0] and the length it
    // wrote into block[1]; both stay valid for the call.
    let r = unsafe { syscall1!(GET_CMDLINE, block.as_mut_ptr()) };
    if r != 0 {
        return "";
    }
    let n = block[1].min(buf.len());
    core::str::from_utf8(&buf[..n])
        .unwrap_or("")
        .trim_end_matches('\0')
}

/// Applies the `key=value` words of `line` to `s`. The first word is the kernel's file name
/// and is skipped.
pub fn apply(line: &str, s: &mut Settings) {
    for word in line.split_ascii_whitespace().skip(1) {
        let Some((key, value)) = word.split_once('=') else {
            continue;
        };
        match key {
            "mac" => s.mac = parse_mac(value).unwrap_or_else(|| panic!("bad mac={value}")),
            "prefix" => {
                let a = parse_ipv6(value).unwrap_or_else(|| panic!("bad prefix={value}"));
                let mut p = [0u8; 8];
                p.copy_from_slice(&a[..8]);
                s.prefix = Prefix64(p);
            }
            "sensor" => {
                s.sensor = Some(parse_sensor(value).unwrap_or_else(|| panic!("bad sensor={value}")))
            }
            _ => panic!("unknown setting {key}="),
        }
    }
}

fn parse_mac(v: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = v.split(':');
    for b in &mut mac {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

fn parse_sensor(v: &str) -> Option<Sensor> {
    let mut parts = v.split(',');
    let to = parse_ipv6(parts.next()?)?;
    let port = parts.next()?.parse().ok()?;
    let period_ms = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some(Sensor {
        to,
        port,
        period_ms,
    })
}

/// Parses an IPv6 address in hex groups with at most one "::" (no embedded IPv4). Written out
/// rather than taken from `core::net`, whose parser costs about 2 KiB of flash.
fn parse_ipv6(v: &str) -> Option<[u8; 16]> {
    fn groups(s: &str, out: &mut [u16; 8]) -> Option<usize> {
        if s.is_empty() {
            return Some(0);
        }
        let mut n = 0;
        for g in s.split(':') {
            if g.is_empty() || g.len() > 4 || n == 8 {
                return None;
            }
            out[n] = u16::from_str_radix(g, 16).ok()?;
            n += 1;
        }
        Some(n)
    }
    let (mut head, mut tail) = ([0u16; 8], [0u16; 8]);
    let words = match v.split_once("::") {
        Some((h, t)) => {
            let (nh, nt) = (groups(h, &mut head)?, groups(t, &mut tail)?);
            if nh + nt > 7 {
                return None;
            }
            head[8 - nt..].copy_from_slice(&tail[..nt]);
            head
        }
        None => {
            if groups(v, &mut head)? != 8 {
                return None;
            }
            head
        }
    };
    let mut a = [0u8; 16];
    for (i, w) in words.iter().enumerate() {
        a[2 * i..2 * i + 2].copy_from_slice(&w.to_be_bytes());
    }
    Some(a)
}
