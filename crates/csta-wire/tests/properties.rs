//! Properties of the wire over generated input: whatever is encoded decodes to itself,
//! however TCP cuts the stream; and no input, however broken, makes a decoder panic.

use bytes::BytesMut;
use csta_wire::{
    DecodeError, Frame, Framing, HeaderFraming, InvokeId, Message, MAX_DEPTH, MAX_NAME_LEN,
};
use link_core::SystemStatus;
use proptest::prelude::*;

fn frame() -> impl Strategy<Value = Frame> {
    (0u16..=9999, proptest::collection::vec(any::<u8>(), 0..600)).prop_map(|(id, body)| Frame {
        invoke_id: InvokeId::new(id).expect("in range"),
        body,
    })
}

/// Text the codec carries unchanged: XML characters, no leading or trailing whitespace
/// (leaf text is trimmed, as CSTA values are tokens).
fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 <>&'\"é€\u{1F4DE}:/._-]{0,30}".prop_filter("no outer whitespace", |s| s.trim() == s)
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (token(), token(), any::<u32>()).prop_map(
            |(application_id, protocol_version, session_duration_s)| {
                Message::StartApplicationSession {
                    application_id,
                    protocol_version,
                    session_duration_s,
                }
            }
        ),
        (token(), token(), any::<u32>()).prop_map(
            |(session_id, protocol_version, session_duration_s)| {
                Message::StartApplicationSessionPosResponse {
                    session_id,
                    protocol_version,
                    session_duration_s,
                }
            }
        ),
        // An empty reason reads back as the element's name (see the variant's docs).
        token()
            .prop_filter("a reason", |e| !e.is_empty())
            .prop_map(|error| Message::StartApplicationSessionNegResponse { error }),
        proptest::sample::select(SystemStatus::ALL.to_vec()).prop_map(Message::SystemStatus),
        Just(Message::SystemStatusResponse),
        "[A-Za-z][A-Za-z0-9]{0,20}".prop_map(|root| Message::Other { root }),
    ]
}

proptest! {
    #[test]
    fn frames_survive_any_cut_of_the_stream(frames in proptest::collection::vec(frame(), 1..6), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        let mut wire = BytesMut::new();
        for f in &frames {
            HeaderFraming.encode(f, &mut wire).unwrap();
        }
        let bytes = wire.to_vec();
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.push(bytes.len());
        points.sort_unstable();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut from = 0;
        for to in points {
            buf.extend_from_slice(&bytes[from..to]);
            from = to;
            while let Some(f) = HeaderFraming.decode(&mut buf).unwrap() {
                got.push(f);
            }
        }
        prop_assert_eq!(got, frames);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn every_message_decodes_to_itself(message in message()) {
        let body = message.encode();
        prop_assert_eq!(Message::decode(&body), Ok(message), "{}", String::from_utf8_lossy(&body));
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Message::decode(&bytes);
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = HeaderFraming.decode(&mut buf) {}
    }

    #[test]
    fn damaged_documents_never_panic_the_codec(message in message(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut body = message.encode();
        let i = at.index(body.len());
        if cut { body.truncate(i) } else { body[i] = byte }
        let _ = Message::decode(&body);
    }

    /// Deep nesting, long names and many leaves: the decoder reads the body or refuses it
    /// by its limits, a name over MAX_NAME_LEN bytes (the first in the body) before
    /// nesting over MAX_DEPTH levels, and never anything else.
    #[test]
    fn nested_bodies_are_read_or_refused_by_the_limits(
        names in proptest::collection::vec(1usize..=MAX_NAME_LEN + 40, 0..MAX_DEPTH + 4),
        leaves in 0usize..200,
    ) {
        let mut xml = String::from("<r>");
        for (i, len) in names.iter().enumerate() {
            let name = format!("{}{}", ["x", "csta:y", "_z"][i % 3], "n".repeat(*len));
            xml.push_str(&format!("<{name}>"));
        }
        xml.push_str(&"<a/>".repeat(leaves));
        for (i, len) in names.iter().enumerate().rev() {
            let name = format!("{}{}", ["x", "csta:y", "_z"][i % 3], "n".repeat(*len));
            xml.push_str(&format!("</{name}>"));
        }
        xml.push_str("</r>");
        let lens: Vec<usize> = names.iter().enumerate().map(|(i, len)| len + [1, 6, 2][i % 3]).collect();
        // The first name read that breaks a limit decides; the root is depth 0.
        let first_bad = lens.iter().enumerate().find(|(depth, len)| **len > MAX_NAME_LEN || depth + 1 >= MAX_DEPTH);
        let decoded = Message::decode(xml.as_bytes());
        match first_bad {
            Some((_, &len)) if len > MAX_NAME_LEN => {
                prop_assert_eq!(decoded, Err(DecodeError::NameTooLong { len }));
            }
            Some(_) => prop_assert!(matches!(decoded, Err(DecodeError::Xml(_))), "{:?}", decoded),
            None => prop_assert_eq!(decoded, Ok(Message::Other { root: "r".into() })),
        }
    }
}
