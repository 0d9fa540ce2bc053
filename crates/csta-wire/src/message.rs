//! The XML documents a link exchanges, read and written with `quick-xml`.
//!
//! | direction | document | standard | core event |
//! |---|---|---|---|
//! | server → connector | `StartApplicationSession` | ECMA-354 | (association request, R3) |
//! | connector → server | `StartApplicationSessionPosResponse` | ECMA-354 | `AssociationAccepted` (R4) |
//! | connector → server | `StartApplicationSessionNegResponse` | ECMA-354 | `AssociationRejected` (R4) |
//! | connector → server | `SystemStatus` with an ECMA-269 value | ECMA-323 | `SystemStatus` (R5) |
//! | server → connector | `SystemStatus` (`normal`), the keep-alive request | ECMA-323 | (R14) |
//! | either way | `SystemStatusResponse`, the answer | ECMA-323 | `KeepAliveAnswered` (R14) |
//!
//! The reader is tolerant the way CSTA peers are in practice: it matches element names
//! without their namespace prefix, ignores elements it does not need, and reads any
//! other well-formed document as [`Message::Other`] (still traffic for keep-alive). It is
//! strict where a wrong guess would mislead the core: a `SystemStatus` must carry one
//! of the nine ECMA-269 values, and the XML must be well formed.

use core::fmt;

use link_core::SystemStatus;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::{Reader, Writer};

/// The ECMA-354 (application session services) namespace.
pub const ECMA_354_NAMESPACE: &str =
    "http://www.ecma-international.org/standards/ecma-354/appl_session";
/// The ECMA-323 namespace of the edition this codec writes (CSTA Phase III, edition 3).
pub const ECMA_323_NAMESPACE: &str =
    "http://www.ecma-international.org/standards/ecma-323/csta/ed3";

/// One CSTA-XML document, as far as link selection needs to understand it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// The association request: start an application session (ECMA-354).
    StartApplicationSession {
        /// Who asks (the T-Server application's name).
        application_id: String,
        /// The CSTA-XML protocol version asked for (an ECMA-323 namespace).
        protocol_version: String,
        /// The session duration asked for, in seconds.
        session_duration_s: u32,
    },
    /// The association was accepted.
    StartApplicationSessionPosResponse {
        /// The session's identifier, chosen by the connector.
        session_id: String,
        /// The protocol version the connector will speak.
        protocol_version: String,
        /// The session duration granted, in seconds.
        session_duration_s: u32,
    },
    /// The association was refused; `error` is the connector's reason (ECMA-354
    /// `definedError`, e.g. `requestedProtocolVersionNotSupported`). A response whose
    /// error element is empty reads back as that element's name, so an empty `error`
    /// is written as an empty `definedError` element and read as `definedError`.
    StartApplicationSessionNegResponse {
        /// The reason given.
        error: String,
    },
    /// The SystemStatus service: from a connector it reports the switch's status (R5);
    /// from the server, always `normal`, it is the keep-alive request (R14).
    SystemStatus(SystemStatus),
    /// The answer to a SystemStatus request.
    SystemStatusResponse,
    /// Any other well-formed document; `root` is its root element's local name.
    Other {
        /// The root element's local name (an XML name; the encoder writes it as is).
        root: String,
    },
}

/// Why a body is not a message this codec can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The body is not UTF-8 (CSTA-XML is UTF-8).
    NotUtf8,
    /// The XML is not well formed; the text is `quick-xml`'s description.
    Xml(String),
    /// The body holds no element at all.
    NoRootElement,
    /// A document the codec knows lacks a field it needs.
    MissingField {
        /// The document.
        message: &'static str,
        /// The missing element.
        field: &'static str,
    },
    /// A field has a value outside its type (a duration that is not a number, a
    /// SystemStatus value that is not one of the nine).
    BadValue {
        /// The element.
        field: &'static str,
        /// What it held.
        value: String,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::NotUtf8 => f.write_str("the message is not UTF-8"),
            DecodeError::Xml(e) => write!(f, "the message is not well-formed XML: {e}"),
            DecodeError::NoRootElement => f.write_str("the message holds no XML element"),
            DecodeError::MissingField { message, field } => {
                write!(f, "{message} without <{field}>")
            }
            DecodeError::BadValue { field, value } => write!(f, "<{field}> holds {value:?}"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl Message {
    /// The root element's name, for logs.
    pub fn name(&self) -> &str {
        match self {
            Message::StartApplicationSession { .. } => "StartApplicationSession",
            Message::StartApplicationSessionPosResponse { .. } => {
                "StartApplicationSessionPosResponse"
            }
            Message::StartApplicationSessionNegResponse { .. } => {
                "StartApplicationSessionNegResponse"
            }
            Message::SystemStatus(_) => "SystemStatus",
            Message::SystemStatusResponse => "SystemStatusResponse",
            Message::Other { root } => root,
        }
    }

    /// The document as UTF-8 XML, with an XML declaration and the standard's namespace.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(Vec::with_capacity(256));
        // Writing into a Vec cannot fail; the io::Result exists for other sinks.
        let _ = self.write(&mut w);
        w.into_inner()
    }

    fn write(&self, w: &mut Writer<Vec<u8>>) -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let (ns, root) = match self {
            Message::StartApplicationSession { .. }
            | Message::StartApplicationSessionPosResponse { .. }
            | Message::StartApplicationSessionNegResponse { .. } => {
                (ECMA_354_NAMESPACE, self.name())
            }
            Message::SystemStatus(_) | Message::SystemStatusResponse => {
                (ECMA_323_NAMESPACE, self.name())
            }
            Message::Other { root } => {
                w.create_element(root.as_str()).write_empty()?;
                return Ok(());
            }
        };
        let element = w.create_element(root).with_attribute(("xmlns", ns));
        match self {
            Message::StartApplicationSession {
                application_id,
                protocol_version,
                session_duration_s,
            } => {
                element.write_inner_content(|w| {
                    w.create_element("applicationInfo")
                        .write_inner_content(|w| {
                            text(w, "applicationID", application_id)?;
                            Ok(())
                        })?;
                    w.create_element("requestedProtocolVersions")
                        .write_inner_content(|w| {
                            text(w, "protocolVersion", protocol_version)?;
                            Ok(())
                        })?;
                    text(
                        w,
                        "requestedSessionDuration",
                        &session_duration_s.to_string(),
                    )?;
                    Ok(())
                })?;
            }
            Message::StartApplicationSessionPosResponse {
                session_id,
                protocol_version,
                session_duration_s,
            } => {
                element.write_inner_content(|w| {
                    text(w, "sessionID", session_id)?;
                    text(w, "actualProtocolVersion", protocol_version)?;
                    text(w, "actualSessionDuration", &session_duration_s.to_string())?;
                    Ok(())
                })?;
            }
            Message::StartApplicationSessionNegResponse { error } => {
                element.write_inner_content(|w| {
                    w.create_element("errorCode").write_inner_content(|w| {
                        text(w, "definedError", error)?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
            }
            Message::SystemStatus(status) => {
                element.write_inner_content(|w| {
                    text(w, "systemStatus", status.as_str())?;
                    Ok(())
                })?;
            }
            Message::SystemStatusResponse => {
                element.write_empty()?;
            }
            Message::Other { .. } => unreachable!("written above"),
        }
        Ok(())
    }

    /// Reads one document. See the module documentation for what is tolerated.
    pub fn decode(body: &[u8]) -> Result<Message, DecodeError> {
        let xml = core::str::from_utf8(body).map_err(|_| DecodeError::NotUtf8)?;
        let doc = Document::read(xml)?;
        Ok(match doc.root.as_str() {
            "StartApplicationSession" => {
                let root = "StartApplicationSession";
                Message::StartApplicationSession {
                    application_id: doc.field(root, "applicationInfo/applicationID")?.to_owned(),
                    protocol_version: doc
                        .field(root, "requestedProtocolVersions/protocolVersion")?
                        .to_owned(),
                    session_duration_s: doc.number(root, "requestedSessionDuration")?,
                }
            }
            "StartApplicationSessionPosResponse" => {
                let root = "StartApplicationSessionPosResponse";
                Message::StartApplicationSessionPosResponse {
                    session_id: doc.field(root, "sessionID")?.to_owned(),
                    protocol_version: doc.field(root, "actualProtocolVersion")?.to_owned(),
                    session_duration_s: doc.number(root, "actualSessionDuration")?,
                }
            }
            "StartApplicationSessionNegResponse" => {
                // ECMA-354 has several kinds of error; the first text inside errorCode
                // (or the name of its first element, for an empty one) is the reason.
                let error = doc
                    .leaves
                    .iter()
                    .find(|(path, _)| path == "errorCode" || path.starts_with("errorCode/"))
                    .map(|(path, value)| match value.is_empty() {
                        true => path.rsplit('/').next().unwrap_or_default().to_owned(),
                        false => value.clone(),
                    })
                    .unwrap_or_default();
                Message::StartApplicationSessionNegResponse { error }
            }
            "SystemStatus" => {
                let value = doc.field("SystemStatus", "systemStatus")?;
                let status = SystemStatus::ALL
                    .into_iter()
                    .find(|s| s.as_str() == value)
                    .ok_or_else(|| DecodeError::BadValue {
                        field: "systemStatus",
                        value: value.to_owned(),
                    })?;
                Message::SystemStatus(status)
            }
            "SystemStatusResponse" => Message::SystemStatusResponse,
            other => Message::Other {
                root: other.to_owned(),
            },
        })
    }
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

/// How deep a document may nest. CSTA documents are a handful of levels deep; the
/// bound keeps a hostile frame from costing more than linear time.
pub const MAX_DEPTH: usize = 32;

/// A document flattened to what the codec needs: the root's local name and every leaf
/// element, as its path below the root (local names joined by `/`) and its text.
struct Document {
    root: String,
    leaves: Vec<(String, String)>,
}

impl Document {
    fn read(xml: &str) -> Result<Document, DecodeError> {
        let mut reader = Reader::from_str(xml);
        let xml_error = |e: quick_xml::Error| DecodeError::Xml(e.to_string());
        let ill_formed = |what: &str| DecodeError::Xml(what.to_owned());
        let mut root: Option<String> = None;
        let mut root_closed = false;
        // The open elements below the root, and whether the innermost has a child.
        let mut stack: Vec<String> = Vec::new();
        let mut inside_root = false;
        let mut has_child = false;
        let mut leaves = Vec::new();
        let mut current_text = String::new();
        loop {
            let event = reader.read_event().map_err(xml_error)?;
            let outside_root = !inside_root;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    if root_closed {
                        return Err(ill_formed("a second element after the root element"));
                    }
                    if !is_xml_name(e.name().as_ref()) {
                        return Err(ill_formed("an element name that is not an XML name"));
                    }
                    let name = e.local_name().as_ref().to_owned();
                    let empty = matches!(event, Event::Empty(_));
                    if !inside_root {
                        root = Some(name);
                        inside_root = !empty;
                        root_closed = empty;
                        has_child = false;
                        current_text.clear();
                        continue;
                    }
                    has_child = true;
                    if empty {
                        leaves.push((path(&stack, &name), String::new()));
                    } else {
                        if stack.len() + 1 >= MAX_DEPTH {
                            return Err(ill_formed("nested deeper than the codec reads"));
                        }
                        stack.push(name);
                        has_child = false;
                        current_text.clear();
                    }
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    if outside_root {
                        if !text.trim().is_empty() {
                            return Err(ill_formed("text outside the root element"));
                        }
                    } else {
                        current_text.push_str(&text);
                    }
                }
                Event::CData(t) => {
                    if outside_root {
                        return Err(ill_formed("CDATA outside the root element"));
                    }
                    current_text.push_str(&t.xml10_content());
                }
                Event::GeneralRef(r) => {
                    if outside_root {
                        return Err(ill_formed("a reference outside the root element"));
                    }
                    let resolved = match r.resolve_char_ref().map_err(xml_error)? {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::unescape(&format!("&{};", &*r))
                            .map_err(|e| DecodeError::Xml(e.to_string()))?
                            .into_owned(),
                    };
                    current_text.push_str(&resolved);
                }
                Event::End(_) => match stack.pop() {
                    Some(name) => {
                        if !has_child {
                            leaves.push((path(&stack, &name), current_text.trim().to_owned()));
                        }
                        current_text.clear();
                        has_child = true;
                    }
                    None => {
                        inside_root = false;
                        root_closed = true;
                    }
                },
                Event::Eof => break,
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if inside_root {
            return Err(ill_formed("the root element is never closed"));
        }
        let root = root.ok_or(DecodeError::NoRootElement)?;
        Ok(Document { root, leaves })
    }

    fn field(&self, message: &'static str, field: &'static str) -> Result<&str, DecodeError> {
        self.leaves
            .iter()
            .find(|(path, _)| path == field)
            .map(|(_, value)| value.as_str())
            .ok_or(DecodeError::MissingField { message, field })
    }

    fn number(&self, message: &'static str, field: &'static str) -> Result<u32, DecodeError> {
        let value = self.field(message, field)?;
        value.trim().parse().map_err(|_| DecodeError::BadValue {
            field,
            value: value.to_owned(),
        })
    }
}

/// Whether `name` is a qualified XML name, `local` or `prefix:local`, each part starting
/// with a letter, `_` or a non-ASCII character and going on with those, digits, `-` and
/// `.`. quick-xml is lenient about names; the codec is not, so that whatever it reads it
/// can also write.
fn is_xml_name(name: &str) -> bool {
    let start_ok = |c: char| c.is_alphabetic() || c == '_' || !c.is_ascii();
    let part_ok = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(start_ok)
            && chars.all(|c| start_ok(c) || c.is_ascii_digit() || matches!(c, '-' | '.'))
    };
    match name.split_once(':') {
        Some((prefix, local)) => part_ok(prefix) && part_ok(local),
        None => part_ok(name),
    }
}

/// `stack` and `name` joined by `/`: an element's path below the root.
fn path(stack: &[String], name: &str) -> String {
    let mut path = stack.join("/");
    if !path.is_empty() {
        path.push('/');
    }
    path.push_str(name);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(message: Message) {
        let xml = message.encode();
        assert_eq!(
            Message::decode(&xml),
            Ok(message.clone()),
            "{}",
            String::from_utf8_lossy(&xml)
        );
    }

    #[test]
    fn every_message_survives_encode_then_decode() {
        round_trip(Message::StartApplicationSession {
            application_id: "T-Server <east> & co".into(),
            protocol_version: ECMA_323_NAMESPACE.into(),
            session_duration_s: 180,
        });
        round_trip(Message::StartApplicationSessionPosResponse {
            session_id: "s-1".into(),
            protocol_version: ECMA_323_NAMESPACE.into(),
            session_duration_s: 60,
        });
        round_trip(Message::StartApplicationSessionNegResponse {
            error: "requestedProtocolVersionNotSupported".into(),
        });
        for status in SystemStatus::ALL {
            round_trip(Message::SystemStatus(status));
        }
        round_trip(Message::SystemStatusResponse);
        round_trip(Message::Other {
            root: "ResetApplicationSessionTimer".into(),
        });
    }

    #[test]
    fn system_status_is_written_as_ecma_323_says() {
        let xml =
            String::from_utf8(Message::SystemStatus(SystemStatus::MessagesLost).encode()).unwrap();
        assert_eq!(
            xml,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SystemStatus xmlns=\"{ECMA_323_NAMESPACE}\"><systemStatus>messagesLost</systemStatus></SystemStatus>"
            )
        );
    }

    #[test]
    fn a_connector_s_own_layout_is_read_prefixes_whitespace_and_extras_included() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
            <!-- from a connector -->
            <csta:SystemStatus xmlns:csta="http://www.ecma-international.org/standards/ecma-323/csta/ed4">
              <csta:systemStatus> normal </csta:systemStatus>
              <csta:extensions><csta:privateData>x</csta:privateData></csta:extensions>
            </csta:SystemStatus>"#;
        assert_eq!(
            Message::decode(xml),
            Ok(Message::SystemStatus(SystemStatus::Normal))
        );
        let neg = br#"<StartApplicationSessionNegResponse><errorCode><definedError>invalid&amp;ApplicationInfo</definedError></errorCode></StartApplicationSessionNegResponse>"#;
        assert_eq!(
            Message::decode(neg),
            Ok(Message::StartApplicationSessionNegResponse {
                error: "invalid&ApplicationInfo".into()
            })
        );
        assert_eq!(
            Message::decode(b"<MonitorStartResponse><x>1</x></MonitorStartResponse>"),
            Ok(Message::Other {
                root: "MonitorStartResponse".into()
            })
        );
    }

    #[test]
    fn bad_documents_are_typed_errors() {
        assert_eq!(Message::decode(b"\xff\xfe"), Err(DecodeError::NotUtf8));
        assert_eq!(Message::decode(b"  "), Err(DecodeError::NoRootElement));
        assert!(matches!(
            Message::decode(b"<SystemStatus><systemStatus>normal</SystemStatus>"),
            Err(DecodeError::Xml(_))
        ));
        assert!(matches!(
            Message::decode(b"<a/><b/>"),
            Err(DecodeError::Xml(_))
        ));
        assert_eq!(
            Message::decode(b"<SystemStatus><systemStatus>fine</systemStatus></SystemStatus>"),
            Err(DecodeError::BadValue {
                field: "systemStatus",
                value: "fine".into()
            })
        );
        assert_eq!(
            Message::decode(b"<SystemStatus/>"),
            Err(DecodeError::MissingField {
                message: "SystemStatus",
                field: "systemStatus"
            })
        );
        assert_eq!(
            Message::decode(
                b"<StartApplicationSessionPosResponse><sessionID>1</sessionID><actualProtocolVersion>v</actualProtocolVersion><actualSessionDuration>soon</actualSessionDuration></StartApplicationSessionPosResponse>"
            ),
            Err(DecodeError::BadValue {
                field: "actualSessionDuration",
                value: "soon".into()
            })
        );
    }

    #[test]
    fn errors_read_as_sentences_for_the_driver_s_notes() {
        let missing = DecodeError::MissingField {
            message: "SystemStatus",
            field: "systemStatus",
        };
        assert_eq!(missing.to_string(), "SystemStatus without <systemStatus>");
        let bad = DecodeError::BadValue {
            field: "systemStatus",
            value: "fine".into(),
        };
        assert_eq!(bad.to_string(), "<systemStatus> holds \"fine\"");
        assert_eq!(DecodeError::NotUtf8.to_string(), "the message is not UTF-8");
    }

    #[test]
    fn documents_that_are_not_well_formed_are_refused() {
        let xml_error = |body: &[u8]| matches!(Message::decode(body), Err(DecodeError::Xml(_)));
        assert!(
            xml_error(b"<SystemStatus><systemStatus>normal</systemStatus>"),
            "unclosed root"
        );
        assert!(xml_error(
            b"junk<SystemStatus><systemStatus>normal</systemStatus></SystemStatus>"
        ));
        assert!(xml_error(
            b"<SystemStatus><systemStatus>normal</systemStatus></SystemStatus>junk"
        ));
        let deep = format!(
            "<a>{}{}</a>",
            "<b>".repeat(MAX_DEPTH),
            "</b>".repeat(MAX_DEPTH)
        );
        assert!(xml_error(deep.as_bytes()), "too deep");
        // Found by the csta_wire fuzz target: quick-xml reads `<\t<1\t/>` as an element
        // with an empty name, which the codec could not write back.
        assert!(xml_error(b"<\t<1\t/>\r"), "no element name");
        assert!(xml_error(b"<1a/>"), "a name starting with a digit");
        // Also found by the fuzzer: two colons make a local name starting with ':'.
        assert!(xml_error(b"<A::B/>"), "a second colon");
        assert_eq!(
            Message::decode(b"<csta:Foo/>"),
            Ok(Message::Other { root: "Foo".into() })
        );
        // XML names may start with `_` and hold non-ASCII characters that are not letters.
        assert_eq!(
            Message::decode("<_private/>".as_bytes()),
            Ok(Message::Other {
                root: "_private".into()
            })
        );
        assert_eq!(
            Message::decode("<\u{b7}x/>".as_bytes()),
            Ok(Message::Other {
                root: "\u{b7}x".into()
            })
        );
        let fine = format!(
            "<a>{}{}</a>",
            "<b>".repeat(MAX_DEPTH - 3),
            "</b>".repeat(MAX_DEPTH - 3)
        );
        assert_eq!(
            Message::decode(fine.as_bytes()),
            Ok(Message::Other { root: "a".into() })
        );
    }

    #[test]
    fn only_the_field_at_its_own_place_counts() {
        // A systemStatus inside private data must not decide R5.
        let xml = b"<SystemStatus><extensions><privateData><systemStatus>normal</systemStatus></privateData></extensions><systemStatus>disabled</systemStatus></SystemStatus>";
        assert_eq!(
            Message::decode(xml),
            Ok(Message::SystemStatus(SystemStatus::Disabled))
        );
        let only_nested = b"<SystemStatus><extensions><systemStatus>normal</systemStatus></extensions></SystemStatus>";
        assert_eq!(
            Message::decode(only_nested),
            Err(DecodeError::MissingField {
                message: "SystemStatus",
                field: "systemStatus"
            })
        );
        let text_only = b"<StartApplicationSessionNegResponse><errorCode>noCommonProtocolVersion</errorCode></StartApplicationSessionNegResponse>";
        assert_eq!(
            Message::decode(text_only),
            Ok(Message::StartApplicationSessionNegResponse {
                error: "noCommonProtocolVersion".into()
            })
        );
        let empty_kind = b"<StartApplicationSessionNegResponse><errorCode><applicationNotAuthorized/></errorCode></StartApplicationSessionNegResponse>";
        assert_eq!(
            Message::decode(empty_kind),
            Ok(Message::StartApplicationSessionNegResponse {
                error: "applicationNotAuthorized".into()
            })
        );
    }
}
