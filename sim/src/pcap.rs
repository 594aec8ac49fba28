//! A classic pcap writer (the libpcap file format, magic `0xA1B2C3D4`, microsecond
//! timestamps) for the frames the simulator moves, so that Wireshark/tshark can show them.
//!
//! Written by hand rather than with a crate: the format is a 24-octet file header and a
//! 16-octet record header in front of each packet, and owning those 40 octets keeps the output
//! exact (byte order, snap length, no padding, no extra blocks) and adds no dependency.
//!
//! Two link types:
//!
//! - [`PcapWriter::ethernet`] (`LINKTYPE_ETHERNET` = 1): each LoWPAN frame is wrapped in an
//!   Ethernet II header with EtherType [`ETHERTYPE_LOWPAN`] (0xA0ED, RFC 7973). No padding and
//!   no FCS: software links don't pad (SPEC.md §5), and padding would change the lengths that
//!   IPHC takes from the frame.
//! - [`PcapWriter::raw_ipv6`] (`LINKTYPE_IPV6` = 229): native IPv6 packets, e.g. what a root
//!   sends out of the domain or delivers to a local stack.
//!
//! Files are written in the host's little-endian form (the magic number tells readers which);
//! every field below is written little-endian.
//!
//! ```text
//! file header (24)   magic A1B2C3D4 | version 2.4 | thiszone 0 | sigfigs 0 | snaplen | linktype
//! record header (16) ts_sec | ts_usec | incl_len | orig_len
//! ```

use std::io::{self, Write};

pub use pasa_addrcodec::pcap::{
    FILE_HEADER_LEN, LINKTYPE_ETHERNET, LINKTYPE_IPV6, RECORD_HEADER_LEN, SNAPLEN,
};
pub use pasa_addrcodec::wire::ethernet::{ETHERTYPE_LOWPAN, HEADER_LEN as ETHERNET_HEADER_LEN};

/// Writes a pcap file of one link type into `W`.
///
/// The file header is written by the constructor; each `write_*` call appends one record.
/// Nothing is buffered here: wrap `W` in a [`io::BufWriter`] for many small records.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    w: W,
    linktype: u32,
}

impl<W: Write> PcapWriter<W> {
    /// A writer of Ethernet frames (`LINKTYPE_ETHERNET`), for [`write_lowpan`](Self::write_lowpan).
    pub fn ethernet(w: W) -> io::Result<Self> {
        Self::new(w, LINKTYPE_ETHERNET)
    }

    /// A writer of raw IPv6 packets (`LINKTYPE_IPV6`), for [`write_ipv6`](Self::write_ipv6).
    pub fn raw_ipv6(w: W) -> io::Result<Self> {
        Self::new(w, LINKTYPE_IPV6)
    }

    fn new(mut w: W, linktype: u32) -> io::Result<Self> {
        w.write_all(&pasa_addrcodec::pcap::file_header(linktype))?;
        Ok(Self { w, linktype })
    }

    /// The link type written in the file header.
    pub fn linktype(&self) -> u32 {
        self.linktype
    }

    /// Appends a LoWPAN frame (dispatch onwards) at `ts_us` microseconds, wrapped in an
    /// Ethernet II header `dst_mac | src_mac | 0xA0ED`. Only on an [`ethernet`](Self::ethernet)
    /// writer.
    pub fn write_lowpan(
        &mut self,
        ts_us: u64,
        dst_mac: &[u8; 6],
        src_mac: &[u8; 6],
        frame: &[u8],
    ) -> io::Result<()> {
        self.expect_linktype(LINKTYPE_ETHERNET, "write_lowpan")?;
        let mut eth = [0u8; ETHERNET_HEADER_LEN];
        let _ = pasa_addrcodec::wire::ethernet::write_header(
            &mut eth,
            dst_mac,
            src_mac,
            ETHERTYPE_LOWPAN,
        );
        self.record(ts_us, &eth, frame)
    }

    /// Appends a native IPv6 packet at `ts_us` microseconds. Only on a
    /// [`raw_ipv6`](Self::raw_ipv6) writer.
    pub fn write_ipv6(&mut self, ts_us: u64, packet: &[u8]) -> io::Result<()> {
        self.expect_linktype(LINKTYPE_IPV6, "write_ipv6")?;
        self.record(ts_us, &[], packet)
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }

    fn expect_linktype(&self, want: u32, call: &str) -> io::Result<()> {
        if self.linktype == want {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "pcap: {call} needs link type {want}, this file has link type {}",
                    self.linktype
                ),
            ))
        }
    }

    /// One record: the header, then `head` and `body` back to back.
    fn record(&mut self, ts_us: u64, head: &[u8], body: &[u8]) -> io::Result<()> {
        let len = head.len() + body.len();
        let len32 = u32::try_from(len)
            .ok()
            .filter(|&l| l <= SNAPLEN)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "pcap: a record of {len} octets is longer than the snap length {SNAPLEN}"
                    ),
                )
            })?;
        let sec = u32::try_from(ts_us / 1_000_000).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("pcap: timestamp {ts_us} us does not fit the 32-bit seconds field"),
            )
        })?;
        // < 1_000_000, so it fits.
        let usec = (ts_us % 1_000_000) as u32;
        self.w.write_all(&pasa_addrcodec::pcap::record_header(
            sec, usec, len32, len32,
        ))?;
        self.w.write_all(head)?;
        self.w.write_all(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC.md §8.4: the intra-domain frame 1011 -> 101011.
    static BYTES_FRAME_8_4: [u8; 23] = [
        0xF1, 0x80, 0x50, 0x2B, 0x7C, 0x57, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B,
        0xF3, 0x12, 0x1F, 0x47, 0x50, 0x41, 0x53, 0x41,
    ];

    /// SPEC.md §8.4, "Over Ethernet": the MACs of the example.
    const DST_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0A];
    const SRC_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0B];

    #[test]
    fn ethernet_file_header_is_exact() {
        let w = PcapWriter::ethernet(Vec::new()).unwrap();
        assert_eq!(w.linktype(), LINKTYPE_ETHERNET);
        assert_eq!(
            w.into_inner().unwrap(),
            [
                0xD4, 0xC3, 0xB2, 0xA1, // magic, little-endian
                0x02, 0x00, 0x04, 0x00, // version 2.4
                0x00, 0x00, 0x00, 0x00, // thiszone
                0x00, 0x00, 0x00, 0x00, // sigfigs
                0xFF, 0xFF, 0x00, 0x00, // snaplen 65535
                0x01, 0x00, 0x00, 0x00, // LINKTYPE_ETHERNET
            ]
        );
    }

    #[test]
    fn raw_ipv6_file_header_is_exact() {
        let out = PcapWriter::raw_ipv6(Vec::new())
            .unwrap()
            .into_inner()
            .unwrap();
        assert_eq!(out.len(), FILE_HEADER_LEN);
        assert_eq!(
            out[..20],
            [
                0xD4, 0xC3, 0xB2, 0xA1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF,
                0x00, 0x00
            ]
        );
        assert_eq!(out[20..], [229, 0, 0, 0]);
    }

    #[test]
    fn lowpan_record_is_header_ethernet_then_frame() {
        let mut w = PcapWriter::ethernet(Vec::new()).unwrap();
        w.write_lowpan(1_700_000_000_123_456, &DST_MAC, &SRC_MAC, &BYTES_FRAME_8_4)
            .unwrap();
        let out = w.into_inner().unwrap();
        let rec = &out[FILE_HEADER_LEN..];
        assert_eq!(rec.len(), RECORD_HEADER_LEN + 37);
        // 1_700_000_000 s = 0x6553F100, 123_456 us = 0x0001E240; 37 octets captured and on the wire.
        assert_eq!(
            rec[..RECORD_HEADER_LEN],
            [
                0x00, 0xF1, 0x53, 0x65, 0x40, 0xE2, 0x01, 0x00, 37, 0, 0, 0, 37, 0, 0, 0
            ]
        );
        // SPEC.md §8.4 "Over Ethernet": 02 00 00 00 00 0A 02 00 00 00 00 0B A0 ED F1 80 50 2B ...
        assert_eq!(
            rec[16..32],
            [
                0x02, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0B, 0xA0, 0xED,
                0xF1, 0x80
            ]
        );
        assert_eq!(rec[30..], BYTES_FRAME_8_4);
    }

    #[test]
    fn timestamp_splits_into_seconds_and_microseconds() {
        for (ts_us, sec, usec) in [
            (0u64, 0u32, 0u32),
            (999_999, 0, 999_999),
            (1_000_000, 1, 0),
            (2_500_001, 2, 500_001),
            (u64::from(u32::MAX) * 1_000_000 + 999_999, u32::MAX, 999_999),
        ] {
            let mut w = PcapWriter::raw_ipv6(Vec::new()).unwrap();
            w.write_ipv6(ts_us, &[0x60]).unwrap();
            let out = w.into_inner().unwrap();
            let rec = &out[FILE_HEADER_LEN..];
            assert_eq!(rec[0..4], sec.to_le_bytes(), "{ts_us}");
            assert_eq!(rec[4..8], usec.to_le_bytes(), "{ts_us}");
        }
    }

    #[test]
    fn refuses_a_timestamp_past_32_bit_seconds() {
        let mut w = PcapWriter::raw_ipv6(Vec::new()).unwrap();
        let err = w
            .write_ipv6((u64::from(u32::MAX) + 1) * 1_000_000, &[0x60])
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // Nothing half-written.
        assert_eq!(w.into_inner().unwrap().len(), FILE_HEADER_LEN);
    }

    #[test]
    fn ipv6_records_follow_each_other_without_padding() {
        let mut w = PcapWriter::raw_ipv6(Vec::new()).unwrap();
        w.write_ipv6(1, &[1, 2, 3]).unwrap();
        w.write_ipv6(2, &[4]).unwrap();
        let out = w.into_inner().unwrap();
        assert_eq!(
            out[FILE_HEADER_LEN..],
            [
                0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3, //
                0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4,
            ]
        );
    }

    #[test]
    fn refuses_a_record_longer_than_the_snap_length() {
        let mut w = PcapWriter::ethernet(Vec::new()).unwrap();
        let big = vec![0u8; SNAPLEN as usize - ETHERNET_HEADER_LEN + 1];
        let err = w.write_lowpan(0, &DST_MAC, &SRC_MAC, &big).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let fits = &big[1..];
        w.write_lowpan(0, &DST_MAC, &SRC_MAC, fits).unwrap();
        let out = w.into_inner().unwrap();
        assert_eq!(
            out.len(),
            FILE_HEADER_LEN + RECORD_HEADER_LEN + SNAPLEN as usize
        );
    }

    #[test]
    fn refuses_the_other_link_type() {
        let mut eth = PcapWriter::ethernet(Vec::new()).unwrap();
        assert_eq!(
            eth.write_ipv6(0, &[0x60]).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let mut raw = PcapWriter::raw_ipv6(Vec::new()).unwrap();
        assert_eq!(
            raw.write_lowpan(0, &DST_MAC, &SRC_MAC, &[0x7C])
                .unwrap_err()
                .kind(),
            io::ErrorKind::InvalidInput
        );
        assert_eq!(eth.into_inner().unwrap().len(), FILE_HEADER_LEN);
        assert_eq!(raw.into_inner().unwrap().len(), FILE_HEADER_LEN);
    }

    /// A writer whose `write` fails after `budget` octets, to see errors pass through.
    #[derive(Debug)]
    struct Short {
        budget: usize,
    }

    impl Write for Short {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.budget == 0 {
                return Err(io::Error::other("full"));
            }
            let n = buf.len().min(self.budget);
            self.budget -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn passes_writer_errors_through() {
        assert_eq!(
            PcapWriter::ethernet(Short { budget: 23 })
                .unwrap_err()
                .to_string(),
            "full"
        );
        let mut w = PcapWriter::ethernet(Short {
            budget: FILE_HEADER_LEN + 10,
        })
        .unwrap();
        assert_eq!(
            w.write_lowpan(0, &DST_MAC, &SRC_MAC, &BYTES_FRAME_8_4)
                .unwrap_err()
                .to_string(),
            "full"
        );
    }
}
