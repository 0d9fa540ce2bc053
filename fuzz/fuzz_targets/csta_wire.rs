//! Bytes from a connector, as the driver reads them: cut into frames by the CSTA XML
//! header, each body read by the codec. Neither may panic or loop; a decoded message
//! must encode to a document that decodes to the same message, and no name the codec
//! reads is longer than `MAX_NAME_LEN` (run with `-max_len=65536`, one frame's most, so
//! that deep nesting around many leaves is tried too).
#![no_main]

use bytes::BytesMut;
use csta_wire::{Framing, HeaderFraming, Message, MAX_NAME_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = HeaderFraming.decode(&mut buf) {
        check(&frame.body);
    }
    check(data);
});

fn check(body: &[u8]) {
    if let Ok(message) = Message::decode(body) {
        assert!(
            message.name().len() <= MAX_NAME_LEN,
            "a root name over the limit was read"
        );
        // Only messages whose text survives trimming are expected to round-trip; the
        // others must still not panic on the way back.
        let again = Message::decode(&message.encode());
        if round_trips(&message) {
            assert_eq!(again, Ok(message));
        }
    }
}

fn round_trips(message: &Message) -> bool {
    let tokens: Vec<&str> = match message {
        Message::StartApplicationSession {
            application_id,
            protocol_version,
            ..
        } => {
            vec![application_id, protocol_version]
        }
        Message::StartApplicationSessionPosResponse {
            session_id,
            protocol_version,
            ..
        } => {
            vec![session_id, protocol_version]
        }
        Message::StartApplicationSessionNegResponse { error } => vec![error],
        _ => vec![],
    };
    tokens
        .iter()
        .all(|t| !t.is_empty() && t.trim() == *t && !t.contains(|c: char| c.is_control()))
}
