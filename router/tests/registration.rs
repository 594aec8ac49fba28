//! The registrar and the joiner: assignment, registration, refusals, floods, expiry, reboots
//! (SPEC.md §1.11, §1.12, §2.3, §9.4; RELIABILITY.md B50-B57, B60, F1, F3, F5-F11).

mod common;

use std::net::Ipv6Addr;

use common::*;
use pasa_addrcodec::frame::{self, CodecConfig};
use pasa_addrcodec::wire::icmpv6::{NdKind, NdRepr};
use pasa_addrcodec::wire::iphc::LinkAddrs;
use pasa_addrcodec::wire::nd::{
    self, Aaf, CioRepr, EaroRepr, GaaoRepr, LinkAddr, LlaoKind, LlaoRepr, Rovr, U2,
};
use pasa_addrcodec::{ChildRole, PasaAddr, Prefix64, Role};
use pasa_router::children::{ChildKey, SlotState};
use pasa_router::control::link_local;
use pasa_router::joiner::JoinState;
use pasa_router::registrar::{status, tid_newer};
use pasa_router::{Action, DropReason, LinkDst, MemStore, Neighbor, Node, NodeRole, Rx, Verdict};

/// A registrar at the root of an otherwise empty network.
fn root() -> TestNode {
    TestNode::new(config(0, NodeRole::Root), Store::new(), 1_000).unwrap()
}

fn nb(i: usize) -> Neighbor {
    Neighbor {
        iface: 0,
        ll: mac(i),
    }
}

/// A page-0 ND frame from neighbour `from` to node `to` (link-local addresses, Hop Limit
/// `hl`), carrying `kind` with `options`.
fn nd_frame(from: usize, to: usize, hl: u8, kind: NdKind, options: &[u8]) -> Vec<u8> {
    nd_frame_with(from, to, hl, kind, options, true)
}

/// [`nd_frame`], with the destination address inline when `elide_dst` is false.
fn nd_frame_with(
    from: usize,
    to: usize,
    hl: u8,
    kind: NdKind,
    options: &[u8],
    elide_dst: bool,
) -> Vec<u8> {
    let (src, dst) = (link_local(&mac(from)), link_local(&mac(to)));
    let (ms, md) = (mac(from), mac(to));
    let link = LinkAddrs {
        src: Some(ms.as_bytes()),
        dst: elide_dst.then_some(md.as_bytes()),
    };
    lowpan(&nd_packet(src, dst, hl, kind, options), link)
}

/// A native ND packet from `src` to `dst` with Hop Limit `hl`.
fn nd_packet(src: Ipv6Addr, dst: Ipv6Addr, hl: u8, kind: NdKind, options: &[u8]) -> Vec<u8> {
    let nd = NdRepr { kind, options };
    let mut msg = vec![0u8; nd.buffer_len()];
    nd.emit(&src, &dst, &mut msg).unwrap();
    ipv6_packet(src, dst, 58, hl, &msg)
}

/// ND options: the SLLAO of `from`, then what `more` writes (returning its length).
fn sllao_and(from: usize, more: impl FnOnce(&mut [u8]) -> usize) -> Vec<u8> {
    let mut o = vec![0u8; 128];
    let mut at = LlaoRepr {
        kind: LlaoKind::Source,
        addr: mac(from),
    }
    .emit_slice(&mut o)
    .unwrap();
    at += more(&mut o[at..]);
    o.truncate(at);
    o
}

/// The 6CIO of `role` with the GAAO support bit, written at the start of `b`.
fn cio(role: Role, b: &mut [u8]) -> usize {
    CioRepr::for_role(role)
        .with_m(nd::DEFAULT_M_MASK)
        .emit_slice(b)
        .unwrap()
}

/// RS/RA options: SLLAO of `from`, 6CIO of `role`.
fn sllao_cio(from: usize, role: Role) -> Vec<u8> {
    sllao_and(from, |b| cio(role, b))
}

/// An RA with the given router lifetime.
fn ra_kind(router_lifetime_s: u16) -> NdKind {
    NdKind::RouterAdvert {
        cur_hop_limit: 64,
        managed: false,
        other: false,
        router_lifetime_s,
        reachable_ms: 0,
        retrans_ms: 0,
    }
}

fn gaao_request(rovr: Rovr, aaf: u8) -> GaaoRepr {
    GaaoRepr {
        status: 0,
        opaque: 0,
        r: false,
        c: false,
        aaf: Aaf::try_new(aaf).unwrap(),
        assignment_lifetime_min: 0,
        rovr,
        address: None,
    }
}

/// NS(GAAO) options: SLLAO, GAAO, 6CIO of `role`.
fn ns_gaao_opts(from: usize, g: &GaaoRepr, role: Role) -> Vec<u8> {
    sllao_and(from, |b| {
        let n = g.emit_slice_with_type(b, nd::DEFAULT_GAAO_TYPE).unwrap();
        n + cio(role, &mut b[n..])
    })
}

fn earo(rovr: Rovr, tid: u8, lifetime_min: u16) -> EaroRepr {
    EaroRepr {
        status: 0,
        opaque: 0,
        t: true,
        r: true,
        i: U2::default(),
        p: U2::default(),
        tid,
        lifetime_60s: lifetime_min,
        rovr,
    }
}

fn ns_earo_opts(from: usize, e: &EaroRepr) -> Vec<u8> {
    sllao_and(from, |b| e.emit_slice(b).unwrap())
}

/// A frame from `from`, link-layer multicast or not.
fn rx(from: Neighbor, multicast: bool, frame: &[u8]) -> Rx<'_> {
    Rx {
        from,
        multicast,
        frame,
    }
}

fn ns(target: Ipv6Addr) -> NdKind {
    NdKind::NeighborSolicit { target }
}

/// Feeds a frame to `node` from neighbour `from`; returns the verdict and the decoded answer
/// options (GAAO, EARO) when it answered.
fn feed<S: pasa_router::Store, const N: usize>(
    node: &mut Node<S, N>,
    now: u64,
    from: usize,
    f: &[u8],
) -> (Verdict, Option<GaaoRepr>, Option<EaroRepr>) {
    let v = node.receive(now, &rx(nb(from), false, f));
    if v.len == 0 {
        return (v, None, None);
    }
    let mut out = vec![0u8; v.len];
    node.emit(&v, f, &mut out).unwrap();
    let c = contexts();
    let (m0, mf) = (mac(0), mac(from));
    let d = frame::decode(
        &out,
        &CodecConfig::new(&c),
        LinkAddrs {
            src: Some(m0.as_bytes()),
            dst: Some(mf.as_bytes()),
        },
    )
    .unwrap();
    let nd = NdRepr::parse(d.payload).unwrap();
    let g = nd::find(nd.options, nd::DEFAULT_GAAO_TYPE)
        .unwrap()
        .map(|b| GaaoRepr::parse(&nd::GaaoPacket::new_unchecked(b)).unwrap());
    let e = nd::find(nd.options, nd::EARO_TYPE)
        .unwrap()
        .map(|b| EaroRepr::parse(&nd::EaroPacket::new_unchecked(b)).unwrap());
    (v, g, e)
}

fn assigned(g: &GaaoRepr) -> PasaAddr {
    PasaAddr::from_ipv6(Ipv6Addr::from(g.address.unwrap().bytes), Prefix64::DOC).unwrap()
}

/// Requests an address for neighbour `from` with `rovr`; returns the answer.
fn request<S: pasa_router::Store, const N: usize>(
    node: &mut Node<S, N>,
    now: u64,
    from: usize,
    rovr: Rovr,
    role: Role,
) -> GaaoRepr {
    let f = nd_frame(
        from,
        0,
        255,
        ns(link_local(&mac(from))),
        &ns_gaao_opts(from, &gaao_request(rovr, 0), role),
    );
    feed(node, now, from, &f).1.expect("an NA(GAAO)")
}

fn register<S: pasa_router::Store, const N: usize>(
    node: &mut Node<S, N>,
    now: u64,
    from: usize,
    a: PasaAddr,
    e: &EaroRepr,
) -> (Verdict, Option<EaroRepr>) {
    let f = nd_frame(from, 0, 255, ns(ip(a)), &ns_earo_opts(from, e));
    let (v, _, e) = feed(node, now, from, &f);
    (v, e)
}

#[test]
fn assigns_by_taaf_and_repeats_the_same_address_for_the_same_rovr() {
    let mut r = root();
    let g = request(&mut r, 1_000, 1, rovr(1), Role::Router);
    assert_eq!(
        (g.status, g.r, g.aaf.value()),
        (0, true, nd::AAF_TAAF_DEFAULT)
    );
    assert_eq!(assigned(&g), addr("10"));
    assert_eq!(g.address.unwrap().pfx_len.value(), 64);
    // A lost NA: the same ROVR asks again and gets the same address, no new slot.
    let g2 = request(&mut r, 1_100, 1, rovr(1), Role::Router);
    assert_eq!(assigned(&g2), addr("10"));
    assert_eq!(r.children().iter().count(), 1);
    // Hosts and routers count separately (draft-13 §6.1).
    assert_eq!(
        assigned(&request(&mut r, 1_200, 2, rovr(2), Role::Host)),
        addr("11")
    );
    assert_eq!(
        assigned(&request(&mut r, 1_300, 3, rovr(3), Role::Router)),
        addr("110")
    );
    // The state was committed before each answer left.
    assert_eq!(r.stats().nvm_commits, 3);
}

#[test]
fn an_offer_not_registered_in_time_returns_to_the_pool() {
    let mut r = root();
    let g = request(&mut r, 1_000, 1, rovr(1), Role::Router);
    assert_eq!(assigned(&g), addr("10"));
    // 3 s pass without NS(EARO): the offer expires, and the index waits out its quarantine.
    r.handle_timeout(4_001);
    assert_eq!(r.stats().reg_expired, 1);
    let g = request(&mut r, 4_100, 2, rovr(2), Role::Router);
    assert_eq!(
        assigned(&g),
        addr("110"),
        "quarantined index 0 is not reused"
    );
    r.handle_timeout(4_001 + 60_000);
    let g = request(&mut r, 64_100, 3, rovr(3), Role::Router);
    assert_eq!(assigned(&g), addr("10"), "reused after quarantine");
}

#[test]
fn registration_rules_duplicate_stale_deregister_topology() {
    let mut r = root();
    let a = assigned(&request(&mut r, 1_000, 1, rovr(1), Role::Host));
    assert_eq!(a, addr("11"));
    let (_, e) = register(&mut r, 1_100, 1, a, &earo(rovr(1), 240, 60));
    assert_eq!(e.unwrap().status, status::SUCCESS);
    assert_eq!(
        r.children().next_hop(
            ChildKey {
                role: ChildRole::Host,
                index: 0
            },
            1_200
        ),
        Some(nb(1))
    );
    // B55/F7: another ROVR claiming the address: Duplicate, binding untouched.
    let (_, e) = register(&mut r, 1_200, 9, a, &earo(rovr(9), 240, 60));
    assert_eq!(e.unwrap().status, status::DUPLICATE);
    assert_eq!(
        r.children().next_hop(
            ChildKey {
                role: ChildRole::Host,
                index: 0
            },
            1_300
        ),
        Some(nb(1))
    );
    // B54: a replayed (older) TID is not applied.
    let (_, e) = register(&mut r, 1_300, 1, a, &earo(rovr(1), 241, 60));
    assert_eq!(e.unwrap().status, 0);
    let (v, e) = register(&mut r, 1_400, 1, a, &earo(rovr(1), 240, 60));
    assert_eq!((v.action, e), (Action::Drop(DropReason::RegStale), None));
    assert_eq!(r.drops().get(DropReason::RegStale), 1);
    // B57: an address that is not my child.
    let (_, e) = register(&mut r, 1_500, 1, addr("101"), &earo(rovr(1), 242, 60));
    assert_eq!(e.unwrap().status, status::TOPOLOGY);
    // B56: de-registration by someone else is ignored; by the owner it frees (quarantine).
    let (v, e) = register(&mut r, 1_600, 9, a, &earo(rovr(9), 1, 0));
    assert_eq!((v.action, e), (Action::Consumed, None));
    let (_, e) = register(&mut r, 1_700, 1, a, &earo(rovr(1), 243, 0));
    assert_eq!(e.unwrap().status, 0);
    assert!(matches!(
        r.children()
            .get(ChildKey {
                role: ChildRole::Host,
                index: 0
            })
            .unwrap()
            .state,
        SlotState::Quarantined { .. }
    ));
    assert_eq!(
        r.children().next_hop(
            ChildKey {
                role: ChildRole::Host,
                index: 0
            },
            1_800
        ),
        None
    );
}

#[test]
fn tid_order_is_the_rfc6550_lollipop() {
    assert!(tid_newer(241, 240));
    assert!(!tid_newer(240, 241));
    assert!(tid_newer(0, 255));
    assert!(tid_newer(0, 240), "out of the window: accepted");
    assert!(tid_newer(5, 3));
    assert!(!tid_newer(3, 5));
    assert!(tid_newer(2, 120), "circular wrap");
    assert!(!tid_newer(120, 2));
    assert!(!tid_newer(7, 7));
    assert!(
        !tid_newer(250, 3),
        "linear value behind a nearby circular one"
    );
}

#[test]
fn aaf_not_used_and_foreign_prefix_are_refused() {
    let mut r = root();
    let f = nd_frame(
        1,
        0,
        255,
        ns(link_local(&mac(1))),
        &ns_gaao_opts(1, &gaao_request(rovr(1), 3), Role::Host),
    );
    let g = feed(&mut r, 1_000, 1, &f).1.unwrap();
    assert_eq!((g.status, g.address), (nd::STATUS_AAF_NOT_USED, None));
    let mut req = gaao_request(rovr(1), 0);
    req.address = Some(nd::GaaoAddress {
        pfx_len: nd::PfxLen::try_new(64).unwrap(),
        bytes: "2001:db9::".parse::<Ipv6Addr>().unwrap().octets(),
    });
    let f = nd_frame(
        1,
        0,
        255,
        ns(link_local(&mac(1))),
        &ns_gaao_opts(1, &req, Role::Host),
    );
    let g = feed(&mut r, 1_000, 1, &f).1.unwrap();
    assert_eq!((g.status, g.address), (status::TOPOLOGY, None));
    assert_eq!(r.children().iter().count(), 0);
}

#[test]
fn ten_thousand_requests_from_one_neighbour_stay_bounded() {
    let mut r = root();
    // A legitimate child first.
    let a = assigned(&request(&mut r, 1_000, 1, rovr(1), Role::Host));
    register(&mut r, 1_000, 1, a, &earo(rovr(1), 240, 60));
    let mut refused = 0;
    for i in 0..10_000u32 {
        let rv = Rovr::new(&[
            0xBB,
            0,
            0,
            0,
            (i >> 24) as u8,
            (i >> 16) as u8,
            (i >> 8) as u8,
            i as u8,
        ])
        .unwrap();
        let role = if i % 2 == 0 { Role::Host } else { Role::Router };
        let g = request(&mut r, 2_000 + u64::from(i), 7, rv, role);
        if g.status != 0 {
            assert_eq!(g.status, status::SATURATED);
            assert_eq!(g.address, None);
            refused += 1;
        }
    }
    // The cap (2 per link-layer address) held; everything else was refused.
    assert_eq!(refused, 10_000 - 2);
    assert_eq!(r.stats().reg_refused_cap, 9_998);
    assert_eq!(r.children().iter().count(), 3);
    // The existing registration is untouched and still forwards.
    assert_eq!(
        r.children().next_hop(
            ChildKey {
                role: ChildRole::Host,
                index: 0
            },
            20_000
        ),
        Some(nb(1))
    );
    // A new, legitimate neighbour still gets an address.
    let g = request(&mut r, 20_000, 8, rovr(8), Role::Host);
    assert_eq!(g.status, 0);
}

#[test]
fn full_table_refuses_with_neighbor_cache_full() {
    let mut r: Node<MemStore<4096>, 2> =
        Node::new(config(0, NodeRole::Root), MemStore::new(), 0).unwrap();
    let statuses: Vec<u8> = (1..=3usize)
        .map(|i| request(&mut r, 0, i, rovr(i), Role::Host).status)
        .collect();
    assert_eq!(
        statuses,
        [status::SUCCESS, status::SUCCESS, status::CACHE_FULL]
    );
    assert_eq!(r.stats().reg_refused_full, 1);
    assert_eq!(r.children().iter().count(), 2);
}

/// A store whose writes fail (a worn-out flash page, a full disk).
struct FailingStore;

impl pasa_router::Store for FailingStore {
    fn slot_len(&self) -> usize {
        4096
    }
    fn read(&self, _: u8, _: usize, buf: &mut [u8]) -> Result<(), pasa_router::StoreError> {
        buf.fill(0xFF);
        Ok(())
    }
    fn write(&mut self, _: u8, _: usize, _: &[u8]) -> Result<(), pasa_router::StoreError> {
        Err(pasa_router::StoreError::Io(5))
    }
}

#[test]
fn a_failing_store_means_no_answer() {
    // The offer cannot be committed, so it is not made.
    let mut r: Node<FailingStore, 8> =
        Node::new(config(0, NodeRole::Root), FailingStore, 0).unwrap();
    let f = nd_frame(
        1,
        0,
        255,
        ns(link_local(&mac(1))),
        &ns_gaao_opts(1, &gaao_request(rovr(1), 0), Role::Host),
    );
    let v = r.receive(0, &rx(nb(1), false, &f));
    assert_eq!(v.action, Action::Drop(DropReason::NvmCommit));
    assert_eq!(r.children().iter().count(), 0);
    assert_eq!(r.stats().nvm_errors, 1);
}

#[test]
fn stores_and_records_the_node_cannot_use_are_refused_at_start() {
    use pasa_router::NewError;
    // Too small for head + 2N slot records.
    let e =
        Node::<MemStore<256>, 8>::new(config(0, NodeRole::Root), MemStore::new(), 0).unwrap_err();
    assert_eq!(
        e,
        NewError::StoreTooSmall {
            needed: 821,
            got: 256
        }
    );
    // A record from a build with a larger table: refused, not silently truncated.
    let mut r: Node<MemStore<4096>, 8> =
        Node::new(config(0, NodeRole::Root), MemStore::new(), 0).unwrap();
    for i in 1..=5 {
        let a = assigned(&request(&mut r, 0, i, rovr(i), Role::Host));
        assert_eq!(a.len_bits(), i as u8 + 1);
    }
    let store = r.into_store();
    let e =
        Node::<MemStore<4096>, 2>::new(config(0, NodeRole::Root), store.clone(), 0).unwrap_err();
    assert_eq!(e, NewError::StateCapacity);
    // A record in an unknown format (another version byte, valid CRC): refused.
    let mut rs = pasa_router::RecordStore::new(MemStore::<4096>::new());
    rs.commit(&[9u8; 24]).unwrap();
    let e =
        Node::<MemStore<4096>, 8>::new(config(0, NodeRole::Root), rs.into_store(), 0).unwrap_err();
    assert_eq!(e, NewError::StateFormat);
    // The original build reads its own record.
    let n = Node::<MemStore<4096>, 8>::new(config(0, NodeRole::Root), store, 0).unwrap();
    assert_eq!(n.children().iter().count(), 5);
}

#[test]
fn bad_nd_messages_are_discarded() {
    let mut r = root();
    let opts = ns_gaao_opts(1, &gaao_request(rovr(1), 0), Role::Host);
    // B51: Hop Limit other than 255.
    let f = nd_frame(1, 0, 64, ns(link_local(&mac(1))), &opts);
    assert_eq!(
        feed(&mut r, 0, 1, &f).0.action,
        Action::Drop(DropReason::NdInvalid)
    );
    // B50: an option of length 0.
    let mut bad = opts.clone();
    bad[1] = 0;
    let f = nd_frame(1, 0, 255, ns(link_local(&mac(1))), &bad);
    assert_eq!(
        feed(&mut r, 0, 1, &f).0.action,
        Action::Drop(DropReason::NdInvalid)
    );
    // B47: a bad checksum.
    let mut f = nd_frame(1, 0, 255, ns(link_local(&mac(1))), &opts);
    let last = f.len() - 1;
    f[last] ^= 0x55;
    assert_eq!(
        feed(&mut r, 0, 1, &f).0.action,
        Action::Drop(DropReason::IcmpChecksum)
    );
    // A plain NS (no GAAO, no EARO), and an RA to a root.
    let f = nd_frame(1, 0, 255, ns(link_local(&mac(1))), &[]);
    assert_eq!(
        feed(&mut r, 0, 1, &f).0.action,
        Action::Drop(DropReason::NdUnexpected)
    );
    let ra = ra_kind(0);
    // An RA heard by a node that is not looking for a parent is ignored, not an error.
    let f = nd_frame(1, 0, 255, ra, &[]);
    assert_eq!(feed(&mut r, 0, 1, &f).0.action, Action::Consumed);
    assert_eq!(r.stats().nd_ignored, 1);
    assert!(r.children().iter().next().is_none());
}

/// Two nodes, root and one joiner, with the test handing frames over.
fn pair(joiner_store: Store, now: u64) -> Net {
    let mut net = Net::new(vec![None, Some(0)]);
    net.now = now;
    net.nodes[0] = Some(root());
    net.nodes[1] = Some(TestNode::new(config(1, NodeRole::Router), joiner_store, now).unwrap());
    net
}

fn joined(n: &Net) -> bool {
    matches!(n.node(1).join_state(), JoinState::Joined { .. })
}

#[test]
fn joiner_refreshes_before_expiry_and_renumbers_after_parent_loss() {
    let mut net = pair(Store::new(), 1_000);
    assert!(net.run_until(5_000, joined));
    assert_eq!(net.node(1).address(), Some(addr("10")));
    let JoinState::Joined {
        refresh_at,
        expires_at,
    } = net.node(1).join_state()
    else {
        unreachable!()
    };
    // Registration lifetime 60 min: refresh at 45 min.
    assert_eq!(expires_at - refresh_at, 15 * 60_000);
    net.now = refresh_at;
    assert!(net.run_until(5_000, joined));
    let JoinState::Joined { refresh_at: r2, .. } = net.node(1).join_state() else {
        unreachable!()
    };
    assert!(r2 > refresh_at, "refreshed");
    assert_eq!(net.node(0).stats().reg_registered, 2);
    // F3: the parent vanishes; at the next refresh the retries run out and the address goes.
    net.nodes[0] = None;
    net.now = r2;
    net.run_until(10_000, |n| n.node(1).address().is_none());
    assert_eq!(net.node(1).address(), None);
    assert!(matches!(
        net.node(1).join_state(),
        JoinState::Soliciting { .. }
    ));
    assert!(net.node(1).stats().join_failures >= 1);
}

#[test]
fn reboots_keep_addresses_for_child_and_registrar() {
    let mut net = pair(Store::new(), 1_000);
    assert!(net.run_until(5_000, joined));
    // F1: the child reboots with its state: it re-registers the same address, no new request.
    let store = net.nodes[1].take().unwrap().into_store();
    let now = net.now;
    net.nodes[1] = Some(TestNode::new(config(1, NodeRole::Router), store, now).unwrap());
    assert_eq!(
        net.node(1).address(),
        Some(addr("10")),
        "usable at once after the reboot"
    );
    assert!(matches!(
        net.node(1).join_state(),
        JoinState::Refreshing { .. }
    ));
    let offered = net.node(0).stats().reg_offered;
    assert!(net.run_until(5_000, joined));
    assert_eq!(
        net.node(0).stats().reg_offered,
        offered,
        "no new assignment"
    );
    // F5: the registrar reboots: its children table comes back from the store.
    let store = net.nodes[0].take().unwrap().into_store();
    let now = net.now;
    net.nodes[0] = Some(TestNode::new(config(0, NodeRole::Root), store, now).unwrap());
    assert_eq!(
        net.node(0).children().next_hop(
            ChildKey {
                role: ChildRole::Router,
                index: 0
            },
            now + 1
        ),
        Some(nb(1))
    );
    // F6: the child loses its storage: the same ROVR gets the same address back.
    net.nodes[1] = Some(TestNode::new(config(1, NodeRole::Router), Store::new(), now).unwrap());
    assert!(net.run_until(5_000, joined));
    assert_eq!(net.node(1).address(), Some(addr("10")));
    assert_eq!(net.node(0).children().iter().count(), 1, "no slot leaked");
}

#[test]
fn clocks_near_the_u32_wrap_do_not_expire_everything() {
    // F11: the node clock is u64 milliseconds; start just below 2^32 ms and cross it.
    let start = u64::from(u32::MAX) - 2_000;
    let mut net = pair(Store::new(), start);
    assert!(net.run_until(5_000, joined));
    net.now = start + 10_000;
    net.pump();
    assert!(joined(&net));
    assert_eq!(
        net.node(0).children().next_hop(
            ChildKey {
                role: ChildRole::Router,
                index: 0
            },
            net.now
        ),
        Some(nb(1))
    );
}

#[test]
fn registrations_expire_into_quarantine() {
    // F9: a child that stops refreshing loses its binding at expiry; the index waits.
    let mut net = pair(Store::new(), 1_000);
    assert!(net.run_until(5_000, joined));
    net.nodes[1] = None;
    let key = ChildKey {
        role: ChildRole::Router,
        index: 0,
    };
    let now = net.now + 61 * 60_000;
    net.node_mut(0).handle_timeout(now);
    assert!(matches!(
        net.node(0).children().get(key).unwrap().state,
        SlotState::Quarantined { .. }
    ));
    assert_eq!(net.node(0).children().next_hop(key, now), None);
    let _ = LinkDst::External;
    let _: Option<LinkAddr> = None;
}

#[test]
fn a_retransmitted_registration_is_answered_again() {
    let mut r = root();
    let a = assigned(&request(&mut r, 1_000, 1, rovr(1), Role::Host));
    let (_, e) = register(&mut r, 1_100, 1, a, &earo(rovr(1), 240, 60));
    assert_eq!(e.unwrap().status, 0);
    // The NA was lost; the joiner sends the same TID again.
    let commits = r.stats().nvm_commits;
    let (_, e) = register(&mut r, 1_200, 1, a, &earo(rovr(1), 240, 60));
    assert_eq!(e.unwrap().status, 0);
    assert_eq!(
        r.stats().nvm_commits,
        commits,
        "nothing changed, nothing committed"
    );
    // A newer TID (a refresh) changes the stored TID, so it is committed (replays stay stale
    // across a reboot).
    let (_, e) = register(&mut r, 1_300, 1, a, &earo(rovr(1), 241, 60));
    assert_eq!(e.unwrap().status, 0);
    assert_eq!(r.stats().nvm_commits, commits + 1);
}

#[test]
fn a_known_rovr_asking_from_another_neighbour_does_not_move_the_binding() {
    let mut r = root();
    let a = assigned(&request(&mut r, 1_000, 1, rovr(1), Role::Host));
    register(&mut r, 1_100, 1, a, &earo(rovr(1), 240, 60));
    let key = ChildKey {
        role: ChildRole::Host,
        index: 0,
    };
    // Neighbour 9 replays rovr(1) in an NS(GAAO): same address in the answer, binding kept.
    let g = request(&mut r, 1_200, 9, rovr(1), Role::Host);
    assert_eq!(assigned(&g), a);
    assert_eq!(r.children().next_hop(key, 1_300), Some(nb(1)));
    // And an old TID from there is still stale.
    let (v, _) = register(&mut r, 1_300, 9, a, &earo(rovr(1), 240, 60));
    assert_eq!(v.action, Action::Drop(DropReason::RegStale));
    assert_eq!(r.children().next_hop(key, 1_400), Some(nb(1)));
}

#[test]
fn nd_for_someone_else_or_with_a_foreign_sllao_is_discarded() {
    let mut r = root();
    // An SLLAO naming another link-layer address than the sender's (cap evasion, A1).
    let opts = ns_gaao_opts(5, &gaao_request(rovr(1), 0), Role::Host);
    let f = nd_frame(1, 0, 255, ns(link_local(&mac(1))), &opts);
    assert_eq!(
        feed(&mut r, 0, 1, &f).0.action,
        Action::Drop(DropReason::NdInvalid)
    );
    // An NS addressed to another node's link-local address.
    let opts = ns_gaao_opts(1, &gaao_request(rovr(1), 0), Role::Host);
    let f = nd_frame_with(1, 5, 255, ns(link_local(&mac(1))), &opts, false);
    let v = r.receive(0, &rx(nb(1), false, &f));
    assert_eq!(v.action, Action::Drop(DropReason::NdUnexpected));
    assert_eq!(r.children().iter().count(), 0);
}

#[test]
fn a_full_registrar_withholds_its_ra_and_a_refused_joiner_avoids_it() {
    let mut r: Node<MemStore<4096>, 1> =
        Node::new(config(0, NodeRole::Root), MemStore::new(), 0).unwrap();
    let rs = |i: usize, role: Role| {
        let (src, dst) = (link_local(&mac(i)), pasa_router::control::ALL_ROUTERS);
        let pkt = nd_packet(src, dst, 255, NdKind::RouterSolicit, &sllao_cio(i, role));
        lowpan(&pkt, LinkAddrs::default())
    };
    let v = r.receive(0, &rx(nb(1), true, &rs(1, Role::Host)));
    assert!(matches!(v.action, Action::Send(LinkDst::Neighbor(_))));
    request(&mut r, 0, 1, rovr(1), Role::Host);
    // The one host slot is taken: no RA for another host, but still one for a router.
    let v = r.receive(0, &rx(nb(2), true, &rs(2, Role::Host)));
    assert_eq!(v.action, Action::Consumed);
    assert_eq!(r.stats().ra_withheld, 1);
    let v = r.receive(0, &rx(nb(3), true, &rs(3, Role::Router)));
    assert!(matches!(v.action, Action::Send(_)));
}

#[test]
fn expiry_is_persisted_so_a_reboot_does_not_revive_dead_children() {
    let mut net = pair(Store::new(), 1_000);
    assert!(net.run_until(5_000, joined));
    net.nodes[1] = None;
    let now = net.now + 61 * 60_000;
    net.node_mut(0).handle_timeout(now);
    let store = net.nodes[0].take().unwrap().into_store();
    let r = TestNode::new(config(0, NodeRole::Root), store, now).unwrap();
    let key = ChildKey {
        role: ChildRole::Router,
        index: 0,
    };
    assert!(matches!(
        r.children().get(key).unwrap().state,
        SlotState::Quarantined { .. }
    ));
    assert_eq!(r.children().next_hop(key, now + 1), None);
}

/// An ND frame with an arbitrary IPv6 source, addresses inline.
fn nd_frame_src(src: Ipv6Addr, to: usize, kind: NdKind, options: &[u8]) -> Vec<u8> {
    let dst = link_local(&mac(to));
    lowpan(
        &nd_packet(src, dst, 255, kind, options),
        LinkAddrs::default(),
    )
}

#[test]
fn nd_from_non_link_local_or_unspecified_sources_is_discarded() {
    // B59: an RA from a global address, to a soliciting joiner.
    let mut j = TestNode::new(config(1, NodeRole::Host), Store::new(), 0).unwrap();
    let o = sllao_cio(0, Role::Root);
    let ra = ra_kind(1800);
    let f = nd_frame_src("2001:db8::1".parse().unwrap(), 1, ra, &o);
    let v = j.receive(0, &rx(nb(0), false, &f));
    assert_eq!(v.action, Action::Drop(DropReason::NdInvalid));
    assert!(matches!(j.join_state(), JoinState::Soliciting { .. }));
    // The same RA from the link-local address is taken.
    let f = nd_frame_src(link_local(&mac(0)), 1, ra, &o);
    let v = j.receive(0, &rx(nb(0), false, &f));
    assert_eq!(v.action, Action::Consumed);
    assert!(matches!(j.join_state(), JoinState::Requesting { .. }));
    // B52: an NS from the unspecified address carrying an SLLAO.
    let mut r = root();
    let f = nd_frame_src(
        Ipv6Addr::UNSPECIFIED,
        0,
        ns(link_local(&mac(1))),
        &ns_gaao_opts(1, &gaao_request(rovr(1), 0), Role::Host),
    );
    let v = r.receive(0, &rx(nb(1), false, &f));
    assert_eq!(v.action, Action::Drop(DropReason::NdInvalid));
    assert_eq!(r.children().iter().count(), 0);
}

#[test]
fn emit_refuses_short_buffers_and_stale_verdicts() {
    use pasa_router::EmitError;
    let mut r = root();
    let f1 = nd_frame(
        1,
        0,
        255,
        ns(link_local(&mac(1))),
        &ns_gaao_opts(1, &gaao_request(rovr(1), 0), Role::Host),
    );
    let v1 = r.receive(0, &rx(nb(1), false, &f1));
    let mut short = vec![0u8; v1.len - 1];
    assert_eq!(
        r.emit(&v1, &f1, &mut short),
        Err(EmitError::Buffer {
            needed: v1.len,
            got: v1.len - 1
        })
    );
    // A second answer replaces the first: the first verdict is stale now.
    let f2 = nd_frame(
        2,
        0,
        255,
        ns(link_local(&mac(2))),
        &ns_gaao_opts(2, &gaao_request(rovr(2), 0), Role::Host),
    );
    let v2 = r.receive(0, &rx(nb(2), false, &f2));
    let mut out = vec![0u8; 256];
    assert_eq!(r.emit(&v1, &f1, &mut out), Err(EmitError::Stale));
    assert_eq!(r.emit(&v2, &f2, &mut out), Ok(v2.len));
}

#[test]
fn a_new_router_announces_itself_and_never_takes_a_child_as_parent() {
    // Root 0, router 1 under it, host 2 under router 1. Without the root, router 1 cannot
    // join, and the host's RS back-off grows (1, 2, 4, 8 s...).
    let mut net = Net::new(vec![None, Some(0), Some(1)]);
    net.nodes[1] = Some(TestNode::new(config(1, NodeRole::Router), Store::new(), net.now).unwrap());
    net.nodes[2] = Some(TestNode::new(config(2, NodeRole::Host), Store::new(), net.now).unwrap());
    net.run_until(9_000, |_| false);
    let JoinState::Soliciting { next_at } = net.node(2).join_state() else {
        panic!("soliciting")
    };
    assert!(
        next_at > net.now + 2_000,
        "the host waits out a long back-off"
    );
    // The root comes up; router 1 joins (at its next RS) and announces itself: the host
    // starts at once instead of at its own next RS.
    net.nodes[0] = Some(root());
    assert!(net.run_until(20_000, |n| matches!(
        n.node(1).join_state(),
        JoinState::Joined { .. }
    )));
    let JoinState::Soliciting { next_at } = net.node(2).join_state() else {
        panic!("soliciting")
    };
    let t1 = net.now;
    assert!(net.run_until(20_000, |n| matches!(
        n.node(2).join_state(),
        JoinState::Joined { .. }
    )));
    assert!(net.now < next_at, "joined before its next RS was due");
    assert!(
        net.now - t1 <= 1_000,
        "joined {} ms after its parent",
        net.now - t1
    );
    assert_eq!(net.node(2).address(), Some(addr("101")));
    // An RA from a node in our own subtree is never taken: router 1 loses its address and
    // solicits; its child (which still believes in its address) must not become its parent.
    let ra = ra_kind(1800);
    let o = sllao_cio(2, Role::Router);
    net.nodes[0] = None;
    let end = net.now + 4 * 3_600_000;
    net.run_until(end, |n| n.node(1).address().is_none());
    assert!(matches!(
        net.node(1).join_state(),
        JoinState::Soliciting { .. }
    ));
    let f = nd_frame(2, 1, 255, ra, &o);
    let now = net.now;
    let v = net.node_mut(1).receive(now, &rx(nb(2), false, &f));
    assert_eq!(v.action, Action::Drop(DropReason::NdUnexpected));
    assert!(matches!(
        net.node(1).join_state(),
        JoinState::Soliciting { .. }
    ));
}
