//! Batched Ethernet I/O on Linux: one `AF_PACKET` socket per link, bound to EtherType 0xA0ED,
//! read with `recvmmsg` and written with `sendmmsg`, up to [`BATCH`] frames per system call,
//! from the event loop's own thread.
//!
//! Why not pnet here: pnet's channel costs a `poll` and a `recvfrom` per frame received and a
//! `poll` and a `sendto` per frame sent, and needs a reader thread (plus a hand-off) per link.
//! At forwarding rates that is most of the cost of a frame. pnet stays the portable path
//! (`io = "pnet"` on a link, and interface discovery); this module is the fast one, and the
//! only `unsafe` of the process: four system calls, each with its SAFETY argument.
//!
//! Binding to EtherType 0xA0ED (not `ETH_P_ALL`) makes the kernel hand this socket only LoWPAN
//! frames, and not the frames it sends itself.
//!
//! Receiving goes through a `TPACKET_V3` ring ([`RxRing`]) when the kernel offers one: the
//! kernel copies each frame into a block of memory shared with this process and hands over
//! whole blocks, so there is no per-frame socket queueing and no `recvmmsg` copy. Under a flood
//! that is the difference between forwarding and spending the CPU queueing frames that are then
//! dropped. Sending skips the qdisc layer (`PACKET_QDISC_BYPASS`), as a router has no queueing
//! discipline of its own to honour on these links.

#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// Frames moved per system call at most.
pub(crate) const BATCH: usize = 64;
/// Largest frame received.
pub(crate) const FRAME_MAX: usize = 2048;

/// An `AF_PACKET` socket on one interface.
pub(crate) struct PacketSocket {
    fd: OwnedFd,
    ifindex: i32,
    protocol: u16,
}

/// Receive buffers for one batch.
pub(crate) struct RxBatch {
    bufs: Vec<[u8; FRAME_MAX]>,
    lens: [usize; BATCH],
    n: usize,
}

impl RxBatch {
    /// Empty buffers for [`BATCH`] frames.
    pub(crate) fn new() -> Self {
        Self {
            bufs: vec![[0u8; FRAME_MAX]; BATCH],
            lens: [0; BATCH],
            n: 0,
        }
    }

    /// The frames of the last receive.
    pub(crate) fn frames(&self) -> impl Iterator<Item = &[u8]> {
        self.bufs
            .iter()
            .zip(self.lens.iter())
            .take(self.n)
            .map(|(b, &l)| b.get(..l).unwrap_or(&[]))
    }
}

fn ifindex(name: &str) -> io::Result<i32> {
    let idx = nix::net::if_::if_nametoindex(name)
        .map_err(|e| io::Error::other(format!("no interface \"{name}\": {e}")))?;
    i32::try_from(idx).map_err(|_| io::Error::other("interface index out of range"))
}

impl PacketSocket {
    /// A non-blocking socket on interface `name` for EtherType `protocol`.
    pub(crate) fn open(name: &str, protocol: u16) -> io::Result<Self> {
        let ifindex = ifindex(name)?;
        let proto_be = i32::from(protocol.to_be());
        // SAFETY: socket(2) with constant arguments; the result is checked before use and
        // owned by exactly one OwnedFd.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                proto_be,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let s = Self {
            fd,
            ifindex,
            protocol,
        };
        // Best effort: a kernel without it only queues through the qdisc.
        let _ = s.set_int(libc::SOL_PACKET, 20 /* PACKET_QDISC_BYPASS */, 1);
        let sll = s.sockaddr(&[0; 6]);
        // SAFETY: `sll` is a valid sockaddr_ll that lives across the call; the length passed
        // is its size.
        let r = unsafe {
            libc::bind(
                s.fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(s)
    }

    fn set_int(&self, level: i32, name: i32, value: i32) -> io::Result<()> {
        // SAFETY: setsockopt(2) reads `size_of::<i32>()` octets from a live i32.
        let r = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&value as *const i32).cast(),
                size_of::<i32>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn sockaddr(&self, dst: &[u8; 6]) -> libc::sockaddr_ll {
        let mut addr = [0u8; 8];
        addr[..6].copy_from_slice(dst);
        libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: self.protocol.to_be(),
            sll_ifindex: self.ifindex,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 6,
            sll_addr: addr,
        }
    }

    /// Receives up to [`BATCH`] frames without waiting; returns how many (0: none waiting).
    pub(crate) fn recv_batch(&self, b: &mut RxBatch) -> io::Result<usize> {
        let mut iov: [libc::iovec; BATCH] = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; BATCH];
        // SAFETY: mmsghdr is plain data; all-zero is a valid value (null pointers, zero
        // lengths), filled in below.
        let mut msgs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        for ((v, m), buf) in iov.iter_mut().zip(msgs.iter_mut()).zip(b.bufs.iter_mut()) {
            v.iov_base = buf.as_mut_ptr().cast();
            v.iov_len = FRAME_MAX;
            m.msg_hdr.msg_iov = v;
            m.msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: every msghdr points at one iovec, which points at a FRAME_MAX buffer owned
        // by `b`; iov, msgs and the buffers outlive the call, and the kernel writes at most
        // iov_len octets into each.
        let n = unsafe {
            libc::recvmmsg(
                self.fd.as_raw_fd(),
                msgs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            b.n = 0;
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(e),
            };
        }
        let n = usize::try_from(n).unwrap_or(0).min(BATCH);
        for (l, m) in b.lens.iter_mut().zip(msgs.iter()).take(n) {
            *l = (m.msg_len as usize).min(FRAME_MAX);
        }
        b.n = n;
        Ok(n)
    }

    /// Sends whole Ethernet frames (header included), as many per call as possible; returns
    /// how many were sent (the rest met a full queue or an error).
    pub(crate) fn send_batch(&self, frames: &[&[u8]]) -> io::Result<usize> {
        let mut sent = 0;
        for chunk in frames.chunks(BATCH) {
            let mut iov: [libc::iovec; BATCH] = [libc::iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: 0,
            }; BATCH];
            // SAFETY: as in recv_batch: all-zero mmsghdrs are valid and filled in below.
            let mut msgs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
            for ((v, m), f) in iov.iter_mut().zip(msgs.iter_mut()).zip(chunk) {
                v.iov_base = f.as_ptr() as *mut libc::c_void;
                v.iov_len = f.len();
                m.msg_hdr.msg_iov = v;
                m.msg_hdr.msg_iovlen = 1;
            }
            // SAFETY: each msghdr points at one iovec describing a frame the caller lends
            // for the duration of the call; the kernel only reads them. The socket is bound,
            // so no destination address is needed (the frames carry their MACs).
            let n = unsafe {
                libc::sendmmsg(
                    self.fd.as_raw_fd(),
                    msgs.as_mut_ptr(),
                    chunk.len() as libc::c_uint,
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                return match e.kind() {
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(sent),
                    _ if sent > 0 => Ok(sent),
                    _ => Err(e),
                };
            }
            let n = usize::try_from(n).unwrap_or(0);
            sent += n;
            if n < chunk.len() {
                break;
            }
        }
        Ok(sent)
    }
}

/// A `TPACKET_V3` receive ring mapped from a [`PacketSocket`].
pub(crate) struct RxRing {
    map: *mut u8,
    len: usize,
    block_size: usize,
    blocks: usize,
    next: usize,
}

/// Ring geometry: 512 blocks of 8 KiB (4 MiB per link), a block handed over after at most
/// 1 ms even when not full. At low rates most blocks leave with a frame or two in them, so
/// the ring's capacity is counted in milliseconds as much as in frames: with 64 blocks of
/// 64 KiB a router descheduled for 64 ms lost a burst of frames (seen in the lab's 10,000
/// datagram test, 2 cores shared by 17 processes); 512 blocks hold half a second.
const RING_BLOCK: usize = 1 << 13;
const RING_BLOCKS: usize = 512;
const RING_FRAME: usize = 2048;
const RING_RETIRE_MS: u32 = 1;

impl RxRing {
    /// Switches `sock` to `TPACKET_V3` and maps its receive ring.
    pub(crate) fn new(sock: &PacketSocket) -> io::Result<Self> {
        sock.set_int(
            libc::SOL_PACKET,
            10, /* PACKET_VERSION */
            2,  /* TPACKET_V3 */
        )?;
        let req = [
            RING_BLOCK as u32,
            RING_BLOCKS as u32,
            RING_FRAME as u32,
            (RING_BLOCK / RING_FRAME * RING_BLOCKS) as u32,
            RING_RETIRE_MS,
            0,
            0,
        ];
        // SAFETY: `req` has the layout of struct tpacket_req3 (seven unsigned ints) and lives
        // across the call; the kernel only reads it.
        let r = unsafe {
            libc::setsockopt(
                sock.fd.as_raw_fd(),
                libc::SOL_PACKET,
                5, /* PACKET_RX_RING */
                req.as_ptr().cast(),
                size_of_val(&req) as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        let len = RING_BLOCK * RING_BLOCKS;
        // SAFETY: maps the ring the kernel just allocated for this socket, at its full size;
        // the result is checked, and unmapped exactly once in Drop.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                sock.fd.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Self {
            map: map.cast(),
            len,
            block_size: RING_BLOCK,
            blocks: RING_BLOCKS,
            next: 0,
        })
    }

    /// Hands every frame of the next block the kernel has filled to `f`, then gives the block
    /// back; returns how many frames (0 when the next block is not ready).
    pub(crate) fn next_block(&mut self, mut f: impl FnMut(&[u8])) -> usize {
        let base = self.next * self.block_size;
        // SAFETY: `base` is the start of block `next` (< blocks) inside the mapping; the
        // block descriptor's fields are read at their tpacket_block_desc offsets (status at 8,
        // packet count at 12, first packet at 16), all inside the block. The status is read
        // volatile with an acquire fence, as the kernel writes it last.
        let block = unsafe { self.map.add(base) };
        let status = unsafe { std::ptr::read_volatile(block.add(8).cast::<u32>()) };
        if status & 1 == 0 {
            // TP_STATUS_KERNEL: the kernel still owns it.
            return 0;
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        let (num, first) = unsafe {
            (
                std::ptr::read_volatile(block.add(12).cast::<u32>()) as usize,
                std::ptr::read_volatile(block.add(16).cast::<u32>()) as usize,
            )
        };
        let mut off = first;
        for _ in 0..num {
            // Every offset the kernel gave is checked to stay inside the block before use.
            if off + 28 > self.block_size {
                break;
            }
            // SAFETY: `off + 28 <= block_size`: the tpacket3_hdr fields read here (next
            // offset at 0, snaplen at 12, mac offset at 24) are inside the block.
            let (next, snaplen, mac) = unsafe {
                let h = block.add(off);
                (
                    std::ptr::read_unaligned(h.cast::<u32>()) as usize,
                    std::ptr::read_unaligned(h.add(12).cast::<u32>()) as usize,
                    std::ptr::read_unaligned(h.add(24).cast::<u16>()) as usize,
                )
            };
            let start = off + mac;
            if start + snaplen > self.block_size {
                break;
            }
            // SAFETY: [start, start + snaplen) is inside this block, which this process owns
            // until its status is written back below.
            let frame = unsafe { std::slice::from_raw_parts(block.add(start), snaplen) };
            f(frame);
            if next == 0 {
                break;
            }
            off += next;
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        // SAFETY: the status word of this block; writing TP_STATUS_KERNEL gives it back.
        unsafe { std::ptr::write_volatile(block.add(8).cast::<u32>(), 0) };
        self.next = (self.next + 1) % self.blocks;
        num
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.map.cast(), self.len) };
    }
}

impl AsFd for PacketSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
