//! SLIP framing (RFC 1055) for the serial links.
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
//! Written by hand rather than taken from a crate: the whole codec is about 40 lines, and the
//! SLIP crates on crates.io are unmaintained.
//!
//! The encoder puts an END before the frame as well as after it (as RFC 1055's `send_packet`
//! does), which flushes any line noise the receiver has collected into an empty frame that it
//! skips. The [`Decoder`] relies on that: after it is created, and after every error, it
//! discards octets until it sees an END, so a receiver that starts listening in the middle of a
//! frame, or that lost an octet, never delivers a torn frame. The price is that a peer sending
//! END only after its frames loses the first frame after the decoder starts.
//!
//! The decoder never panics and never allocates per octet: it owns one buffer of `max_frame`
//! octets, reserved once, and a frame that would grow past it is discarded and counted.

/// Frame delimiter.
pub(crate) const END: u8 = 0xC0;
/// Escape: the next octet is [`ESC_END`] or [`ESC_ESC`].
pub(crate) const ESC: u8 = 0xDB;
/// After [`ESC`], stands for a data octet equal to [`END`].
pub(crate) const ESC_END: u8 = 0xDC;
/// After [`ESC`], stands for a data octet equal to [`ESC`].
pub(crate) const ESC_ESC: u8 = 0xDD;

/// Appends `frame` to `out` as one SLIP frame: END, the escaped frame, END.
///
/// Reserves room for the worst case (every octet escaped) up front, so `out` grows at most once
/// per call and not at all when the caller reuses it.
pub(crate) fn encode(frame: &[u8], out: &mut Vec<u8>) {
    out.reserve(frame.len().saturating_mul(2).saturating_add(2));
    out.push(END);
    for &b in frame {
        match b {
            END => out.extend_from_slice(&[ESC, ESC_END]),
            ESC => out.extend_from_slice(&[ESC, ESC_ESC]),
            _ => out.push(b),
        }
    }
    out.push(END);
}

/// Frames a [`Decoder`] discarded, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SlipErrors {
    /// Frames discarded because an ESC was followed by something other than ESC_END or
    /// ESC_ESC (line noise, or a peer aborting a frame with ESC END).
    pub(crate) bad_escape: u64,
    /// Frames discarded because they grew past `max_frame` octets (after unescaping).
    pub(crate) oversize: u64,
}

/// Where the decoder is in the octet stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Discarding until the next END (at start and after an error).
    Hunt,
    /// Inside a frame.
    Frame,
    /// Inside a frame, just after an ESC.
    Escape,
}

/// Stream decoder: feed it octets in chunks of any size; it calls back once per complete
/// non-empty frame.
#[derive(Debug, Clone)]
pub(crate) struct Decoder {
    buf: Vec<u8>,
    max_frame: usize,
    state: State,
    errors: SlipErrors,
}

impl Decoder {
    /// A decoder that delivers frames of at most `max_frame` octets (after unescaping) and
    /// discards longer ones. It starts by discarding octets until the first END.
    pub(crate) fn new(max_frame: usize) -> Self {
        let mut buf = Vec::new();
        // Reserved once so that `push` never allocates; if the reservation fails (an absurd
        // `max_frame`), the buffer grows on demand instead of aborting the process.
        let _ = buf.try_reserve_exact(max_frame);
        Self {
            buf,
            max_frame,
            state: State::Hunt,
            errors: SlipErrors::default(),
        }
    }

    /// Decodes `bytes`, the next octets received, calling `on_frame` with each frame they
    /// complete. A frame may span any number of calls; empty frames (consecutive ENDs) are
    /// skipped silently.
    pub(crate) fn push(&mut self, bytes: &[u8], mut on_frame: impl FnMut(&[u8])) {
        for &b in bytes {
            match (self.state, b) {
                (State::Hunt, END) => self.start_frame(),
                (State::Hunt, _) => {}
                (State::Frame, END) => {
                    if !self.buf.is_empty() {
                        on_frame(&self.buf);
                    }
                    self.start_frame();
                }
                (State::Frame, ESC) => self.state = State::Escape,
                (State::Frame, _) => self.put(b),
                (State::Escape, ESC_END) => self.put_escaped(END),
                (State::Escape, ESC_ESC) => self.put_escaped(ESC),
                (State::Escape, _) => {
                    self.errors.bad_escape = self.errors.bad_escape.saturating_add(1);
                    self.buf.clear();
                    // An END right after the ESC is itself the resync point (ESC END is how
                    // some peers abort a frame), so the frame after it is not lost.
                    self.state = if b == END { State::Frame } else { State::Hunt };
                }
            }
        }
    }

    /// Frames discarded so far, by reason.
    pub(crate) fn errors(&self) -> SlipErrors {
        self.errors
    }

    /// The largest frame this decoder delivers.
    #[cfg(test)]
    pub(crate) fn max_frame(&self) -> usize {
        self.max_frame
    }

    fn start_frame(&mut self) {
        self.buf.clear();
        self.state = State::Frame;
    }

    fn put_escaped(&mut self, b: u8) {
        self.state = State::Frame;
        self.put(b);
    }

    /// Appends a data octet, or discards the frame if it would exceed `max_frame`.
    fn put(&mut self, b: u8) {
        if self.buf.len() >= self.max_frame {
            self.errors.oversize = self.errors.oversize.saturating_add(1);
            self.buf.clear();
            self.state = State::Hunt;
        } else {
            self.buf.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn encodes_with_end_on_both_sides_and_escapes() {
        let mut out = vec![0x55];
        encode(&[1, END, 2, ESC, 3], &mut out);
        assert_eq!(out, [0x55, END, 1, ESC, ESC_END, 2, ESC, ESC_ESC, 3, END]);
        let mut out = Vec::new();
        encode(&[], &mut out);
        assert_eq!(out, [END, END]);
    }

    #[test]
    fn empty_frames_between_ends_are_skipped() {
        let mut stream = vec![END, END, END];
        encode(&[7], &mut stream);
        stream.extend_from_slice(&[END, END]);
        encode(&[], &mut stream);
        encode(&[8, 9], &mut stream);
        let (frames, errors) = decode_all(16, &stream);
        assert_eq!(frames, [vec![7], vec![8, 9]]);
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
    fn every_octet_value_round_trips() {
        let frame: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        let (frames, errors) = decode_all(512, &encoded(&[&frame]));
        assert_eq!(frames, [frame]);
        assert_eq!(errors, SlipErrors::default());
    }

    #[test]
    fn garbage_before_the_first_end_is_discarded_silently() {
        // Includes ESC and a bad escape, and is longer than max_frame: none of it counts,
        // since the decoder is not in a frame yet.
        let mut stream: Vec<u8> = vec![1, 2, ESC, 0x41, 3, ESC, ESC_END, 4];
        stream.extend(std::iter::repeat_n(0x77, 100));
        encode(&[0xAA, END, 0xBB], &mut stream);
        let (frames, errors) = decode_all(8, &stream);
        assert_eq!(frames, [vec![0xAA, END, 0xBB]]);
        assert_eq!(errors, SlipErrors::default());
    }

    #[test]
    fn a_bad_escape_discards_the_frame_and_resyncs_at_the_next_end() {
        let mut stream = encoded(&[&[1, 2]]);
        // Bad escape mid-frame; the octets after it up to the END are not a frame.
        stream.extend_from_slice(&[3, 4, ESC, 0x41, 5, 6, END]);
        encode(&[7], &mut stream);
        // ESC END: the frame is discarded, and that END starts the next frame.
        stream.extend_from_slice(&[8, ESC, END, 9, 10, END]);
        // ESC ESC_END is fine; ESC ESC is not.
        stream.extend_from_slice(&[11, ESC, ESC, ESC_ESC, END]);
        encode(&[12], &mut stream);
        let (frames, errors) = decode_all(16, &stream);
        assert_eq!(frames, [vec![1, 2], vec![7], vec![9, 10], vec![12]]);
        assert_eq!(
            errors,
            SlipErrors {
                bad_escape: 3,
                oversize: 0
            }
        );
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
        assert_eq!(errors.oversize, 2);
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
    fn random_streams_never_panic_and_respect_max_frame() {
        let mut rng = Rng(1);
        let mut delivered = 0usize;
        for _ in 0..100_000 {
            let max_frame = rng.below(24);
            let stream: Vec<u8> = (0..rng.below(64)).map(|_| rng.octet()).collect();
            let mut dec = Decoder::new(max_frame);
            let cap = dec.buf.capacity();
            let mut rest = stream.as_slice();
            while !rest.is_empty() {
                let (c, r) = rest.split_at((rng.below(9) + 1).min(rest.len()));
                dec.push(c, |f| {
                    assert!(!f.is_empty() && f.len() <= max_frame);
                    delivered += 1;
                });
                rest = r;
            }
            assert_eq!(dec.buf.capacity(), cap, "the buffer never grows");
        }
        assert!(
            delivered > 10_000,
            "the streams exercise delivery: {delivered}"
        );
    }
}
