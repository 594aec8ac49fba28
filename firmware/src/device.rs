//! The device smoltcp sees: native IPv6 packets (`Medium::Ip`) in two short queues. Below it
//! sits the PASA adaptation: the firmware puts in `rx` only what the router core delivered
//! to this node (decompressed), and hands whatever smoltcp leaves in `tx` to the core to
//! compress and route. Forwarded frames never come near this device.

use heapless::Deque;
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// Largest native IPv6 packet between the core and the local stack. The UART links carry
/// no 6LoWPAN fragments, so a packet must fit one frame once compressed; 400 octets is the
/// frame budget plus what compression saves.
pub const PACKET_MAX: usize = 400;

/// Packets waiting in each direction.
pub const QUEUE: usize = 2;

/// One native IPv6 packet.
#[derive(Clone)]
pub struct Packet {
    len: usize,
    buf: [u8; PACKET_MAX],
}

impl Packet {
    /// An empty packet of `len` octets (at most [`PACKET_MAX`]).
    pub fn zeroed(len: usize) -> Option<Self> {
        (len <= PACKET_MAX).then_some(Self {
            len,
            buf: [0; PACKET_MAX],
        })
    }

    /// Its octets.
    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Its octets, to fill.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.buf.get_mut(..self.len).unwrap_or(&mut [])
    }
}

/// The local stack's device.
pub struct PasaDevice {
    /// Delivered by the core, for smoltcp.
    pub rx: Deque<Packet, QUEUE>,
    /// Sent by smoltcp, for the core.
    pub tx: Deque<Packet, QUEUE>,
    /// Packets smoltcp sent that did not fit the queue or [`PACKET_MAX`].
    pub tx_dropped: u32,
}

impl PasaDevice {
    /// Empty queues.
    pub const fn new() -> Self {
        Self {
            rx: Deque::new(),
            tx: Deque::new(),
            tx_dropped: 0,
        }
    }
}

impl Default for PasaDevice {
    fn default() -> Self {
        Self::new()
    }
}

/// A received packet, moved out of the queue.
pub struct RxToken(Packet);

/// Room for one packet in the transmit queue.
pub struct TxToken<'a> {
    tx: &'a mut Deque<Packet, QUEUE>,
    dropped: &'a mut u32,
}

impl phy::RxToken for RxToken {
    fn consume<R, F>(self, f: F) -> R
    where
        F: FnOnce(&[u8]) -> R,
    {
        f(self.0.bytes())
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F>(self, len: usize, f: F) -> R
    where
        F: FnOnce(&mut [u8]) -> R,
    {
        match Packet::zeroed(len) {
            Some(mut p) => {
                let r = f(p.bytes_mut());
                if self.tx.push_back(p).is_err() {
                    *self.dropped = self.dropped.saturating_add(1);
                }
                r
            }
            None => {
                // Larger than the device takes: built into a scratch buffer and counted lost.
                let mut scratch = [0u8; PACKET_MAX];
                *self.dropped = self.dropped.saturating_add(1);
                let n = len.min(PACKET_MAX);
                f(scratch.get_mut(..n).unwrap_or(&mut []))
            }
        }
    }
}

impl phy::Device for PasaDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_>)> {
        if self.tx.is_full() {
            return None;
        }
        let p = self.rx.pop_front()?;
        Some((
            RxToken(p),
            TxToken {
                tx: &mut self.tx,
                dropped: &mut self.tx_dropped,
            },
        ))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        if self.tx.is_full() {
            return None;
        }
        Some(TxToken {
            tx: &mut self.tx,
            dropped: &mut self.tx_dropped,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ip;
        c.max_transmission_unit = PACKET_MAX;
        c.max_burst_size = Some(1);
        c
    }
}
