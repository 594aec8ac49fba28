//! Node configuration, validated once into a [`crate::Node`] ("parse, don't validate").

use core::fmt;

use pasa_addrcodec::wire::iphc::Contexts;
use pasa_addrcodec::wire::nd::{self, LinkAddr, Rovr};
use pasa_addrcodec::{DEFAULT_PASA_LORH_TYPE, PasaAddr, Prefix64};

/// What a node is in the tree (draft-13 §3, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeRole {
    /// The root: address `1`, the 6LBR and border of the domain.
    Root,
    /// A router: forwards, and assigns addresses to its children.
    Router,
    /// A host: a leaf; sends everything it originates to its parent.
    Host,
}

/// ICMPv6 error generation (RFC 4443 §2.4; SPEC.md §6.3, §9.2 item 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpConfig {
    /// Token-bucket burst.
    pub burst: u32,
    /// One token is added every `interval_ms` milliseconds.
    pub interval_ms: u32,
    /// Most octets of the invoking packet (rebuilt as native IPv6) quoted in an error: at least
    /// 48 (the IPv6 header and 8 octets, SPEC.md §9.2 item 13), at most 1232.
    pub quote_len: u16,
}

impl Default for IcmpConfig {
    /// SPEC.md §6.3 recommendation for LLN links: burst 2, one per second; quote header + 8 octets.
    fn default() -> Self {
        Self {
            burst: 2,
            interval_ms: 1000,
            quote_len: 48,
        }
    }
}

/// The parent side of address assignment (SPEC.md §1.11, §2.3, §9.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// GAAO option type (TBD; [`nd::DEFAULT_GAAO_TYPE`]).
    pub gaao_type: u8,
    /// AAF value of TAAF (TBD2; [`nd::AAF_TAAF_DEFAULT`]).
    pub aaf: u8,
    /// 6CIO mask of the GAAO support bit M (TBD; [`nd::DEFAULT_M_MASK`]).
    pub m_mask: u8,
    /// Assignment lifetime granted, in minutes (SPEC.md §9.4 item 21: long, 65535 max).
    pub lifetime_min: u16,
    /// An offer not registered with NS(EARO) within this time returns to the pool (3 s:
    /// RETRANS_TIMER x MAX_UNICAST_SOLICIT).
    pub offer_timeout_ms: u32,
    /// Most assignments held by one link-layer address (RELIABILITY.md A1, B60).
    pub per_link_cap: u8,
    /// Router children handed out at most (also bounded by the table capacity and 64 bits).
    pub max_routers: u8,
    /// Host children handed out at most.
    pub max_hosts: u8,
    /// A freed index waits this long before reuse, so stale traffic never reaches a new owner
    /// (RELIABILITY.md A1, F9).
    pub quarantine_ms: u32,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        Self {
            gaao_type: nd::DEFAULT_GAAO_TYPE,
            aaf: nd::AAF_TAAF_DEFAULT,
            m_mask: nd::DEFAULT_M_MASK,
            lifetime_min: u16::MAX,
            offer_timeout_ms: 3000,
            per_link_cap: 2,
            max_routers: u8::MAX,
            max_hosts: u8::MAX,
            quarantine_ms: 60_000,
        }
    }
}

/// The child side of address assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinerConfig {
    /// This node's Registration Ownership Verifier.
    pub rovr: Rovr,
    /// First retransmission interval (RFC 4861 RETRANS_TIMER, 1 s).
    pub retrans_ms: u32,
    /// Retransmissions of one message before the step is abandoned (MAX_UNICAST_SOLICIT, 3).
    pub max_retries: u8,
    /// Ceiling of the exponential back-off between join attempts.
    pub max_backoff_ms: u32,
    /// Registration lifetime asked for in NS(EARO), in minutes (capped by the assignment).
    pub registration_min: u16,
}

impl JoinerConfig {
    /// Defaults around a ROVR.
    pub const fn new(rovr: Rovr) -> Self {
        Self {
            rovr,
            retrans_ms: 1000,
            max_retries: 3,
            max_backoff_ms: 60_000,
            registration_min: 60,
        }
    }
}

/// Everything a node needs to start.
#[derive(Debug, Clone, Copy)]
pub struct NodeConfig {
    /// Root, router or host.
    pub role: NodeRole,
    /// The PASA /64 prefix of the domain.
    pub prefix: Prefix64,
    /// IPHC contexts; one of them must be `prefix`/64.
    pub contexts: Contexts,
    /// PASA-6LoRH type (TBD1).
    pub lorh_type: u8,
    /// This node's link-layer address (2, 6 or 8 octets).
    pub link_addr: LinkAddr,
    /// Interface the node joins through (where it sends its RS).
    pub uplink: u8,
    /// A planned address and parent, skipping the join (both or neither). The root's address
    /// is always `1` and it has no parent.
    pub planned: Option<(PasaAddr, crate::Neighbor)>,
    /// ICMPv6 errors.
    pub icmp: IcmpConfig,
    /// Registrar (root and routers).
    pub registrar: RegistrarConfig,
    /// Joiner (routers and hosts).
    pub joiner: JoinerConfig,
    /// Largest frame this node sends; frames that would be longer are dropped (`tx_encode`).
    pub mtu: u16,
}

impl NodeConfig {
    /// A configuration with the SPEC.md recommended defaults.
    pub fn new(
        role: NodeRole,
        prefix: Prefix64,
        contexts: Contexts,
        link_addr: LinkAddr,
        rovr: Rovr,
    ) -> Self {
        Self {
            role,
            prefix,
            contexts,
            lorh_type: DEFAULT_PASA_LORH_TYPE,
            link_addr,
            uplink: 0,
            planned: None,
            icmp: IcmpConfig::default(),
            registrar: RegistrarConfig::default(),
            joiner: JoinerConfig::new(rovr),
            mtu: 1280,
        }
    }
}

/// A configuration the node refuses, naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No IPHC context is the PASA prefix as a /64.
    NoPrefixContext,
    /// `planned` given for the root, or an address whose role differs from `role`.
    PlannedAddress,
    /// `icmp.quote_len` outside 48..=1232.
    QuoteLen(u16),
    /// `icmp.burst` or `icmp.interval_ms` is zero.
    IcmpBucket,
    /// `mtu` below 127 (one 802.15.4 frame) or above 1500.
    Mtu(u16),
    /// `registrar.aaf` is not a 4-bit value, or is 0 (0 means "no preference" and is only
    /// meaningful in a request).
    Aaf(u8),
    /// `registrar.per_link_cap` is 0.
    PerLinkCap,
    /// A retransmission or back-off interval, or the retry count, is 0.
    JoinerTiming,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPrefixContext => {
                f.write_str("contexts: no IPHC context equals the PASA prefix as a /64")
            }
            Self::PlannedAddress => f.write_str(
                "planned: the root has no planned address; a router's must end in 0, a host's in 1",
            ),
            Self::QuoteLen(v) => write!(f, "icmp.quote_len = {v}: must be 48..=1232"),
            Self::IcmpBucket => f.write_str("icmp: burst and interval_ms must be at least 1"),
            Self::Mtu(v) => write!(f, "mtu = {v}: must be 127..=1500"),
            Self::Aaf(v) => write!(f, "registrar.aaf = {v}: must be 1..=15"),
            Self::PerLinkCap => f.write_str("registrar.per_link_cap must be at least 1"),
            Self::JoinerTiming => {
                f.write_str("joiner: retrans_ms, max_backoff_ms and max_retries must be at least 1")
            }
        }
    }
}

impl core::error::Error for ConfigError {}

impl NodeConfig {
    /// Checks every field, as [`crate::Node::new`] does (the node never re-checks them);
    /// returns the IPHC context id of the PASA prefix. For tools that validate a configuration
    /// without starting a node.
    pub fn validate(&self) -> Result<u8, ConfigError> {
        let ctx = self
            .contexts
            .iter()
            .find(|(_, c)| c.len_bits() == 64 && Prefix64::of(c.prefix()) == self.prefix)
            .map(|(id, _)| id)
            .ok_or(ConfigError::NoPrefixContext)?;
        match (self.role, self.planned) {
            (NodeRole::Root, Some(_)) => return Err(ConfigError::PlannedAddress),
            (NodeRole::Router, Some((a, _))) if a.is_host() || a.is_root() => {
                return Err(ConfigError::PlannedAddress);
            }
            (NodeRole::Host, Some((a, _))) if !a.is_host() => {
                return Err(ConfigError::PlannedAddress);
            }
            _ => {}
        }
        if !(48..=1232).contains(&self.icmp.quote_len) {
            return Err(ConfigError::QuoteLen(self.icmp.quote_len));
        }
        if self.icmp.burst == 0 || self.icmp.interval_ms == 0 {
            return Err(ConfigError::IcmpBucket);
        }
        if !(127..=1500).contains(&self.mtu) {
            return Err(ConfigError::Mtu(self.mtu));
        }
        if self.registrar.aaf == 0 || self.registrar.aaf > 15 {
            return Err(ConfigError::Aaf(self.registrar.aaf));
        }
        if self.registrar.per_link_cap == 0 {
            return Err(ConfigError::PerLinkCap);
        }
        if self.joiner.retrans_ms == 0
            || self.joiner.max_backoff_ms == 0
            || self.joiner.max_retries == 0
        {
            return Err(ConfigError::JoinerTiming);
        }
        Ok(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasa_addrcodec::wire::iphc::Context;

    fn base(role: NodeRole) -> NodeConfig {
        let c = Contexts::new().with(3, Context::new(Prefix64::DOC.network(), 64).unwrap());
        let ll = LinkAddr::new(&[2, 0, 0, 0, 0, 1]).unwrap();
        NodeConfig::new(role, Prefix64::DOC, c, ll, Rovr::new(&[1; 8]).unwrap())
    }

    #[test]
    fn defaults_validate_and_find_the_prefix_context() {
        for role in [NodeRole::Root, NodeRole::Router, NodeRole::Host] {
            assert_eq!(base(role).validate(), Ok(3));
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let nb = crate::Neighbor {
            iface: 0,
            ll: LinkAddr::new(&[2, 0, 0, 0, 0, 9]).unwrap(),
        };
        type Case = (fn(&mut NodeConfig), ConfigError);
        let cases: [Case; 11] = [
            (|c| c.joiner.max_retries = 0, ConfigError::JoinerTiming),
            (
                |c| c.contexts = Contexts::new(),
                ConfigError::NoPrefixContext,
            ),
            (
                |c| c.prefix = Prefix64::of("2001:db9::".parse().unwrap()),
                ConfigError::NoPrefixContext,
            ),
            (|c| c.icmp.quote_len = 47, ConfigError::QuoteLen(47)),
            (|c| c.icmp.quote_len = 1233, ConfigError::QuoteLen(1233)),
            (|c| c.icmp.burst = 0, ConfigError::IcmpBucket),
            (|c| c.mtu = 100, ConfigError::Mtu(100)),
            (|c| c.registrar.aaf = 0, ConfigError::Aaf(0)),
            (|c| c.registrar.aaf = 16, ConfigError::Aaf(16)),
            (|c| c.registrar.per_link_cap = 0, ConfigError::PerLinkCap),
            (|c| c.joiner.retrans_ms = 0, ConfigError::JoinerTiming),
        ];
        for (f, want) in cases {
            let mut c = base(NodeRole::Router);
            f(&mut c);
            assert_eq!(c.validate(), Err(want));
        }
        let mut c = base(NodeRole::Root);
        c.planned = Some((PasaAddr::new(0b10).unwrap(), nb));
        assert_eq!(c.validate(), Err(ConfigError::PlannedAddress));
        let mut c = base(NodeRole::Host);
        c.planned = Some((PasaAddr::new(0b10).unwrap(), nb));
        assert_eq!(c.validate(), Err(ConfigError::PlannedAddress));
        let mut c = base(NodeRole::Router);
        c.planned = Some((PasaAddr::new(0b11).unwrap(), nb));
        assert_eq!(c.validate(), Err(ConfigError::PlannedAddress));
        c.planned = Some((PasaAddr::new(0b10).unwrap(), nb));
        assert_eq!(c.validate(), Ok(3));
    }
}
