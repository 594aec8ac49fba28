//! SLIP framing (RFC 1055) for serial links.
//!
//! ```text
//!  END | frame, with END -> ESC ESC_END and ESC -> ESC ESC_ESC | END
//! ```
//!
//! SLIP delimits frames on an octet stream and says nothing about what they carry; what PASA
//! puts inside (an Ethernet-framed LoWPAN frame) is the link owner's business. The Linux
//! process and the firmware both frame their serial links with this codec.
//!
//! Written by hand rather than taken from a crate: the whole codec is a few dozen lines, and
//! the SLIP crates on crates.io are unmaintained or allocate.
//!
//! [`encode`] puts an END before the frame as well as after it (as RFC 1055's `send_packet`
//! does), which flushes any line noise the receiver has collected into an empty frame that it
//! skips. The [`Decoder`] relies on that: after it is created, and after every error, it
//! discards octets until it sees an END, so a receiver that starts listening in the middle of a
//! frame, or that lost an octet, never delivers a torn frame. The octets it drops before its
//! first END are not counted as errors (they are the tail of a frame it never saw the start
//! of, not a fault). The price is that a peer sending END only after its frames loses the first
//! frame after the decoder starts.
//!
//! Nothing here allocates or panics: [`encode`] writes into a buffer the caller supplies (size
//! it with [`encoded_len`]), and the decoder owns one `N`-octet buffer; a frame that would grow
//! past it is discarded and counted.

use core::fmt;

/// Frame delimiter.
pub const END: u8 = 0xC0;
/// Escape: the next octet is [`ESC_END`] or [`ESC_ESC`].
pub const ESC: u8 = 0xDB;
/// After [`ESC`], stands for a data octet equal to [`END`].
pub const ESC_END: u8 = 0xDC;
/// After [`ESC`], stands for a data octet equal to [`ESC`].
pub const ESC_ESC: u8 = 0xDD;

/// Octets `encode` writes for `frame` (END + escaped frame + END).
///
/// Saturates at `usize::MAX` (only reachable by a frame of more than `usize::MAX / 2` octets),
/// which no buffer can hold, so [`encode`] then returns an error.
pub fn encoded_len(frame: &[u8]) -> usize {
    frame.iter().fold(2usize, |n, &b| {
        n.saturating_add(if b == END || b == ESC { 2 } else { 1 })
    })
}

/// Writes END, the escaped frame and END into `out`; Err when `out` is too small (nothing
/// promised about out's contents then).
///
/// Returns the number of octets written, always [`encoded_len`]`(frame)`; octets of `out`
/// after those are left as they were.
pub fn encode(frame: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
    let needed = encoded_len(frame);
    let too_small = EncodeError {
        needed,
        available: out.len(),
    };
    if out.len() < needed {
        return Err(too_small);
    }
    // The length check above means `write` always finds room; it still stops rather than
    // index, so a miscount would be an error, not a panic.
    write(frame, out).map(|()| needed).ok_or(too_small)
}

/// The buffer given to [`encode`] is shorter than the encoded frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeError {
    /// Octets the encoded frame needs ([`encoded_len`]).
    pub needed: usize,
    /// Octets the buffer has.
    pub available: usize,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { needed, available } = self;
        write!(
            f,
            "SLIP frame does not fit: needs {needed} octets, buffer has {available}"
        )
    }
}

impl core::error::Error for EncodeError {}

/// Frames a [`Decoder`] discarded, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlipErrors {
    /// Frames discarded because an ESC was followed by something other than ESC_END or
    /// ESC_ESC (line noise, or a peer aborting a frame with ESC END).
    pub bad_escape: u64,
    /// Frames discarded because they grew past the decoder's `N` octets (after unescaping).
    pub oversize: u64,
}

/// A stream decoder with a fixed N-octet frame buffer (no allocation).
///
/// Feed it the received octets one at a time with [`push`](Self::push); it hands back each
/// complete non-empty frame of at most `N` octets (after unescaping) and counts the frames it
/// discards in [`errors`](Self::errors). Its whole state is in the value, so it can live in a
/// `static` (`new` is `const`) and move between tasks.
#[derive(Debug, Clone)]
pub struct Decoder<const N: usize> {
    buf: [u8; N],
    /// Octets of the current frame in `buf`; never more than `N`.
    len: usize,
    state: State,
    errors: SlipErrors,
}

impl<const N: usize> Decoder<N> {
    /// A decoder that delivers frames of at most `N` octets (after unescaping) and discards
    /// longer ones. It starts by discarding octets until the first END.
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
            state: State::Hunt,
            errors: SlipErrors {
                bad_escape: 0,
                oversize: 0,
            },
        }
    }

    /// Feeds one received octet; returns the frame this octet completes (never empty), if any.
    /// The slice is valid until the next push.
    ///
    /// Empty frames (consecutive ENDs) are skipped silently; a frame with a bad escape or
    /// longer than `N` octets is discarded, counted in [`errors`](Self::errors), and the
    /// decoder resumes at the next END.
    pub fn push(&mut self, byte: u8) -> Option<&[u8]> {
        match (self.state, byte) {
            (State::Hunt, END) => self.start_frame(),
            (State::Hunt, _) => {}
            (State::Frame, END) => {
                let len = self.len;
                self.start_frame();
                // The octets stay in `buf` until the next data octet overwrites them, which
                // the borrow on `self` rules out while the caller holds the slice.
                if len > 0 {
                    return self.buf.get(..len);
                }
            }
            (State::Frame, ESC) => self.state = State::Escape,
            (State::Frame, _) => self.put(byte),
            (State::Escape, ESC_END) => self.put_escaped(END),
            (State::Escape, ESC_ESC) => self.put_escaped(ESC),
            (State::Escape, _) => {
                self.errors.bad_escape = self.errors.bad_escape.saturating_add(1);
                self.len = 0;
                // An END right after the ESC is itself the resync point (ESC END is how
                // some peers abort a frame), so the frame after it is not lost.
                self.state = if byte == END {
                    State::Frame
                } else {
                    State::Hunt
                };
            }
        }
        None
    }

    /// Frames discarded so far, by reason.
    pub fn errors(&self) -> SlipErrors {
        self.errors
    }

    fn start_frame(&mut self) {
        self.len = 0;
        self.state = State::Frame;
    }

    fn put_escaped(&mut self, byte: u8) {
        self.state = State::Frame;
        self.put(byte);
    }

    /// Appends a data octet, or discards the frame if it would exceed `N` octets.
    fn put(&mut self, byte: u8) {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = byte;
                // `len < N <= isize::MAX` here, so this never wraps.
                self.len = self.len.wrapping_add(1);
            }
            None => {
                self.errors.oversize = self.errors.oversize.saturating_add(1);
                self.len = 0;
                self.state = State::Hunt;
            }
        }
    }
}

impl<const N: usize> Default for Decoder<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes END, the escaped `frame` and END at the start of `out`; None when `out` runs out.
fn write(frame: &[u8], out: &mut [u8]) -> Option<()> {
    let mut slots = out.iter_mut();
    let mut room = true;
    encode_each(frame, |b| match slots.next() {
        Some(slot) => *slot = b,
        None => room = false,
    });
    room.then_some(())
}

/// Hands the encoded frame (END, the escaped frame, END) to `put` one octet at a time: for a
/// UART that sends as it goes, with no buffer. The same octets as [`encode`].
pub fn encode_each(frame: &[u8], mut put: impl FnMut(u8)) {
    put(END);
    for &b in frame {
        match b {
            END => {
                put(ESC);
                put(ESC_END);
            }
            ESC => {
                put(ESC);
                put(ESC_ESC);
            }
            _ => put(b),
        }
    }
    put(END);
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

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

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

        fn frame(&mut self, max_len: usize) -> Vec<u8> {
            (0..self.below(max_len) + 1).map(|_| self.octet()).collect()
        }
    }

    /// `frame` encoded into a buffer of exactly `encoded_len` octets.
    fn encoded_one(frame: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF; encoded_len(frame)];
        assert_eq!(encode(frame, &mut out), Ok(out.len()));
        out
    }

    fn encoded(frames: &[&[u8]]) -> Vec<u8> {
        frames.iter().flat_map(|f| encoded_one(f)).collect()
    }

    /// Feeds `stream` to `dec` and returns the frames it delivered.
    fn feed<const N: usize>(dec: &mut Decoder<N>, stream: &[u8]) -> Vec<Vec<u8>> {
        stream
            .iter()
            .filter_map(|&b| dec.push(b).map(<[u8]>::to_vec))
            .collect()
    }

    fn decode_all<const N: usize>(stream: &[u8]) -> (Vec<Vec<u8>>, SlipErrors) {
        let mut dec = Decoder::<N>::new();
        let frames = feed(&mut dec, stream);
        (frames, dec.errors())
    }

    #[test]
    fn encodes_with_end_on_both_sides_and_escapes() {
        let mut out = [0xFF; 12];
        assert_eq!(encode(&[1, END, 2, ESC, 3], &mut out), Ok(9));
        assert_eq!(
            out,
            [
                END, 1, ESC, ESC_END, 2, ESC, ESC_ESC, 3, END, 0xFF, 0xFF, 0xFF
            ]
        );
        let mut out = [0xFF; 3];
        assert_eq!(encode(&[], &mut out), Ok(2));
        assert_eq!(out, [END, END, 0xFF]);
    }

    #[test]
    fn encoded_len_counts_two_octets_for_end_and_esc_only() {
        for b in 0..=255u8 {
            let want = if b == END || b == ESC { 4 } else { 3 };
            assert_eq!(encoded_len(&[b]), want, "octet {b:#04x}");
        }
        assert_eq!(encoded_len(&[]), 2);
        let mut rng = Rng(7);
        for _ in 0..1000 {
            let frame = rng.frame(64);
            let mut out = vec![0xFF; 2 * frame.len() + 2];
            let n = encode(&frame, &mut out).unwrap();
            assert_eq!(encoded_len(&frame), n);
            assert!(out[n..].iter().all(|&b| b == 0xFF), "wrote past {n}");
        }
    }

    #[test]
    fn encode_into_a_too_small_buffer_fails_at_every_size() {
        let all: Vec<u8> = (0..=255u8).collect();
        let frames: [&[u8]; 4] = [&[], &[END], &[ESC, 1, END], &all];
        for frame in frames {
            let needed = encoded_len(frame);
            let mut out = vec![0xFF; needed + 1];
            for available in 0..needed {
                assert_eq!(
                    encode(frame, &mut out[..available]),
                    Err(EncodeError { needed, available })
                );
            }
            assert_eq!(encode(frame, &mut out[..needed]), Ok(needed));
            assert_eq!(encode(frame, &mut out), Ok(needed));
            assert_eq!(out[needed], 0xFF);
        }
    }

    #[test]
    fn encode_error_names_both_lengths() {
        let err = encode(&[END, 1], &mut [0; 3]).unwrap_err();
        assert_eq!(
            err,
            EncodeError {
                needed: 5,
                available: 3
            }
        );
        let as_error: &dyn core::error::Error = &err;
        assert_eq!(
            as_error.to_string(),
            "SLIP frame does not fit: needs 5 octets, buffer has 3"
        );
    }

    #[test]
    fn a_decoder_can_be_built_in_a_const() {
        const DEC: Decoder<4> = Decoder::new();
        let mut dec = DEC;
        assert_eq!(feed(&mut dec, &encoded(&[&[1, 2]])), [vec![1, 2]]);
        assert_eq!(Decoder::<4>::default().errors(), SlipErrors::default());
    }

    #[test]
    fn empty_frames_between_ends_are_skipped() {
        let mut stream = vec![END, END, END];
        stream.extend(encoded(&[&[7]]));
        stream.extend_from_slice(&[END, END]);
        stream.extend(encoded(&[&[], &[8, 9]]));
        let mut dec = Decoder::<16>::new();
        let mut got = Vec::new();
        for &b in &stream {
            if let Some(f) = dec.push(b) {
                assert!(!f.is_empty());
                got.push(f.to_vec());
            }
        }
        assert_eq!(got, [vec![7], vec![8, 9]]);
        assert_eq!(dec.errors(), SlipErrors::default());
    }

    #[test]
    fn random_frames_round_trip() {
        // `push` takes one octet, so every octet boundary is a split point: the decoder's state
        // between any two octets is all it has.
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..200 {
            let frames: Vec<Vec<u8>> = (0..rng.below(20) + 1).map(|_| rng.frame(300)).collect();
            let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
            let (got, errors) = decode_all::<300>(&encoded(&refs));
            assert_eq!(got, frames);
            assert_eq!(errors, SlipErrors::default());
        }
    }

    #[test]
    fn a_short_frame_after_a_long_one_has_no_leftover_octets() {
        let stream = encoded(&[&[1, 2, 3, 4, 5, 6], &[7], &[END, 8]]);
        let (frames, errors) = decode_all::<6>(&stream);
        assert_eq!(frames, [vec![1, 2, 3, 4, 5, 6], vec![7], vec![END, 8]]);
        assert_eq!(errors, SlipErrors::default());
    }

    #[test]
    fn every_octet_value_round_trips() {
        let frame: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        let (frames, errors) = decode_all::<512>(&encoded(&[&frame]));
        assert_eq!(frames, [frame]);
        assert_eq!(errors, SlipErrors::default());
    }

    #[test]
    fn garbage_before_the_first_end_is_discarded_silently() {
        // Includes ESC and a bad escape, and is longer than N: none of it counts, since the
        // decoder is not in a frame yet.
        let mut stream: Vec<u8> = vec![1, 2, ESC, 0x41, 3, ESC, ESC_END, 4];
        stream.extend(std::iter::repeat_n(0x77, 100));
        stream.extend(encoded(&[&[0xAA, END, 0xBB]]));
        let (frames, errors) = decode_all::<8>(&stream);
        assert_eq!(frames, [vec![0xAA, END, 0xBB]]);
        assert_eq!(errors, SlipErrors::default());
    }

    #[test]
    fn a_bad_escape_discards_the_frame_and_resyncs_at_the_next_end() {
        let mut stream = encoded(&[&[1, 2]]);
        // Bad escape mid-frame; the octets after it up to the END are not a frame.
        stream.extend_from_slice(&[3, 4, ESC, 0x41, 5, 6, END]);
        stream.extend(encoded(&[&[7]]));
        // ESC END: the frame is discarded, and that END starts the next frame.
        stream.extend_from_slice(&[8, ESC, END, 9, 10, END]);
        // ESC ESC_END is fine; ESC ESC is not.
        stream.extend_from_slice(&[11, ESC, ESC, ESC_ESC, END]);
        stream.extend(encoded(&[&[12]]));
        let (frames, errors) = decode_all::<16>(&stream);
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
    fn frames_of_n_octets_pass_and_of_n_plus_one_are_discarded_and_counted() {
        let max = [0x11; 8];
        let over = [0x22; 9];
        // Eight ENDs escape to sixteen octets but decode to eight: the limit is on the frame.
        let escaped = [END; 8];
        let escaped_over = [ESC; 9];
        let stream = encoded(&[&max, &over, &escaped, &escaped_over, &[0x33]]);
        let (frames, errors) = decode_all::<8>(&stream);
        assert_eq!(frames, [max.to_vec(), escaped.to_vec(), vec![0x33]]);
        assert_eq!(
            errors,
            SlipErrors {
                bad_escape: 0,
                oversize: 2
            }
        );
        // A zero-octet decoder delivers nothing and counts every non-empty frame.
        let (frames, errors) = decode_all::<0>(&encoded(&[&[1], &[], &[2, 3]]));
        assert!(frames.is_empty());
        assert_eq!(
            errors,
            SlipErrors {
                bad_escape: 0,
                oversize: 2
            }
        );
    }

    /// Feeds `streams` random streams to `Decoder<N>`s; returns how many frames they delivered.
    fn random_streams<const N: usize>(rng: &mut Rng, streams: usize) -> usize {
        let mut delivered = 0;
        for _ in 0..streams {
            let mut dec = Decoder::<N>::new();
            let mut errors = dec.errors();
            for _ in 0..rng.below(64) {
                if let Some(f) = dec.push(rng.octet()) {
                    assert!(!f.is_empty() && f.len() <= N, "{f:?} from a Decoder<{N}>");
                    delivered += 1;
                }
                let now = dec.errors();
                assert!(now.bad_escape >= errors.bad_escape && now.oversize >= errors.oversize);
                errors = now;
            }
        }
        delivered
    }

    #[test]
    fn random_streams_never_panic_and_respect_n() {
        let mut rng = Rng(1);
        let delivered = random_streams::<0>(&mut rng, 20_000)
            + random_streams::<1>(&mut rng, 20_000)
            + random_streams::<2>(&mut rng, 20_000)
            + random_streams::<8>(&mut rng, 20_000)
            + random_streams::<23>(&mut rng, 20_000);
        assert!(
            delivered > 10_000,
            "the streams exercise delivery: {delivered}"
        );
    }

    #[test]
    fn encode_each_gives_the_octets_encode_writes() {
        let frame = [0x01, END, 0x02, ESC, ESC_END, END, END];
        let mut buf = [0u8; 32];
        let n = encode(&frame, &mut buf).unwrap();
        let mut streamed = [0u8; 32];
        let mut k = 0;
        encode_each(&frame, |b| {
            streamed[k] = b;
            k += 1;
        });
        assert_eq!(&streamed[..k], &buf[..n]);
    }
}
