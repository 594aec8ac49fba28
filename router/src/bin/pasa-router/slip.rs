//! SLIP framing (RFC 1055) for the serial links: a std wrapper over
//! [`pasa_addrcodec::wire::slip`], which owns the codec (the firmware uses it too).
//!
//! A serial link carries, inside SLIP, exactly what an Ethernet link carries:
//!
//! ```text
//!  | dst MAC (6) | src MAC (6) | EtherType 0xA0ED (2) | LoWPAN frame |
//! ```
//!
//! with no FCS and no padding, so the rest of the process treats both link kinds alike once a
//! frame is out of its framing.
//!
//! What this adds to the codec is the process's shape of it: [`encode`] appends to a `Vec`,
//! [`Decoder::push`] takes a chunk as read and calls back per frame, and the frame limit is a
//! run-time value. The codec's semantics are unchanged (END on both sides, waiting for a first
//! END, empty frames skipped, bad escapes and oversize frames discarded and counted): see its
//! module documentation.

use pasa_addrcodec::wire::slip;

pub(crate) use slip::SlipErrors;

use crate::link::FRAME_MAX;

/// Appends `frame` to `out` as one SLIP frame: END, the escaped frame, END.
///
/// Grows `out` by exactly the encoded length, so `out` grows at most once per call and not at
/// all when the caller reuses it with enough capacity.
pub(crate) fn encode(frame: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start.saturating_add(slip::encoded_len(frame)), 0);
    // The tail is exactly `encoded_len` octets, so `encode` cannot fail; if it somehow did,
    // dropping the frame (as a lossy link would) beats sending a torn one.
    let written = out
        .get_mut(start..)
        .and_then(|tail| slip::encode(frame, tail).ok())
        .unwrap_or(0);
    out.truncate(start.saturating_add(written));
}

/// Stream decoder: feed it octets in chunks of any size; it calls back once per complete
/// non-empty frame.
#[derive(Debug, Clone)]
pub(crate) struct Decoder {
    /// Boxed: the buffer is [`FRAME_MAX`] octets, reserved once.
    inner: Box<slip::Decoder<FRAME_MAX>>,
    max_frame: usize,
    /// Frames the codec delivered that were longer than `max_frame` (only when `max_frame` is
    /// below [`FRAME_MAX`]; at `FRAME_MAX` the codec discards them itself).
    oversize: u64,
}

impl Decoder {
    /// A decoder that delivers frames of at most `max_frame` octets (after unescaping) and
    /// discards longer ones. It starts by discarding octets until the first END.
    ///
    /// The codec's buffer is [`FRAME_MAX`] octets, the largest frame a link reads; a larger
    /// `max_frame` is taken as `FRAME_MAX`.
    pub(crate) fn new(max_frame: usize) -> Self {
        Self {
            inner: Box::new(slip::Decoder::new()),
            max_frame: max_frame.min(FRAME_MAX),
            oversize: 0,
        }
    }

    /// Decodes `bytes`, the next octets received, calling `on_frame` with each frame they
    /// complete. A frame may span any number of calls; empty frames (consecutive ENDs) are
    /// skipped silently.
    pub(crate) fn push(&mut self, bytes: &[u8], mut on_frame: impl FnMut(&[u8])) {
        for &b in bytes {
            if let Some(frame) = self.inner.push(b) {
                // Below FRAME_MAX the limit is checked on the whole frame rather than as it
                // grows: the frame still counts once, but as a bad escape if it has one.
                if frame.len() <= self.max_frame {
                    on_frame(frame);
                } else {
                    self.oversize = self.oversize.saturating_add(1);
                }
            }
        }
    }

    /// Frames discarded so far, by reason.
    pub(crate) fn errors(&self) -> SlipErrors {
        let inner = self.inner.errors();
        SlipErrors {
            bad_escape: inner.bad_escape,
            oversize: inner.oversize.saturating_add(self.oversize),
        }
    }

    /// The largest frame this decoder delivers.
    #[cfg(test)]
    pub(crate) fn max_frame(&self) -> usize {
        self.max_frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slip::{END, ESC, ESC_END, ESC_ESC};

    /// xorshift64*: deterministic, so a failure reproduces.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// An octet with END and ESC (and their escape codes) far more likely than uniform.
        fn octet(&mut self) -> u8 {
            match self.below(8) {
                0 | 1 => END,
                2 | 3 => ESC,
                4 => [ESC_END, ESC_ESC][self.below(2)],
                _ => self.next() as u8,
            }
        }
    }

    fn encoded(frames: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for f in frames {
            encode(f, &mut out);
        }
        out
    }

    /// Feeds `chunks` to `dec` and returns the frames it delivered.
    fn decode_chunks<'a>(
        dec: &mut Decoder,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        for c in chunks {
            dec.push(c, |f| frames.push(f.to_vec()));
        }
        frames
    }

    fn decode_all(max_frame: usize, stream: &[u8]) -> (Vec<Vec<u8>>, SlipErrors) {
        let mut dec = Decoder::new(max_frame);
        let frames = decode_chunks(&mut dec, [stream]);
        (frames, dec.errors())
    }

    #[test]
    fn encode_appends_with_end_on_both_sides_and_escapes() {
        let mut out = vec![0x55];
        encode(&[1, END, 2, ESC, 3], &mut out);
        assert_eq!(out, [0x55, END, 1, ESC, ESC_END, 2, ESC, ESC_ESC, 3, END]);
        encode(&[], &mut out);
        assert_eq!(
            out,
            [
                0x55, END, 1, ESC, ESC_END, 2, ESC, ESC_ESC, 3, END, END, END
            ]
        );
    }

    #[test]
    fn encode_does_not_reallocate_a_reused_buffer() {
        let frame = [END; 100];
        let mut out = Vec::with_capacity(2 * frame.len() + 2);
        let ptr = out.as_ptr();
        for _ in 0..3 {
            out.clear();
            encode(&frame, &mut out);
            assert_eq!(out.len(), 202);
            assert_eq!(out.as_ptr(), ptr);
        }
    }

    #[test]
    fn every_octet_value_round_trips() {
        let frame: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        let (frames, errors) = decode_all(512, &encoded(&[&frame]));
        assert_eq!(frames, [frame]);
        assert_eq!(errors, SlipErrors::default());
    }

    #[test]
    fn random_frames_round_trip_through_random_chunks() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..200 {
            let frames: Vec<Vec<u8>> = (0..rng.below(20) + 1)
                .map(|_| (0..rng.below(300) + 1).map(|_| rng.octet()).collect())
                .collect();
            let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
            let stream = encoded(&refs);
            let mut chunks = Vec::new();
            let mut rest = stream.as_slice();
            while !rest.is_empty() {
                let n = match rng.below(4) {
                    0 => 1,
                    1 => rng.below(8) + 1,
                    _ => rng.below(400) + 1,
                }
                .min(rest.len());
                let (c, r) = rest.split_at(n);
                chunks.push(c);
                rest = r;
            }
            let mut dec = Decoder::new(300);
            assert_eq!(dec.max_frame(), 300);
            assert_eq!(decode_chunks(&mut dec, chunks), frames);
            assert_eq!(dec.errors(), SlipErrors::default());
        }
    }

    #[test]
    fn a_frame_split_at_any_octet_decodes_the_same() {
        let frames: [&[u8]; 3] = [&[END, ESC, 1], &[ESC], &[2, END]];
        let stream = encoded(&frames);
        let esc_splits = (1..stream.len()).filter(|&i| stream[i - 1] == ESC).count();
        assert_eq!(esc_splits, 4, "the stream has splits right after an ESC");
        for i in 0..=stream.len() {
            let mut dec = Decoder::new(8);
            let got = decode_chunks(&mut dec, [&stream[..i], &stream[i..]]);
            assert_eq!(got, frames, "split at {i}");
            assert_eq!(dec.errors(), SlipErrors::default());
        }
    }

    #[test]
    fn oversize_frames_are_discarded_and_counted() {
        let max = [0x11; 8];
        let over = [0x22; 9];
        // Eight ENDs escape to sixteen octets but decode to eight: the limit is on the frame.
        let escaped = [END; 8];
        let escaped_over = [ESC; 9];
        let stream = encoded(&[&max, &over, &escaped, &escaped_over, &[0x33]]);
        let (frames, errors) = decode_all(8, &stream);
        assert_eq!(frames, [max.to_vec(), escaped.to_vec(), vec![0x33]]);
        assert_eq!(
            errors,
            SlipErrors {
                bad_escape: 0,
                oversize: 2
            }
        );
        // A zero limit delivers nothing and counts every non-empty frame.
        let (frames, errors) = decode_all(0, &encoded(&[&[1], &[], &[2, 3]]));
        assert!(frames.is_empty());
        assert_eq!(
            errors,
            SlipErrors {
                bad_escape: 0,
                oversize: 2
            }
        );
    }

    #[test]
    fn a_limit_above_frame_max_is_frame_max() {
        let max = vec![0x11; FRAME_MAX];
        let over = vec![0x22; FRAME_MAX + 1];
        let mut dec = Decoder::new(FRAME_MAX + 100);
        assert_eq!(dec.max_frame(), FRAME_MAX);
        let got = decode_chunks(&mut dec, [encoded(&[&max, &over, &[0x33]]).as_slice()]);
        assert_eq!(got, [max, vec![0x33]]);
        assert_eq!(
            dec.errors(),
            SlipErrors {
                bad_escape: 0,
                oversize: 1
            }
        );
    }

    #[test]
    fn errors_count_bad_escapes_and_both_kinds_of_oversize() {
        // Bad escape; over the run-time limit; over the codec's buffer; a good frame.
        let mut stream = vec![END, 1, ESC, 0x41, END];
        stream.extend(encoded(&[&[0x22; 9], &vec![0x44; FRAME_MAX + 1], &[0x33]]));
        let (frames, errors) = decode_all(8, &stream);
        assert_eq!(frames, [vec![0x33]]);
        assert_eq!(
            errors,
            SlipErrors {
                bad_escape: 1,
                oversize: 2
            }
        );
    }

    #[test]
    fn random_streams_never_panic_and_respect_max_frame() {
        let mut rng = Rng(1);
        let mut delivered = 0usize;
        for _ in 0..20_000 {
            let max_frame = rng.below(24);
            let stream: Vec<u8> = (0..rng.below(64)).map(|_| rng.octet()).collect();
            let mut dec = Decoder::new(max_frame);
            let mut rest = stream.as_slice();
            while !rest.is_empty() {
                let (c, r) = rest.split_at((rng.below(9) + 1).min(rest.len()));
                dec.push(c, |f| {
                    assert!(!f.is_empty() && f.len() <= max_frame);
                    delivered += 1;
                });
                rest = r;
            }
        }
        assert!(
            delivered > 2_000,
            "the streams exercise delivery: {delivered}"
        );
    }
}
