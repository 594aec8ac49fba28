//! The node's own IPv6 stack: a TUN device carrying native IPv6 between the kernel and the
//! core. Kernel programs (ping, ssh, a UDP sensor app) use PASA unchanged: what they send
//! into the TUN the core compresses and routes; what the core delivers it writes back.
//!
//! Addresses and routes are set with iproute2's `ip` (one command per change, a few per
//! run): the node's PASA address as a /128 once it holds it, the prefix route into the TUN,
//! and on routers and hosts the default route too (everything they send goes up the tree).
//! On the root the prefix route is what makes the kernel hand packets from the upstream
//! network to the core.

use std::net::Ipv6Addr;
use std::process::Command;

use anyhow::{Context, Result, bail};
use pasa_addrcodec::Prefix64;
use pasa_router::NodeRole;

use crate::config::TunConfig;

/// Creates the TUN device, without kernel-generated addresses, at MTU 1280, up.
pub(crate) fn open(cfg: &TunConfig) -> Result<(::tun::Reader, ::tun::Writer)> {
    let mut c = ::tun::Configuration::default();
    c.tun_name(&cfg.name).mtu(1280);
    let dev = ::tun::create(&c).with_context(|| {
        format!(
            "cannot create TUN device {} (needs root or CAP_NET_ADMIN, and /dev/net/tun)",
            cfg.name
        )
    })?;
    // No link-local address: the kernel would solicit routers and report multicast groups
    // into the TUN, and the core would only count those as drops.
    ip(&["link", "set", "dev", &cfg.name, "addrgenmode", "none"])?;
    let _ = std::fs::write(
        format!("/proc/sys/net/ipv6/conf/{}/disable_ipv6", cfg.name),
        "0",
    );
    ip(&["link", "set", "dev", &cfg.name, "mtu", "1280", "up"])?;
    Ok(dev.split())
}

/// Adds the routes into the TUN: the prefix, and the default route on routers and hosts.
pub(crate) fn add_routes(cfg: &TunConfig, prefix: Prefix64, role: NodeRole) -> Result<()> {
    if !cfg.routes {
        return Ok(());
    }
    let p = format!("{}/64", prefix.network());
    ip(&["-6", "route", "replace", &p, "dev", &cfg.name])?;
    if role != NodeRole::Root {
        ip(&["-6", "route", "replace", "default", "dev", &cfg.name])?;
    }
    Ok(())
}

/// Moves the node's address on the TUN from `old` to `new`.
pub(crate) fn set_address(
    cfg: &TunConfig,
    old: Option<Ipv6Addr>,
    new: Option<Ipv6Addr>,
) -> Result<()> {
    if let Some(a) = old {
        let _ = ip(&["-6", "addr", "del", &format!("{a}/128"), "dev", &cfg.name]);
    }
    if let Some(a) = new {
        ip(&[
            "-6",
            "addr",
            "replace",
            &format!("{a}/128"),
            "dev",
            &cfg.name,
            "nodad",
        ])?;
        // Replacing the address removed nothing, but routes added before the address existed
        // are kept; add them again in case the kernel dropped them with an old address.
    }
    Ok(())
}

/// Runs `ip ARGS`, with its error output in the error.
pub(crate) fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .context("cannot run `ip` (iproute2)")?;
    if !out.status.success() {
        bail!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
