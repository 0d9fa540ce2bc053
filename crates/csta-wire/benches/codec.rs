//! What the wire costs per message, next to the core's ~13 ns per step: encoding and
//! decoding the documents a link exchanges, and cutting a burst of them out of a byte
//! stream. Run: `cargo bench -p csta-wire --bench codec`.

use bytes::BytesMut;
use csta_wire::{Frame, Framing, HeaderFraming, InvokeId, Message, ECMA_323_NAMESPACE};
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
