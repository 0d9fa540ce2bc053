//! Cutting CSTA messages out of a TCP byte stream, and putting them in.
//!
//! TCP carries bytes, not messages, so each XML document travels behind a header that
//! says where it ends. [`Framing`] is that seam: the driver and the stub only ever call
//! [`Framing::encode`] and [`Framing::decode`], so a connector with another framing is
//! one more implementation of the trait, not a change to them.
//!
//! [`HeaderFraming`] is the header CSTA XML servers use on TCP: eight bytes in front of
//! every document,
//!
//! ```text
//!  0      1      2      3      4      5      6      7      8 ...
//! +------+------+------+------+------+------+------+------+----------------+
//! | version = 0 | length (BE) |  invoke ID: 4 ASCII digits | XML document   |
//! +------+------+------+------+------+------+------+------+----------------+
//! ```
//!
//! where `length` counts the whole message, header included, and the invoke ID pairs a
//! response with its request (9999 marks an unsolicited event). `docs/wire.md` says where
//! this layout is documented.

use bytes::{Buf, BufMut, BytesMut};
use core::fmt;

/// A CSTA invoke ID: the number, 0 to 9999, that pairs a response with its request.
///
/// On the wire it is four ASCII digits. [`InvokeId::EVENT`] (9999) marks an event that
/// answers nothing; requests use 0 to 9998 ([`InvokeId::next`] cycles through them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InvokeId(u16);

impl InvokeId {
    /// The largest invoke ID, reserved for events.
    pub const EVENT: InvokeId = InvokeId(9999);
    /// The first invoke ID a sender uses for its requests.
    pub const FIRST: InvokeId = InvokeId(0);

    /// The invoke ID `value`, or `None` when it is above 9999.
    pub const fn new(value: u16) -> Option<Self> {
        if value <= 9999 {
            Some(InvokeId(value))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The next request invoke ID: one more, wrapping from 9998 back to 0 so that a
    /// request never takes the event value 9999.
    pub const fn next(self) -> Self {
        if self.0 >= 9998 {
            InvokeId(0)
        } else {
            InvokeId(self.0 + 1)
        }
    }

    fn ascii(self) -> [u8; 4] {
        let n = self.0;
        [
            b'0' + (n / 1000) as u8,
            b'0' + (n / 100 % 10) as u8,
            b'0' + (n / 10 % 10) as u8,
            b'0' + (n % 10) as u8,
        ]
    }

    fn parse(digits: [u8; 4]) -> Option<Self> {
        let mut value: u16 = 0;
        for d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u16::from(d - b'0');
        }
        Some(InvokeId(value))
    }
}

impl fmt::Display for InvokeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// One message as the framing sees it: an invoke ID and an opaque body (the XML).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Pairs a response with its request; [`InvokeId::EVENT`] for events.
    pub invoke_id: InvokeId,
    /// The message itself, for [`crate::Message::decode`].
    pub body: Vec<u8>,
}

/// Why bytes could not be framed or unframed. A decode error leaves the stream at an
/// unknown position, so the connection cannot be trusted afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The header's version field is not 0.
    UnknownVersion(u16),
    /// The header's length is smaller than the header itself.
    LengthTooSmall(u16),
    /// The invoke ID field is not four ASCII digits.
    BadInvokeId([u8; 4]),
    /// The body is too long for the 16-bit length field.
    BodyTooLarge(usize),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::UnknownVersion(v) => write!(f, "header version {v:#06x}, expected 0"),
            FrameError::LengthTooSmall(n) => {
                write!(
                    f,
                    "header length {n} is smaller than the {HEADER_LEN}-byte header"
                )
            }
            FrameError::BadInvokeId(d) => {
                write!(f, "invoke ID {d:?} is not four ASCII digits")
            }
            FrameError::BodyTooLarge(n) => write!(
                f,
                "a {n}-byte body does not fit the 16-bit length (at most {} bytes)",
                MAX_BODY_LEN
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// How messages are delimited on a byte stream. Implement it to plug in another framing.
pub trait Framing: Send + Sync + 'static {
    /// Appends `frame`, delimited, to `out`.
    fn encode(&mut self, frame: &Frame, out: &mut BytesMut) -> Result<(), FrameError>;

    /// Takes one whole frame off the front of `buf`, or returns `Ok(None)` and leaves
    /// `buf` untouched when it does not hold a whole frame yet.
    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError>;
}

/// The header's size in bytes.
pub const HEADER_LEN: usize = 8;
/// The longest body the 16-bit length field allows.
pub const MAX_BODY_LEN: usize = u16::MAX as usize - HEADER_LEN;

/// The 8-byte CSTA XML header: version 0, big-endian total length, four-digit invoke ID.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeaderFraming;

impl Framing for HeaderFraming {
    fn encode(&mut self, frame: &Frame, out: &mut BytesMut) -> Result<(), FrameError> {
        let body_len = frame.body.len();
        if body_len > MAX_BODY_LEN {
            return Err(FrameError::BodyTooLarge(body_len));
        }
        out.reserve(HEADER_LEN + body_len);
        out.put_u16(0);
        // Fits: checked against MAX_BODY_LEN above.
        out.put_u16((HEADER_LEN + body_len) as u16);
        out.put_slice(&frame.invoke_id.ascii());
        out.put_slice(&frame.body);
        Ok(())
    }

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if buf.len() < HEADER_LEN {
            return Ok(None);
        }
        let version = u16::from_be_bytes([buf[0], buf[1]]);
        if version != 0 {
            return Err(FrameError::UnknownVersion(version));
        }
        let length = u16::from_be_bytes([buf[2], buf[3]]);
        if usize::from(length) < HEADER_LEN {
            return Err(FrameError::LengthTooSmall(length));
        }
        let digits = [buf[4], buf[5], buf[6], buf[7]];
        let invoke_id = InvokeId::parse(digits).ok_or(FrameError::BadInvokeId(digits))?;
        if buf.len() < usize::from(length) {
            return Ok(None);
        }
        buf.advance(HEADER_LEN);
        let body = buf.split_to(usize::from(length) - HEADER_LEN).to_vec();
        Ok(Some(Frame { invoke_id, body }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(id: u16, body: &[u8]) -> Frame {
        Frame {
            invoke_id: InvokeId::new(id).unwrap(),
            body: body.to_vec(),
        }
    }

    #[test]
    fn the_header_is_version_zero_total_length_and_four_ascii_digits() {
        let mut out = BytesMut::new();
        HeaderFraming.encode(&frame(42, b"<a/>"), &mut out).unwrap();
        assert_eq!(&out[..], b"\x00\x00\x00\x0c0042<a/>");
    }

    #[test]
    fn a_frame_split_at_every_byte_decodes_only_once_whole() {
        let mut wire = BytesMut::new();
        HeaderFraming
            .encode(&frame(7, b"<first/>"), &mut wire)
            .unwrap();
        HeaderFraming
            .encode(&frame(9999, b"<second/>"), &mut wire)
            .unwrap();
        let whole = wire.to_vec();
        for cut in 0..whole.len() {
            let mut buf = BytesMut::from(&whole[..cut]);
            let mut got = Vec::new();
            while let Some(f) = HeaderFraming.decode(&mut buf).unwrap() {
                got.push(f);
            }
            buf.extend_from_slice(&whole[cut..]);
            while let Some(f) = HeaderFraming.decode(&mut buf).unwrap() {
                got.push(f);
            }
            assert_eq!(
                got,
                vec![frame(7, b"<first/>"), frame(9999, b"<second/>")],
                "cut at {cut}"
            );
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn broken_headers_are_typed_errors() {
        let mut buf = BytesMut::from(&b"\x00\x01\x00\x080000"[..]);
        assert_eq!(
            HeaderFraming.decode(&mut buf),
            Err(FrameError::UnknownVersion(1))
        );
        let mut buf = BytesMut::from(&b"\x00\x00\x00\x070000"[..]);
        assert_eq!(
            HeaderFraming.decode(&mut buf),
            Err(FrameError::LengthTooSmall(7))
        );
        let mut buf = BytesMut::from(&b"\x00\x00\x00\x0800x0"[..]);
        assert_eq!(
            HeaderFraming.decode(&mut buf),
            Err(FrameError::BadInvokeId(*b"00x0"))
        );
        let big = vec![b'x'; MAX_BODY_LEN + 1];
        assert_eq!(
            HeaderFraming.encode(&frame(1, &big), &mut BytesMut::new()),
            Err(FrameError::BodyTooLarge(MAX_BODY_LEN + 1))
        );
        let mut out = BytesMut::new();
        HeaderFraming
            .encode(&frame(1, &big[1..]), &mut out)
            .unwrap();
        assert_eq!(out.len(), u16::MAX as usize);
    }

    #[test]
    fn framing_errors_read_as_sentences_for_the_driver_s_notes() {
        assert_eq!(
            FrameError::UnknownVersion(1).to_string(),
            "header version 0x0001, expected 0"
        );
        assert_eq!(
            FrameError::LengthTooSmall(7).to_string(),
            "header length 7 is smaller than the 8-byte header"
        );
        assert!(FrameError::BodyTooLarge(70_000)
            .to_string()
            .contains("at most 65527 bytes"));
    }

    #[test]
    fn an_empty_body_is_a_valid_frame() {
        let mut buf = BytesMut::from(&b"\x00\x00\x00\x080001"[..]);
        assert_eq!(HeaderFraming.decode(&mut buf).unwrap(), Some(frame(1, b"")));
    }

    #[test]
    fn request_invoke_ids_cycle_and_never_take_the_event_value() {
        assert_eq!(InvokeId::new(9998).unwrap().next(), InvokeId::FIRST);
        assert_eq!(InvokeId::new(41).unwrap().next().get(), 42);
        assert_eq!(InvokeId::new(10_000), None);
        assert_eq!(InvokeId::EVENT.to_string(), "9999");
        assert_eq!(InvokeId::parse(*b"0305"), InvokeId::new(305));
    }
}
