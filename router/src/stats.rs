//! Event counters besides the drops: what the node did, exported next to
//! [`crate::drops::DropCounters`] by the Linux process, the firmware and the simulator.

macro_rules! stats {
    ($($(#[doc = $doc:literal])* $name:ident),* $(,)?) => {
        /// Event counters; all saturating.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct Stats {
            $($(#[doc = $doc])* pub $name: u64,)*
        }

        impl Stats {
            /// Every counter with its exported name, in declaration order.
            pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> {
                [$((stringify!($name), self.$name)),*].into_iter()
            }
        }
    };
}

stats! {
    /// Frames forwarded to a neighbour.
    forwarded,
    /// Packets delivered to the local stack.
    delivered,
    /// Packets the root sent out of the domain.
    egressed,
    /// Packets the root took in from outside.
    ingressed,
    /// Packets of the local stack sent into the domain.
    originated,
    /// Unknown elective 6LoRHs skipped (B11).
    lorh_elective_skipped,
    /// Compressed hop limits re-encoded inline (SPEC.md §9.2 item 12).
    hop_limit_reencoded,
    /// ICMPv6 errors sent.
    icmp_sent,
    /// ICMPv6 errors the token bucket held back (B49).
    icmp_ratelimited,
    /// ICMPv6 errors RFC 4443 §2.4(e) forbids (about an error, multicast, L2 broadcast,
    /// a source that is not one node; B45, B48).
    icmp_suppressed,
    /// RSs heard by a node that assigns no addresses, and RAs heard by a node that is not
    /// looking for a parent: normal on a shared link, ignored.
    nd_ignored,
    /// RSs left unanswered because no index of the asking role is free (F10).
    ra_withheld,
    /// Addresses offered in NA(GAAO).
    reg_offered,
    /// Registrations (NS(EARO)) accepted, new or refreshed.
    reg_registered,
    /// De-registrations (lifetime 0) applied.
    reg_deregistered,
    /// Requests refused by the per-link-layer-address cap (B60).
    reg_refused_cap,
    /// Requests refused because no index is free (SPEC.md §9.1 item 8).
    reg_refused_full,
    /// Registrations refused as Duplicate Address (B55, F7).
    reg_duplicate,
    /// Registrations refused as topologically incorrect (B57).
    reg_topology,
    /// Offers that expired unregistered, and registrations that expired.
    reg_expired,
    /// RS/NS(GAAO)/NS(EARO) sent by the joiner.
    join_tx,
    /// Times the node obtained (or re-confirmed after a reboot) its address.
    joined,
    /// Join steps abandoned after their retries, or refused by the parent.
    join_failures,
    /// State records committed.
    nvm_commits,
    /// State records that failed to commit (the answer was then not sent).
    nvm_errors,
    /// Boots that recovered from a torn record (F2).
    nvm_recovered,
}

impl Stats {
    /// Adds one to a counter.
    pub(crate) fn bump(c: &mut u64) {
        *c = c.saturating_add(1);
    }
}
