//! PASA addresses: the Tree Address Assignment Function (TAAF), the tree relations an address
//! spells out, its text forms, its IPv6 mapping, and the stateless forwarding decision.
//!
//! A PASA address is a bit string of 1 to 64 bits that always begins with `1` (draft-13 §6).
//! It is held right-aligned in a `u64`, so its length is `64 - leading_zeros` and the value
//! itself is the IPv6 interface identifier (draft-13 §6.3). Every non-zero `u64` is a valid TAAF
//! address: reading from the root bit, each `1^k 0` is one router level and a trailing run of
//! ones is the final host level. This is why [`PasaAddr`] wraps a [`NonZeroU64`] and needs no
//! other invariant.

use core::fmt;
use core::net::Ipv6Addr;
use core::num::NonZeroU64;
use core::str::FromStr;

/// The longest PASA address, in bits (draft-13 §6: "MUST NOT exceed 64 bits").
pub const MAX_LEN_BITS: u8 = 64;

/// A PASA address: 1 to 64 bits, root = `1`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PasaAddr(NonZeroU64);

/// The role an address spells out (draft-13 §3, SPEC.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The single bit `1`: the 6LBR and gateway of the domain.
    Root,
    /// An address ending in `0`: a 6LR that assigns addresses and forwards.
    Router,
    /// An address (other than the root) ending in `1`: a 6LN leaf.
    Host,
}

/// The role a child asks for in a TAAF request; it selects the counter and the terminal bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildRole {
    /// A router child: counter `r`, terminal bit `0`.
    Router,
    /// A host child: counter `h`, terminal bit `1`.
    Host,
}

/// What a node does with a packet for a destination (draft-13 §7.1, with the host rule of
/// SPEC.md §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The packet is for this node.
    Deliver,
    /// Send it to the parent. At the root this means "no route" (draft-13 §7.1 step 7); at a
    /// host it is only legal for packets the host originated (SPEC.md §9.2 item 9).
    Parent,
    /// Send it to this child (step 6). Whether the child is registered is the router's business.
    Child(PasaAddr),
}

/// Errors of address construction, text parsing and IPv6 mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddrError {
    /// The value is zero: no TAAF address is all zeros.
    Zero,
    /// The text is empty (or only a `0b`/`0x` marker).
    Empty,
    /// The binary text has more than 64 digits or the hex text does not fit in 64 bits.
    TooLong,
    /// A binary address must start with its root bit `1`.
    LeadingZero,
    /// A character that is not a digit of the notation, at this byte offset of the text.
    InvalidDigit {
        /// Byte offset of the offending character.
        at: usize,
    },
    /// The IPv6 address is not inside the PASA /64 prefix.
    OutsidePrefix,
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero => {
                f.write_str("PASA address is zero (every TAAF address starts with bit 1)")
            }
            Self::Empty => f.write_str("PASA address is empty"),
            Self::TooLong => f.write_str("PASA address is longer than 64 bits"),
            Self::LeadingZero => {
                f.write_str("binary PASA address must start with the root bit 1, not 0")
            }
            Self::InvalidDigit { at } => write!(f, "invalid digit in PASA address at offset {at}"),
            Self::OutsidePrefix => f.write_str("IPv6 address is outside the PASA /64 prefix"),
        }
    }
}

impl core::error::Error for AddrError {}

/// TAAF refusal: the child would be longer than 64 bits (draft-13 §6.2). Never wraps around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaafError {
    /// Length of the parent address.
    pub parent_len_bits: u8,
    /// The requested index `k`.
    pub index: u8,
    /// The length the child would have had: `parent + k + 1`.
    pub needed_len_bits: u16,
}

impl fmt::Display for TaafError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TAAF child index {} under a {}-bit parent needs {} bits, more than 64",
            self.index, self.parent_len_bits, self.needed_len_bits
        )
    }
}

impl core::error::Error for TaafError {}

impl PasaAddr {
    /// The root address, the single bit `1` (draft-13 §6: the root MUST use it).
    pub const ROOT: PasaAddr = PasaAddr(NonZeroU64::MIN);

    /// The address whose right-aligned bits are `value`; `None` for zero.
    #[inline]
    pub const fn new(value: u64) -> Option<Self> {
        match NonZeroU64::new(value) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// Like [`PasaAddr::new`], with a typed error.
    pub const fn try_new(value: u64) -> Result<Self, AddrError> {
        match Self::new(value) {
            Some(a) => Ok(a),
            None => Err(AddrError::Zero),
        }
    }

    /// The address bits, right-aligned; this is also the 64-bit IPv6 IID.
    #[inline]
    pub const fn value(self) -> u64 {
        self.0.get()
    }

    /// `Len()` of draft-13 §7.1: bits from the leading `1` to the LSB, 1..=64.
    #[inline]
    pub const fn len_bits(self) -> u8 {
        // leading_zeros of a non-zero u64 is 0..=63, so the result is 1..=64.
        64u32.wrapping_sub(self.0.leading_zeros()) as u8
    }

    /// The role this address spells out.
    #[inline]
    pub const fn role(self) -> Role {
        if self.0.get() == 1 {
            Role::Root
        } else if self.0.get() & 1 == 0 {
            Role::Router
        } else {
            Role::Host
        }
    }

    /// True for the root address `1`.
    #[inline]
    pub const fn is_root(self) -> bool {
        self.0.get() == 1
    }

    /// True for a host address (ends in `1`, not the root).
    #[inline]
    pub const fn is_host(self) -> bool {
        matches!(self.role(), Role::Host)
    }

    /// True for a router address (ends in `0`).
    #[inline]
    pub const fn is_router(self) -> bool {
        matches!(self.role(), Role::Router)
    }

    /// The parent: drop the terminal bit, then the run of ones before it, never going below the
    /// root (SPEC.md §1.2). `None` for the root.
    pub fn parent(self) -> Option<PasaAddr> {
        if self.is_root() {
            return None;
        }
        // value >= 2, so `up` >= 1 and its length is 1..=63.
        let up = self.value().wrapping_shr(1);
        let ones = up.trailing_ones();
        let up_len = 64u32.wrapping_sub(up.leading_zeros());
        if ones >= up_len {
            Some(Self::ROOT)
        } else {
            Self::new(up.wrapping_shr(ones))
        }
    }

    /// The TAAF index `k` this address was assigned under its parent; `None` for the root.
    pub fn index(self) -> Option<u8> {
        let parent = self.parent()?;
        // A child is `parent ‖ 1^k ‖ t`, so k = Len(child) - Len(parent) - 1, and k >= 0.
        Some(
            self.len_bits()
                .wrapping_sub(parent.len_bits())
                .wrapping_sub(1),
        )
    }

    /// Number of hops from the root (root = 0). O(1): each router level holds exactly one `0`,
    /// and a host adds one final level.
    #[inline]
    pub const fn depth(self) -> u8 {
        let zeros = self
            .len_bits()
            .wrapping_sub(self.0.get().count_ones() as u8);
        zeros.wrapping_add(self.is_host() as u8)
    }

    /// The addresses from the root down to `self`, both included.
    pub fn path(self) -> Path {
        Path {
            target: self,
            next: Some(Self::ROOT),
        }
    }

    /// True if `self`'s bits are a prefix of `other`'s bits (equal included). For the root and
    /// routers this is exactly "other is in my subtree"; a host can be a bit-prefix of unrelated
    /// nodes (SPEC.md §1.2), which is why [`PasaAddr::is_ancestor_of`] exists.
    #[inline]
    pub const fn is_prefix_of(self, other: PasaAddr) -> bool {
        let ls = self.len_bits();
        let lo = other.len_bits();
        if lo < ls {
            return false;
        }
        // lo - ls is 0..=63.
        other.value() >> lo.wrapping_sub(ls) == self.value()
    }

    /// True if `other` is in `self`'s subtree and is not `self`. Hosts have no descendants.
    #[inline]
    pub const fn is_ancestor_of(self, other: PasaAddr) -> bool {
        !self.is_host() && self.0.get() != other.0.get() && self.is_prefix_of(other)
    }

    /// TAAF (draft-13 §6.1): the child `self ‖ 1^index ‖ t`, `t` = 0 for a router, 1 for a host.
    /// Refuses any child longer than 64 bits.
    pub fn child(self, role: ChildRole, index: u8) -> Result<PasaAddr, TaafError> {
        // At most 64 + 255 + 1: no overflow in u16.
        let needed = u16::from(self.len_bits())
            .wrapping_add(u16::from(index))
            .wrapping_add(1);
        if needed > u16::from(MAX_LEN_BITS) {
            return Err(TaafError {
                parent_len_bits: self.len_bits(),
                index,
                needed_len_bits: needed,
            });
        }
        // needed <= 64 so index + 1 <= 63 and every shift below is < 64.
        let shift = u32::from(index).wrapping_add(1);
        let ones = (1u64 << index).wrapping_sub(1);
        let t = match role {
            ChildRole::Router => 0,
            ChildRole::Host => 1,
        };
        let v = (self.value() << shift) | (ones << 1) | t;
        match Self::new(v) {
            Some(a) => Ok(a),
            // Unreachable: the shifted value keeps the root bit. Reported rather than panicking.
            None => Err(TaafError {
                parent_len_bits: self.len_bits(),
                index,
                needed_len_bits: needed,
            }),
        }
    }

    /// The forwarding decision of the node owning `self` for destination `da`: draft-13 §7.1
    /// steps 2 to 6 on the root and routers, and the host rule of SPEC.md §1.5 on hosts (a host
    /// delivers its own packets and hands everything else to its parent).
    ///
    /// O(1): no loop over bits. A node decides for every packet with the same own address, so
    /// it keeps an [`OwnAddr`], which holds the address length precomputed; this method builds
    /// one on the fly.
    #[inline]
    pub const fn decide(self, da: PasaAddr) -> Decision {
        OwnAddr::new(self).decide(da)
    }

    /// draft-13 §7.1 steps 2 to 6 exactly as written, whatever the role of `self`. Run on a host
    /// whose address is a bit-prefix of `da` it names a "child" the host cannot have (the trap
    /// of SPEC.md §1.5); nodes use [`PasaAddr::decide`], which applies the host rule.
    #[inline]
    pub const fn seven_steps(self, da: PasaAddr) -> Decision {
        let ca = self.value();
        let d = da.value();
        let lc = self.len_bits() as u32;
        let ld = da.len_bits() as u32;
        // Steps 2-4: not longer -> deliver if equal, else up.
        if ld <= lc {
            return if d == ca {
                Decision::Deliver
            } else {
                Decision::Parent
            };
        }
        // Step 5: m = remaining bits, 1..=63 because lc >= 1 and ld <= 64.
        let m = ld.wrapping_sub(lc);
        if d >> m != ca {
            return Decision::Parent;
        }
        // Step 6: move the remaining m bits to the top; the low 64-m (>= 1) bits are zero, so
        // the count of leading ones is at most m.
        let j = (d << 64u32.wrapping_sub(m)).leading_ones();
        if j == m {
            Decision::Child(da)
        } else {
            // Cut DA just after the first 0: keep ld - (m - j - 1) bits; the root bit survives.
            Decision::Child(PasaAddr(
                match NonZeroU64::new(d >> m.wrapping_sub(j).wrapping_sub(1)) {
                    Some(v) => v,
                    None => NonZeroU64::MIN,
                },
            ))
        }
    }

    /// The number of PASA-6LoRH address octets this address needs: `ceil(Len/8)`, 1..=8.
    #[inline]
    pub const fn lorh_octets(self) -> u8 {
        self.len_bits().div_ceil(8)
    }

    /// The 64-bit IID: the address right-aligned, zero-padded on the left (draft-13 §6.3).
    #[inline]
    pub const fn iid(self) -> [u8; 8] {
        self.value().to_be_bytes()
    }

    /// The address from a 64-bit IID (leading zeros stripped; zero refused).
    #[inline]
    pub const fn from_iid(iid: [u8; 8]) -> Result<Self, AddrError> {
        Self::try_new(u64::from_be_bytes(iid))
    }

    /// `<prefix>::<PASA>` (draft-13 §6.3).
    pub fn to_ipv6(self, prefix: Prefix64) -> Ipv6Addr {
        let mut o = [0u8; 16];
        let (hi, lo) = o.split_at_mut(8);
        hi.copy_from_slice(&prefix.0);
        lo.copy_from_slice(&self.iid());
        Ipv6Addr::from(o)
    }

    /// The PASA address of an IPv6 address inside `prefix`.
    pub fn from_ipv6(addr: Ipv6Addr, prefix: Prefix64) -> Result<Self, AddrError> {
        let o = addr.octets();
        let (hi, lo) = o.split_at(8);
        if hi != prefix.0 {
            return Err(AddrError::OutsidePrefix);
        }
        let mut iid = [0u8; 8];
        iid.copy_from_slice(lo);
        Self::from_iid(iid)
    }

    /// A value that displays as hexadecimal text, e.g. `0x2b`.
    pub const fn hex(self) -> Hex {
        Hex(self)
    }

    /// Parses binary text (`101011`, `0b101011`) or hexadecimal text (`0x2b`).
    pub fn parse_text(s: &str) -> Result<Self, AddrError> {
        if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            return parse_hex(h, s.len().wrapping_sub(h.len()));
        }
        if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
            return parse_bin(b, s.len().wrapping_sub(b.len()));
        }
        parse_bin(s, 0)
    }
}

fn parse_bin(s: &str, offset: usize) -> Result<PasaAddr, AddrError> {
    let bytes = s.as_bytes();
    match bytes.first() {
        None => return Err(AddrError::Empty),
        Some(b'0') => return Err(AddrError::LeadingZero),
        _ => {}
    }
    if bytes.len() > usize::from(MAX_LEN_BITS) {
        return Err(AddrError::TooLong);
    }
    let mut v: u64 = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let bit = match c {
            b'0' => 0,
            b'1' => 1,
            _ => {
                return Err(AddrError::InvalidDigit {
                    at: offset.wrapping_add(i),
                });
            }
        };
        // At most 64 digits, the first being 1: the shift never loses a set bit.
        v = v.wrapping_shl(1) | bit;
    }
    PasaAddr::try_new(v)
}

fn parse_hex(s: &str, offset: usize) -> Result<PasaAddr, AddrError> {
    if s.is_empty() {
        return Err(AddrError::Empty);
    }
    let mut v: u64 = 0;
    for (i, c) in s.char_indices() {
        let Some(d) = c.to_digit(16) else {
            return Err(AddrError::InvalidDigit {
                at: offset.wrapping_add(i),
            });
        };
        v = v
            .checked_mul(16)
            .and_then(|x| x.checked_add(u64::from(d)))
            .ok_or(AddrError::TooLong)?;
    }
    PasaAddr::try_new(v)
}

impl FromStr for PasaAddr {
    type Err = AddrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_text(s)
    }
}

/// Binary text, MSB (the root bit) first: `101011`.
impl fmt::Display for PasaAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value();
        for i in (0..u32::from(self.len_bits())).rev() {
            f.write_str(if v.wrapping_shr(i) & 1 == 1 { "1" } else { "0" })?;
        }
        Ok(())
    }
}

impl fmt::Debug for PasaAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PasaAddr({self})")
    }
}

impl fmt::LowerHex for PasaAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.value(), f)
    }
}

/// A node's own address, with what the forwarding decision needs precomputed (its length and
/// role), so that a decision costs one bit scan of the destination, one shift and compare for
/// the prefix test, and one bit scan to find the child. Build it once when the node gets its
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OwnAddr {
    ca: u64,
    lc: u32,
    host: bool,
}

impl OwnAddr {
    /// Precomputes the decision constants of `addr`.
    #[inline]
    pub const fn new(addr: PasaAddr) -> Self {
        Self {
            ca: addr.value(),
            lc: addr.len_bits() as u32,
            host: addr.is_host(),
        }
    }

    /// The address.
    #[inline]
    pub const fn addr(&self) -> PasaAddr {
        match PasaAddr::new(self.ca) {
            Some(a) => a,
            None => PasaAddr::ROOT,
        }
    }

    /// The decision of [`PasaAddr::decide`] (draft-13 §7.1 with the host rule).
    ///
    /// Step 6 finds the first `0` after CA's bits in DA: with the remaining `m` bits of DA
    /// inverted and masked, that `0` is the highest set bit, and the router child is DA cut just
    /// below it; no set bit means the rest is all ones and the child is the host DA itself.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub const fn decide(&self, da: PasaAddr) -> Decision {
        let d = da.value();
        let ca = self.ca;
        if d == ca {
            return Decision::Deliver;
        }
        if self.host {
            return Decision::Parent;
        }
        let ld = 64u32.wrapping_sub(d.leading_zeros());
        // Steps 2-4: not longer and not equal -> up.
        if ld <= self.lc {
            return Decision::Parent;
        }
        // Step 5: m = remaining bits, 1..=63 because lc >= 1 and ld <= 64.
        let m = ld.wrapping_sub(self.lc);
        if d >> m != ca {
            return Decision::Parent;
        }
        // Step 6: zeros of the remainder, as ones; 64 - m is 1..=63.
        let zeros = !d & (u64::MAX >> 64u32.wrapping_sub(m));
        if zeros == 0 {
            return Decision::Child(da);
        }
        let cut = 63u32.wrapping_sub(zeros.leading_zeros());
        // The cut keeps the root bit (cut < m < ld), so the value is never zero.
        Decision::Child(PasaAddr(match NonZeroU64::new(d >> cut) {
            Some(v) => v,
            None => NonZeroU64::MIN,
        }))
    }
}

/// Hexadecimal text of an address: `0x2b`. See [`PasaAddr::hex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hex(PasaAddr);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0.value())
    }
}

/// Iterator over the path from the root down to an address, both ends included. It walks by
/// applying the step-6 decision from each ancestor, so it needs no storage.
#[derive(Debug, Clone)]
pub struct Path {
    target: PasaAddr,
    next: Option<PasaAddr>,
}

impl Iterator for Path {
    type Item = PasaAddr;
    fn next(&mut self) -> Option<PasaAddr> {
        let cur = self.next?;
        self.next = if cur == self.target {
            None
        } else {
            match cur.decide(self.target) {
                Decision::Child(c) => Some(c),
                // Only reachable from a host, which has no descendants: end the walk.
                Decision::Deliver | Decision::Parent => None,
            }
        };
        Some(cur)
    }
}

/// A PASA /64 prefix (draft-13 §6.3): the high 64 bits of every address of the domain.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix64(pub [u8; 8]);

impl Prefix64 {
    /// `2001:db8::/64`, the documentation prefix used by the draft and the vectors.
    pub const DOC: Prefix64 = Prefix64([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0]);

    /// The /64 prefix of `addr` (its low 64 bits are ignored).
    pub fn of(addr: Ipv6Addr) -> Self {
        let o = addr.octets();
        let mut p = [0u8; 8];
        p.copy_from_slice(o.split_at(8).0);
        Self(p)
    }

    /// True if `addr` lies inside this prefix.
    pub fn contains(self, addr: Ipv6Addr) -> bool {
        Self::of(addr) == self
    }

    /// The prefix as an address with a zero IID (the RFC 8138 reference address).
    pub fn network(self) -> Ipv6Addr {
        let mut o = [0u8; 16];
        o.split_at_mut(8).0.copy_from_slice(&self.0);
        Ipv6Addr::from(o)
    }
}

/// Errors of [`Prefix64`] text parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrefixError {
    /// No `/len` suffix.
    MissingLength,
    /// The address part is not IPv6 text.
    BadAddress,
    /// The length is not 64 (PASA maps into a /64, draft-13 §6.3).
    NotSlash64,
    /// Bits are set past the 64th.
    HostBitsSet,
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingLength => "prefix needs a /64 length, e.g. 2001:db8::/64",
            Self::BadAddress => "prefix address is not valid IPv6 text",
            Self::NotSlash64 => "PASA prefix length must be 64",
            Self::HostBitsSet => "prefix has bits set past the first 64",
        })
    }
}

impl core::error::Error for PrefixError {}

impl FromStr for Prefix64 {
    type Err = PrefixError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, l) = s.split_once('/').ok_or(PrefixError::MissingLength)?;
        let addr: Ipv6Addr = a.parse().map_err(|_| PrefixError::BadAddress)?;
        if l != "64" {
            return Err(PrefixError::NotSlash64);
        }
        let p = Self::of(addr);
        if p.network() != addr {
            return Err(PrefixError::HostBitsSet);
        }
        Ok(p)
    }
}

impl fmt::Display for Prefix64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/64", self.network())
    }
}

impl fmt::Debug for Prefix64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prefix64({self})")
    }
}

/// Children still possible in one role under a parent of `parent_len_bits`, when `next_index`
/// indexes of that role are already used: indexes `0 ..= 63 - N` fit, i.e. `64 - N` per role
/// (SPEC.md §1.3; the draft's `64 - N - 1` is one short).
pub const fn children_left(parent_len_bits: u8, next_index: u8) -> u8 {
    MAX_LEN_BITS
        .saturating_sub(parent_len_bits)
        .saturating_sub(next_index)
}

/// Fan-out of every node at one depth of a planned tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LevelPlan {
    /// Router children per router (or the root) at this depth.
    pub routers: u32,
    /// Host children per router (or the root) at this depth.
    pub hosts: u32,
}

/// Result of [`check_plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanFit {
    /// The longest address the plan produces (worst case: the last index at every level).
    pub max_len_bits: u32,
    /// Depth (root = 0) of the first level whose addresses exceed 64 bits, if any.
    pub first_overflow_depth: Option<u32>,
    /// PASA-6LoRH address octets of the longest address, when it fits.
    pub lorh_octets: Option<u8>,
}

impl PlanFit {
    /// True if every address of the plan fits in 64 bits.
    pub const fn fits(&self) -> bool {
        self.first_overflow_depth.is_none()
    }
}

/// Checks a depth/fan-out plan: `levels[d]` is the fan-out of every node at depth `d`
/// (the root is depth 0). Under TAAF the last router index at each level costs `routers`
/// bits and the last host index `hosts` bits, so the longest address is the longest router
/// chain plus the widest host level below it.
pub fn check_plan(levels: &[LevelPlan]) -> PlanFit {
    let mut router_len: u32 = 1;
    let mut max_len: u32 = 1;
    let mut overflow = None;
    for (depth, lvl) in (1u32..).zip(levels.iter()) {
        let mut longest_here = 0;
        if lvl.hosts > 0 {
            longest_here = router_len.saturating_add(lvl.hosts);
        }
        let next_router_len = router_len.saturating_add(lvl.routers);
        if lvl.routers > 0 {
            longest_here = longest_here.max(next_router_len);
        }
        max_len = max_len.max(longest_here);
        if overflow.is_none() && longest_here > u32::from(MAX_LEN_BITS) {
            overflow = Some(depth);
        }
        if lvl.routers == 0 {
            break;
        }
        router_len = next_router_len;
    }
    let lorh_octets = if overflow.is_none() {
        u8::try_from(max_len.div_ceil(8)).ok()
    } else {
        None
    };
    PlanFit {
        max_len_bits: max_len,
        first_overflow_depth: overflow,
        lorh_octets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> PasaAddr {
        s.parse().unwrap()
    }

    #[test]
    fn root_is_one_bit() {
        assert_eq!(PasaAddr::ROOT.value(), 1);
        assert_eq!(PasaAddr::ROOT.len_bits(), 1);
        assert_eq!(PasaAddr::ROOT.role(), Role::Root);
        assert_eq!(PasaAddr::ROOT.parent(), None);
        assert_eq!(PasaAddr::ROOT.depth(), 0);
    }

    #[test]
    fn taaf_matches_draft_worked_example() {
        let r = PasaAddr::ROOT;
        assert_eq!(r.child(ChildRole::Router, 0).unwrap(), a("10"));
        assert_eq!(r.child(ChildRole::Host, 0).unwrap(), a("11"));
        assert_eq!(r.child(ChildRole::Router, 1).unwrap(), a("110"));
        assert_eq!(r.child(ChildRole::Host, 1).unwrap(), a("111"));
        assert_eq!(a("10").child(ChildRole::Host, 1).unwrap(), a("1011"));
    }

    #[test]
    fn taaf_refuses_past_64_bits_without_wrapping() {
        // 63 host children fit under the root: indexes 0..=62.
        let last = PasaAddr::ROOT.child(ChildRole::Host, 62).unwrap();
        assert_eq!(last.len_bits(), 64);
        assert_eq!(last.value(), u64::MAX);
        let err = PasaAddr::ROOT.child(ChildRole::Host, 63).unwrap_err();
        assert_eq!(err.needed_len_bits, 65);
        assert_eq!(
            PasaAddr::ROOT
                .child(ChildRole::Router, 255)
                .unwrap_err()
                .needed_len_bits,
            257
        );
        let deep = PasaAddr::new(1u64 << 63).unwrap();
        assert!(deep.child(ChildRole::Router, 0).is_err());
    }

    #[test]
    fn parent_index_depth_of_figure6_nodes() {
        for (x, p, k, d) in [
            ("10", "1", 0, 1),
            ("111", "1", 1, 1),
            ("1010", "10", 1, 2),
            ("101011", "1010", 1, 3),
            ("10011", "100", 1, 3),
        ] {
            assert_eq!(a(x).parent(), Some(a(p)), "{x}");
            assert_eq!(a(x).index(), Some(k), "{x}");
            assert_eq!(a(x).depth(), d, "{x}");
        }
    }

    #[test]
    fn path_runs_root_first() {
        let mut it = a("101011").path();
        for s in ["1", "10", "1010", "101011"] {
            assert_eq!(it.next(), Some(a(s)));
        }
        assert_eq!(it.next(), None);
        assert_eq!(PasaAddr::ROOT.path().count(), 1);
    }

    #[test]
    fn host_prefix_is_not_ancestor() {
        assert!(a("11").is_prefix_of(a("110")));
        assert!(!a("11").is_ancestor_of(a("110")));
        assert!(a("10").is_ancestor_of(a("101011")));
        assert!(!a("10").is_ancestor_of(a("10")));
    }

    #[test]
    fn text_forms_both_ways() {
        assert_eq!(a("101011").value(), 0x2b);
        assert_eq!(a("0b101011").value(), 0x2b);
        assert_eq!(a("0x2b").value(), 0x2b);
        assert_eq!(a("0x002B").value(), 0x2b);
        extern crate std;
        use std::string::ToString;
        assert_eq!(a("0x2b").to_string(), "101011");
        assert_eq!(a("101011").hex().to_string(), "0x2b");
        assert_eq!("".parse::<PasaAddr>(), Err(AddrError::Empty));
        assert_eq!("0x".parse::<PasaAddr>(), Err(AddrError::Empty));
        assert_eq!("0".parse::<PasaAddr>(), Err(AddrError::LeadingZero));
        assert_eq!("0x0".parse::<PasaAddr>(), Err(AddrError::Zero));
        assert_eq!(
            "1021".parse::<PasaAddr>(),
            Err(AddrError::InvalidDigit { at: 2 })
        );
        assert_eq!(
            "0x2g".parse::<PasaAddr>(),
            Err(AddrError::InvalidDigit { at: 3 })
        );
        assert_eq!(
            "0x10000000000000000".parse::<PasaAddr>(),
            Err(AddrError::TooLong)
        );
        let s65 = "1".repeat(65);
        assert_eq!(s65.parse::<PasaAddr>(), Err(AddrError::TooLong));
        assert_eq!(
            "1".repeat(64).parse::<PasaAddr>().unwrap().value(),
            u64::MAX
        );
    }

    #[test]
    fn ipv6_mapping_both_ways() {
        let p: Prefix64 = "2001:db8::/64".parse().unwrap();
        assert_eq!(p, Prefix64::DOC);
        let ip = a("101011").to_ipv6(p);
        assert_eq!(ip, "2001:db8::2b".parse::<Ipv6Addr>().unwrap());
        assert_eq!(PasaAddr::from_ipv6(ip, p), Ok(a("101011")));
        assert_eq!(
            PasaAddr::from_ipv6("2001:db8::".parse().unwrap(), p),
            Err(AddrError::Zero)
        );
        assert_eq!(
            PasaAddr::from_ipv6("2001:db9::1".parse().unwrap(), p),
            Err(AddrError::OutsidePrefix)
        );
        assert_eq!(
            "2001:db8::/48".parse::<Prefix64>(),
            Err(PrefixError::NotSlash64)
        );
        assert_eq!(
            "2001:db8::1/64".parse::<Prefix64>(),
            Err(PrefixError::HostBitsSet)
        );
        assert_eq!(
            "2001:db8::".parse::<Prefix64>(),
            Err(PrefixError::MissingLength)
        );
    }

    #[test]
    fn capacity_is_64_minus_n_per_role() {
        assert_eq!(children_left(1, 0), 63);
        assert_eq!(children_left(10, 0), 54);
        assert_eq!(children_left(63, 0), 1);
        assert_eq!(children_left(64, 0), 0);
        assert_eq!(children_left(1, 60), 3);
        assert_eq!(children_left(1, 200), 0);
    }

    #[test]
    fn plan_fit_counts_worst_case_bits() {
        // Binary tree of routers, 10 levels, 2 hosts each: 1 + 10*2 = 21 router bits.
        let lv = [LevelPlan {
            routers: 2,
            hosts: 2,
        }; 10];
        let fit = check_plan(&lv);
        assert_eq!(fit.max_len_bits, 21);
        assert!(fit.fits());
        assert_eq!(fit.lorh_octets, Some(3));
        let wide = [LevelPlan {
            routers: 30,
            hosts: 40,
        }; 3];
        let fit = check_plan(&wide);
        // depth 1: hosts 1+40=41, routers 31; depth 2: 31+40=71 > 64.
        assert_eq!(fit.first_overflow_depth, Some(2));
        assert!(!fit.fits());
        assert_eq!(fit.lorh_octets, None);
        assert_eq!(check_plan(&[]).max_len_bits, 1);
    }
}
