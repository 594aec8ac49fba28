//! A pcap capture of what the process sends and receives, for Wireshark and tshark.
//!
//! Classic pcap (not pcapng), link type Ethernet, microsecond timestamps:
//!
//! ```text
//!  global header (24): magic a1b2c3d4 | version 2.4 | thiszone 0 | sigfigs 0 | snaplen | linktype 1
//!  per record (16):    ts_sec | ts_usec | captured length | original length | captured octets
//! ```
//!
//! all fields in the writer's byte order (little-endian here; readers detect it from the magic).
//!
//! Written by hand: the format is those 40 octets of headers, while the pcap crates either bind
//! libpcap (a C library to link and ship) or are large parsers with dependencies of their own.
//!
//! Every frame goes into the file in the Ethernet form it has on an Ethernet link, so one
//! capture shows all links alike: frames of Ethernet and serial (SLIP) links as they are, and
//! native IPv6 packets of the TUN device behind a synthetic Ethernet header (see
//! [`PcapWriter::write_ipv6`]). Each record is handed to the OS in one `write` as soon as it is
//! made, so a crash of the process loses no record (a power loss may: there is no fsync).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Largest number of octets captured per record; longer frames are cut (their original
/// length is still recorded).
pub(crate) use pasa_addrcodec::pcap::SNAPLEN;
use pasa_addrcodec::pcap::{LINKTYPE_ETHERNET, RECORD_HEADER_LEN, file_header, record_header};

/// Destination MAC of the synthetic Ethernet header around TUN packets: locally administered
/// (second bit of the first octet), unicast, and not used by any real interface of ours.
pub(crate) const TUN_DST_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
/// Source MAC of the synthetic Ethernet header around TUN packets.
pub(crate) const TUN_SRC_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
/// EtherType of IPv6, in the synthetic Ethernet header around TUN packets.
const ETHERTYPE_IPV6: [u8; 2] = [0x86, 0xDD];

/// Writes a pcap file, one record per frame.
#[derive(Debug)]
pub(crate) struct PcapWriter {
    file: File,
    path: PathBuf,
    /// Record header and frame, assembled here so that each record is one write; reused.
    record: Vec<u8>,
}

impl PcapWriter {
    /// Creates (or truncates) the capture file at `path` and writes the global header.
    pub(crate) fn create(path: &Path) -> io::Result<Self> {
        let file = File::create(path).map_err(|e| context(e, "creating capture", path))?;
        let mut w = Self {
            file,
            path: path.to_path_buf(),
            record: Vec::new(),
        };
        w.record.extend_from_slice(&file_header(LINKTYPE_ETHERNET));
        w.flush_record()?;
        Ok(w)
    }

    /// Appends an Ethernet frame (destination MAC, source MAC, EtherType, payload; no FCS) as
    /// sent or received on an Ethernet or serial link.
    pub(crate) fn write_eth(&mut self, frame: &[u8]) -> io::Result<()> {
        self.start_record(frame.len());
        self.push_captured(frame);
        self.flush_record()
    }

    /// Appends a native IPv6 packet read from or written to the TUN device, behind a synthetic
    /// Ethernet header ([`TUN_DST_MAC`], [`TUN_SRC_MAC`], EtherType 0x86DD) so that it sits in
    /// the same Ethernet capture as the link frames.
    pub(crate) fn write_ipv6(&mut self, packet: &[u8]) -> io::Result<()> {
        self.start_record(packet.len().saturating_add(14));
        self.push_captured(&TUN_DST_MAC);
        self.push_captured(&TUN_SRC_MAC);
        self.push_captured(&ETHERTYPE_IPV6);
        self.push_captured(packet);
        self.flush_record()
    }

    /// The capture file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a record for a frame of `orig_len` octets, of which the first [`SNAPLEN`] are
    /// captured (what [`PcapWriter::push_captured`] then appends).
    fn start_record(&mut self, orig_len: usize) {
        // A clock before 1970 is recorded as 1970; seconds wrap the u32 field in 2106.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let secs = u32::try_from(now.as_secs()).unwrap_or(u32::MAX);
        let orig_len = u32::try_from(orig_len).unwrap_or(u32::MAX);
        self.record.clear();
        self.record.extend_from_slice(&record_header(
            secs,
            now.subsec_micros(),
            orig_len.min(SNAPLEN),
            orig_len,
        ));
    }

    /// Appends captured octets, up to [`SNAPLEN`] per record.
    fn push_captured(&mut self, data: &[u8]) {
        let captured = self.record.len().saturating_sub(RECORD_HEADER_LEN);
        let room = (SNAPLEN as usize).saturating_sub(captured);
        let take = data.get(..room.min(data.len())).unwrap_or_default();
        self.record.extend_from_slice(take);
    }

    /// Hands the assembled octets to the OS in one write.
    fn flush_record(&mut self) -> io::Result<()> {
        self.file
            .write_all(&self.record)
            .map_err(|e| context(e, "writing capture", &self.path))
    }
}

/// `e` with what failed and the path in its message.
fn context(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("pasa-pcap-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The records of a capture: (ts_sec, ts_usec, incl_len, orig_len, octets).
    fn records(file: &[u8]) -> Vec<(u32, u32, u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut at = 24;
        while at < file.len() {
            let incl = u32_at(file, at + 8);
            let data = file[at + 16..at + 16 + incl as usize].to_vec();
            out.push((
                u32_at(file, at),
                u32_at(file, at + 4),
                incl,
                u32_at(file, at + 12),
                data,
            ));
            at += 16 + incl as usize;
        }
        assert_eq!(at, file.len(), "no trailing octets");
        out
    }

    #[test]
    fn writes_a_readable_ethernet_capture() {
        let dir = TempDir::new("readable");
        let path = dir.0.join("cap.pcap");
        // A frame of a PASA link: MACs, EtherType 0xA0ED, a LoWPAN frame.
        let eth: Vec<u8> = [[0x02, 0, 0, 0, 0, 0xAA], [0x02, 0, 0, 0, 0, 0xBB]]
            .concat()
            .into_iter()
            .chain([0xA0, 0xED, 0x7A, 0x33, 0x3A, 0x01])
            .collect();
        // An IPv6 header (no payload): version 6, hop limit 64, ::1 to ::1.
        let mut ipv6 = vec![0x60, 0, 0, 0, 0, 0, 59, 64];
        ipv6.extend_from_slice(&[0; 15]);
        ipv6.push(1);
        ipv6.extend_from_slice(&[0; 15]);
        ipv6.push(1);
        let big = vec![0x5A; SNAPLEN as usize + 100];

        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut w = PcapWriter::create(&path).unwrap();
        assert_eq!(w.path(), path);
        w.write_eth(&eth).unwrap();
        // Flushed per record: readable before the writer is dropped.
        let file = std::fs::read(&path).unwrap();
        assert_eq!(records(&file).len(), 1);
        w.write_ipv6(&ipv6).unwrap();
        w.write_eth(&big).unwrap();
        w.write_ipv6(&big).unwrap();
        w.write_eth(&[]).unwrap();
        drop(w);

        let file = std::fs::read(&path).unwrap();
        assert_eq!(
            file[..24],
            [
                0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0,
                0, 0
            ]
        );
        let recs = records(&file);
        assert_eq!(recs.len(), 5);
        let mut tun_ipv6 = [TUN_DST_MAC, TUN_SRC_MAC].concat();
        tun_ipv6.extend_from_slice(&[0x86, 0xDD]);
        tun_ipv6.extend_from_slice(&ipv6);
        let mut tun_big = [TUN_DST_MAC, TUN_SRC_MAC].concat();
        tun_big.extend_from_slice(&[0x86, 0xDD]);
        tun_big.extend_from_slice(&big[..SNAPLEN as usize - 14]);
        let want: [(u32, u32, &[u8]); 5] = [
            (eth.len() as u32, eth.len() as u32, &eth),
            (54, 54, &tun_ipv6),
            (SNAPLEN, SNAPLEN + 100, &big[..SNAPLEN as usize]),
            (SNAPLEN, SNAPLEN + 114, &tun_big),
            (0, 0, &[]),
        ];
        for (i, ((sec, usec, incl, orig, data), (w_incl, w_orig, w_data))) in
            recs.iter().zip(want).enumerate()
        {
            assert_eq!((*incl, *orig), (w_incl, w_orig), "record {i}");
            assert_eq!(data.as_slice(), w_data, "record {i}");
            assert!(*usec < 1_000_000, "record {i}");
            assert!(
                u64::from(*sec) >= before && u64::from(*sec) <= before + 60,
                "record {i}"
            );
        }

        // tshark as an independent reader, when it is installed.
        match Command::new("tshark")
            .args(["-r"])
            .arg(&path)
            .args(["-T", "fields", "-e", "eth.type"])
            .output()
        {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let types: Vec<String> = String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(str::to_owned)
                    .collect();
                assert_eq!(types, ["0xa0ed", "0x86dd", "0x5a5a", "0x86dd", ""]);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                eprintln!("tshark not installed; skipping the tshark check");
            }
            Err(e) => panic!("running tshark: {e}"),
        }
    }

    #[test]
    fn create_errors_name_the_path() {
        let dir = TempDir::new("missing");
        let path = dir.0.join("no-such-dir").join("cap.pcap");
        let err = PcapWriter::create(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(
            err.to_string()
                .starts_with(&format!("creating capture {}: ", path.display())),
            "{err}"
        );
    }
}
