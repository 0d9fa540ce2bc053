//! What the wire costs per message, next to the core's ~13 ns per step: encoding and
//! decoding the documents a link exchanges, and cutting a burst of them out of a byte
//! stream. Run: `cargo bench -p csta-wire --bench codec`.

use bytes::BytesMut;
use csta_wire::framing::MAX_BODY_LEN;
use csta_wire::{
    Frame, Framing, HeaderFraming, InvokeId, Message, ECMA_323_NAMESPACE, MAX_DEPTH, MAX_NAME_LEN,
};
use divan::{black_box, Bencher};
use link_core::SystemStatus;

fn main() {
    divan::main();
}

fn positive() -> Message {
    Message::StartApplicationSessionPosResponse {
        session_id: "CSTA_EAST-session-0001".into(),
        protocol_version: ECMA_323_NAMESPACE.into(),
        session_duration_s: 180,
    }
}

#[divan::bench]
fn encode_system_status() -> Vec<u8> {
    black_box(Message::SystemStatus(SystemStatus::Normal)).encode()
}

#[divan::bench]
fn decode_system_status(bencher: Bencher) {
    let body = Message::SystemStatus(SystemStatus::Normal).encode();
    bencher.bench(|| Message::decode(black_box(&body)));
}

#[divan::bench]
fn decode_session_response(bencher: Bencher) {
    let body = positive().encode();
    bencher.bench(|| Message::decode(black_box(&body)));
}

/// 64 frames (a session response, then SystemStatus and keep-alive answers) arriving
/// in one read: unframe and decode them all. Counted per message.
#[divan::bench]
fn unframe_and_decode_burst(bencher: Bencher) {
    let mut wire = BytesMut::new();
    for i in 0..64u16 {
        let message = match i % 3 {
            0 => positive(),
            1 => Message::SystemStatus(SystemStatus::Normal),
            _ => Message::SystemStatusResponse,
        };
        let frame = Frame {
            invoke_id: InvokeId::new(i).expect("in range"),
            body: message.encode(),
        };
        HeaderFraming.encode(&frame, &mut wire).expect("fits");
    }
    bencher
        .counter(divan::counter::ItemsCount::new(64usize))
        .with_inputs(|| wire.clone())
        .bench_local_values(|mut buf| {
            let mut decoded = 0;
            while let Some(frame) = HeaderFraming.decode(&mut buf).expect("valid") {
                if Message::decode(&frame.body).is_ok() {
                    decoded += 1;
                }
            }
            decoded
        });
}

/// A body of at most `MAX_BODY_LEN` bytes: `depth` elements named `name` nested below
/// a root, around as many `<a/>` leaves as fit.
fn nested_body(name: &str, depth: usize) -> Vec<u8> {
    let tags = 7 + depth * (2 * name.len() + 5);
    let leaves = MAX_BODY_LEN.saturating_sub(tags) / 4;
    let mut xml = String::from("<r>");
    for _ in 0..depth {
        xml.push_str(&format!("<{name}>"));
    }
    xml.push_str(&"<a/>".repeat(leaves));
    for _ in 0..depth {
        xml.push_str(&format!("</{name}>"));
    }
    xml.push_str("</r>");
    xml.into_bytes()
}

/// A hostile frame next to a flat one of the same size (64 KB, one frame's most):
/// `flat` is 16,380 leaves below the root; `nested_at_the_limits` is as deep and as
/// long-named as the codec reads (30 levels of 128-byte names, then ~14,400 leaves);
/// `nested_long_names` has 1,000-byte names, refused at the first. Decoding costs time
/// linear in the body, so the three stay within a small factor of each other (a path
/// string per leaf made the second ~120 times the first).
#[divan::bench(args = ["flat", "nested_at_the_limits", "nested_long_names"])]
fn decode_64_kb(bencher: Bencher, shape: &str) {
    let body = match shape {
        "flat" => nested_body("a", 0),
        "nested_at_the_limits" => nested_body(&"n".repeat(MAX_NAME_LEN), MAX_DEPTH - 2),
        _ => nested_body(&"n".repeat(1000), 31),
    };
    bencher
        .counter(divan::counter::BytesCount::new(body.len()))
        .bench(|| Message::decode(black_box(&body)));
}
