//! CSTA-XML over TCP, the way a CSTA Connector speaks it to a T-Server, in two layers
//! that know nothing of each other:
//!
//! - [`framing`]: how one message is cut out of a TCP byte stream. [`Framing`] is the
//!   seam; [`HeaderFraming`] is the 8-byte header (version, length, invoke ID) that CSTA
//!   XML servers put in front of every XML document. Another framing plugs in by
//!   implementing the trait.
//! - [`message`]: the XML documents a link needs, read and written with `quick-xml`:
//!   the application session start of ECMA-354 (request, positive and negative
//!   response), the ECMA-323 SystemStatus with the nine ECMA-269 values, and its
//!   response, which doubles as the keep-alive answer.
//!
//! The crate does no I/O. `link-tokio` uses it over real sockets; anything else that
//! can fill a [`bytes::BytesMut`] can too. See `docs/wire.md` for where the framing comes
//! from and what is simplified.
#![forbid(unsafe_code)]

pub mod framing;
pub mod message;

pub use framing::{Frame, FrameError, Framing, HeaderFraming, InvokeId};
pub use message::{
    DecodeError, Message, ECMA_323_NAMESPACE, ECMA_354_NAMESPACE, MAX_DEPTH, MAX_NAME_LEN,
};
