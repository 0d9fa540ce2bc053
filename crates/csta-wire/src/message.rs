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
//! | connector → server | `CSTAErrorCode`, a negative answer (it cannot serve) | ECMA-323 | `KeepAliveRejected` (R14) |
//! | connector → server | `SystemStatus` without a value (a heartbeat request) | ECMA-323 | traffic; answered with `SystemStatusResponse` |
//!
//! The reader is tolerant the way CSTA peers are in practice: it matches element names
//! without their namespace prefix, ignores elements it does not need, and reads any
//! other well-formed document as [`Message::Other`] (still traffic for keep-alive). It is
//! strict where a wrong guess would mislead the core: a `SystemStatus` must carry one
//! of the nine ECMA-269 values, and the XML must be well formed.

use core::fmt;

use link_core::SystemStatus;
use quick_xml::events::{BytesDecl, BytesRef, BytesText, Event};
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
    /// A SystemStatus request without a status value: a heartbeat some clients send.
    /// It is answered like any other SystemStatus, and is traffic for keep-alive.
    SystemStatusHeartbeat,
    /// A negative answer to a request (ECMA-323 `CSTAErrorCode`): to the server's
    /// keep-alive, the connector saying it cannot serve (e.g. all its links to the
    /// switch are down). `error` is the first text inside it, or the name of its first
    /// element when that is empty (`operation/generic`: `generic`).
    CstaErrorCode {
        /// The error given.
        error: String,
    },
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
    /// An element name is longer than [`MAX_NAME_LEN`] bytes.
    NameTooLong {
        /// The name's length in bytes.
        len: usize,
    },
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
            DecodeError::NameTooLong { len } => write!(
                f,
                "the message has an element name of {len} bytes; at most {MAX_NAME_LEN} are read"
            ),
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
            Message::SystemStatusHeartbeat => "SystemStatus",
            Message::CstaErrorCode { .. } => "CSTAErrorCode",
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
            Message::SystemStatus(_)
            | Message::SystemStatusResponse
            | Message::SystemStatusHeartbeat
            | Message::CstaErrorCode { .. } => (ECMA_323_NAMESPACE, self.name()),
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
                    session_request(w, application_id, protocol_version, *session_duration_s)
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
            Message::SystemStatusResponse | Message::SystemStatusHeartbeat => {
                element.write_empty()?;
            }
            Message::CstaErrorCode { error } => {
                element.write_inner_content(|w| {
                    text(w, "operation", error)?;
                    Ok(())
                })?;
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
            "StartApplicationSessionNegResponse" => Message::StartApplicationSessionNegResponse {
                error: doc.values.first().cloned().flatten().unwrap_or_default(),
            },
            // No value at all: a heartbeat request, not a broken status.
            "SystemStatus" if doc.values.first().is_none_or(Option::is_none) => {
                Message::SystemStatusHeartbeat
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
            "CSTAErrorCode" => Message::CstaErrorCode {
                error: doc
                    .values
                    .iter()
                    .flatten()
                    .next()
                    .cloned()
                    .unwrap_or_default(),
            },
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

/// The longest element name the codec reads, in bytes, prefix and colon included.
/// CSTA's longest names are under 40 bytes (`StartApplicationSessionPosResponse` is
/// 34); a longer name is refused with [`DecodeError::NameTooLong`].
pub const MAX_NAME_LEN: usize = 128;

/// The fields the codec reads below a root, as paths of local names joined by `/`,
/// and whether a leaf anywhere at or below a path counts (`true`) or only at it.
fn wanted(root: &str) -> (&'static [&'static str], bool) {
    match root {
        "StartApplicationSession" => (
            &[
                "applicationInfo/applicationID",
                "requestedProtocolVersions/protocolVersion",
                "requestedSessionDuration",
            ],
            false,
        ),
        "StartApplicationSessionPosResponse" => (
            &[
                "sessionID",
                "actualProtocolVersion",
                "actualSessionDuration",
            ],
            false,
        ),
        // ECMA-354 has several kinds of error; the first text inside errorCode (or the
        // name of its first element, for an empty one) is the reason.
        "StartApplicationSessionNegResponse" => (&["errorCode"], true),
        "SystemStatus" => (&["systemStatus"], false),
        // ECMA-323's error categories are its children (operation, security, ...): the
        // first text below one (or an empty element's name) is the error.
        // (Seven of the eight: private data carries no error of its own.)
        "CSTAErrorCode" => (
            &[
                "operation",
                "security",
                "stateIncompatibility",
                "systemResourceAvailability",
                "subscribedResourceAvailability",
                "performanceManagement",
                "unspecified",
            ],
            true,
        ),
        _ => (&[], false),
    }
}

/// A document reduced to what the codec needs: the root's local name and, for each
/// field [`wanted`] for that root, the text of the first leaf element at its place.
///
/// Reading is linear in the body: an open element costs one byte of state (which
/// wanted paths it lies on), and only text inside such elements is kept.
struct Document {
    root: String,
    paths: &'static [&'static str],
    values: Vec<Option<String>>,
}

/// The reader's state between two XML events.
struct Scan {
    root: Option<String>,
    root_closed: bool,
    inside_root: bool,
    paths: &'static [&'static str],
    under: bool,
    /// Per open element below the root: bit `i` says it lies on `paths[i]`.
    stack: Vec<u8>,
    /// Whether the innermost open element has a child element.
    has_child: bool,
    /// The text of the innermost open element, kept only when it lies on a path.
    text: String,
    values: Vec<Option<String>>,
}

fn ill_formed(what: &str) -> DecodeError {
    DecodeError::Xml(what.to_owned())
}

/// quick-xml's description, which may quote the peer's bytes as they came: whoever
/// prints it escapes them (`link_core::printable`, as the driver does for its notes).
fn xml_error(e: impl fmt::Display) -> DecodeError {
    DecodeError::Xml(e.to_string())
}

impl Document {
    fn read(xml: &str) -> Result<Document, DecodeError> {
        let mut reader = Reader::from_str(xml);
        let mut scan = Scan {
            root: None,
            root_closed: false,
            inside_root: false,
            paths: &[],
            under: false,
            stack: Vec::new(),
            has_child: false,
            text: String::new(),
            values: Vec::new(),
        };
        loop {
            match reader.read_event().map_err(xml_error)? {
                Event::Start(e) => scan.start(e.name().as_ref(), e.local_name().as_ref(), false)?,
                Event::Empty(e) => scan.start(e.name().as_ref(), e.local_name().as_ref(), true)?,
                Event::End(e) => scan.end(e.local_name().as_ref()),
                Event::Text(t) => scan.text(&t.xml10_content(), "text")?,
                Event::CData(t) => scan.text(&t.xml10_content(), "CDATA")?,
                Event::GeneralRef(r) => scan.reference(&r)?,
                Event::Eof => break,
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if scan.inside_root {
            return Err(ill_formed("the root element is never closed"));
        }
        Ok(Document {
            root: scan.root.ok_or(DecodeError::NoRootElement)?,
            paths: scan.paths,
            values: scan.values,
        })
    }

    fn field(&self, message: &'static str, field: &'static str) -> Result<&str, DecodeError> {
        self.paths
            .iter()
            .position(|p| *p == field)
            .and_then(|i| self.values.get(i)?.as_deref())
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

/// The content of a StartApplicationSession request.
fn session_request(
    w: &mut Writer<Vec<u8>>,
    application_id: &str,
    protocol_version: &str,
    session_duration_s: u32,
) -> std::io::Result<()> {
    w.create_element("applicationInfo")
        .write_inner_content(|w| text(w, "applicationID", application_id))?;
    w.create_element("requestedProtocolVersions")
        .write_inner_content(|w| text(w, "protocolVersion", protocol_version))?;
    text(
        w,
        "requestedSessionDuration",
        &session_duration_s.to_string(),
    )
}

#[cfg(test)]
impl Document {
    /// The bytes the document holds on to: what a decode keeps, however large the body.
    fn retained(&self) -> usize {
        let values: usize = self.values.iter().flatten().map(String::len).sum();
        self.root.len() + values
    }
}

impl Scan {
    /// An element starts: `name` as written, `local` without its prefix.
    fn start(&mut self, name: &str, local: &str, empty: bool) -> Result<(), DecodeError> {
        if self.root_closed {
            return Err(ill_formed("a second element after the root element"));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(DecodeError::NameTooLong { len: name.len() });
        }
        if !is_xml_name(name) {
            return Err(ill_formed("an element name that is not an XML name"));
        }
        if !self.inside_root {
            (self.paths, self.under) = wanted(local);
            self.values = vec![None; self.paths.len()];
            self.root = Some(local.to_owned());
            self.inside_root = !empty;
            self.root_closed = empty;
            self.has_child = false;
            self.text.clear();
            return Ok(());
        }
        self.has_child = true;
        let depth = self.stack.len() + 1;
        let mask = self.mask(depth, local);
        if empty {
            self.leaf(mask, depth, local, "");
        } else {
            if depth >= MAX_DEPTH {
                return Err(ill_formed("nested deeper than the codec reads"));
            }
            self.stack.push(mask);
            self.has_child = false;
            self.text.clear();
        }
        Ok(())
    }

    /// Which wanted paths an element `local` at `depth` below the root lies on.
    fn mask(&self, depth: usize, local: &str) -> u8 {
        let parent = self
            .stack
            .last()
            .copied()
            .unwrap_or((1u8 << self.paths.len()) - 1);
        let mut mask = 0;
        for (i, path) in self.paths.iter().enumerate() {
            if parent & (1 << i) == 0 {
                continue;
            }
            let on = match path.split('/').nth(depth - 1) {
                Some(segment) => segment == local,
                None => self.under,
            };
            mask |= u8::from(on) << i;
        }
        mask
    }

    /// A leaf element (no child elements) ends: it fills each wanted field it is at
    /// (or below, for `under`) that no earlier leaf filled.
    fn leaf(&mut self, mask: u8, depth: usize, local: &str, text: &str) {
        for (i, path) in self.paths.iter().enumerate() {
            let len = path.split('/').count();
            let at = depth == len || (self.under && depth > len);
            if mask & (1 << i) == 0 || !at || self.values[i].is_some() {
                continue;
            }
            let text = text.trim();
            self.values[i] = Some(match text.is_empty() && self.under {
                true => local.to_owned(),
                false => text.to_owned(),
            });
        }
    }

    fn end(&mut self, local: &str) {
        match self.stack.pop() {
            Some(mask) => {
                if !self.has_child && mask != 0 {
                    let text = std::mem::take(&mut self.text);
                    self.leaf(mask, self.stack.len() + 1, local, &text);
                    // Back, so that its buffer serves the next leaf.
                    self.text = text;
                }
                self.text.clear();
                self.has_child = true;
            }
            None => {
                self.inside_root = false;
                self.root_closed = true;
            }
        }
    }

    /// Character data (`what`: "text" or "CDATA"): whitespace is all that may stand
    /// outside the root element.
    fn text(&mut self, text: &str, what: &str) -> Result<(), DecodeError> {
        if self.inside_root {
            self.keep(text);
        } else if what != "text" || !text.trim().is_empty() {
            return Err(DecodeError::Xml(format!("{what} outside the root element")));
        }
        Ok(())
    }

    /// An entity or character reference, resolved into the text.
    fn reference(&mut self, r: &BytesRef<'_>) -> Result<(), DecodeError> {
        if !self.inside_root {
            return Err(ill_formed("a reference outside the root element"));
        }
        match r.resolve_char_ref().map_err(xml_error)? {
            Some(c) => self.keep(c.encode_utf8(&mut [0; 4])),
            None => {
                let reference = format!("&{};", &**r);
                let resolved = quick_xml::escape::unescape(&reference).map_err(xml_error)?;
                self.keep(&resolved);
            }
        }
        Ok(())
    }

    /// Keeps `text` if the innermost open element lies on a wanted path.
    fn keep(&mut self, text: &str) {
        if self.stack.last().is_some_and(|mask| *mask != 0) {
            self.text.push_str(text);
        }
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
        round_trip(Message::SystemStatusHeartbeat);
        round_trip(Message::CstaErrorCode {
            error: "generic".into(),
        });
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
        // A SystemStatus without a value is a heartbeat request (turn 3), not an error.
        assert_eq!(
            Message::decode(b"<SystemStatus/>"),
            Ok(Message::SystemStatusHeartbeat)
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
        // No value at its own place: a heartbeat request; the nested one decides nothing.
        assert_eq!(
            Message::decode(only_nested),
            Ok(Message::SystemStatusHeartbeat)
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

    /// `depth` elements named `name` nested below a root `root`, holding `leaves` empty
    /// `<a/>` elements and then `tail` (inside the innermost).
    fn nested(root: &str, name: &str, depth: usize, leaves: usize, tail: &str) -> String {
        let mut xml = format!("<{root}>");
        for _ in 0..depth {
            xml.push_str(&format!("<{name}>"));
        }
        xml.push_str(&"<a/>".repeat(leaves));
        xml.push_str(tail);
        for _ in 0..depth {
            xml.push_str(&format!("</{name}>"));
        }
        xml.push_str(&format!("</{root}>"));
        xml
    }

    #[test]
    fn element_names_longer_than_the_limit_are_refused() {
        let at_limit = "n".repeat(MAX_NAME_LEN);
        assert_eq!(
            Message::decode(format!("<{at_limit}/>").as_bytes()),
            Ok(Message::Other { root: at_limit })
        );
        let over = "n".repeat(MAX_NAME_LEN + 1);
        assert_eq!(
            Message::decode(format!("<{over}/>").as_bytes()),
            Err(DecodeError::NameTooLong {
                len: MAX_NAME_LEN + 1
            })
        );
        // The prefix counts: the limit is on the name as written.
        let prefixed = format!("p:{}", "n".repeat(MAX_NAME_LEN - 1));
        assert_eq!(
            Message::decode(format!("<SystemStatus><{prefixed}/></SystemStatus>").as_bytes()),
            Err(DecodeError::NameTooLong {
                len: MAX_NAME_LEN + 1
            })
        );
        // The body that cost 267 ms and 260 MB per decode: 31 nested 1,000-byte names
        // around 8,615 leaves. It is refused at its first long name.
        let hostile = nested("r", &"n".repeat(1000), 31, 8615, "");
        assert_eq!(
            Message::decode(hostile.as_bytes()),
            Err(DecodeError::NameTooLong { len: 1000 })
        );
        assert_eq!(
            DecodeError::NameTooLong { len: 1000 }.to_string(),
            "the message has an element name of 1000 bytes; at most 128 are read"
        );
    }

    #[test]
    fn a_hostile_nested_body_keeps_only_the_fields_it_reads() {
        // As deep and as long-named as the limits allow, ~64 KB, the field at the end.
        let name = "n".repeat(MAX_NAME_LEN);
        let depth = MAX_DEPTH - 3;
        let tail = "<systemStatus>normal</systemStatus>";
        let inner = nested("SystemStatus", &name, depth, 14_000, tail);
        let body =
            format!("<SystemStatus>{inner}<systemStatus>normal</systemStatus></SystemStatus>");
        assert!(body.len() > 60_000 && body.len() <= crate::framing::MAX_BODY_LEN);
        // The inner systemStatus is MAX_DEPTH - 1 levels below the root: the codec reads
        // the body, and only the systemStatus at its own place counts.
        let doc = Document::read(&body).expect("within the limits");
        assert_eq!(doc.values, vec![Some("normal".to_owned())]);
        // One path string per leaf kept 8,000 x 30 x 129 bytes; the document now keeps
        // its root's name and the one field it reads.
        assert_eq!(doc.retained(), "SystemStatus".len() + "normal".len());
        assert_eq!(
            Message::decode(body.as_bytes()),
            Ok(Message::SystemStatus(SystemStatus::Normal))
        );
        // The same under a negative response: the first leaf inside errorCode is the
        // reason, however deep, and nothing else is kept.
        let neg = nested("errorCode", &name, depth - 1, 14_000, "");
        let neg = format!(
            "<StartApplicationSessionNegResponse>{neg}</StartApplicationSessionNegResponse>"
        );
        let doc = Document::read(&neg).expect("within the limits");
        assert_eq!(doc.values, vec![Some("a".to_owned())]);
        assert_eq!(
            doc.retained(),
            "StartApplicationSessionNegResponse".len() + 1
        );
        // A document the codec does not know keeps its root's name alone.
        let other = nested("Other", &name, depth, 14_000, tail);
        assert_eq!(Document::read(&other).expect("read").retained(), 5);
    }

    #[test]
    fn an_xml_error_quotes_the_peer_s_bytes_for_the_printer_to_escape() {
        let error = Message::decode(b"<a></a\x1b[2J>").expect_err("a mismatched end tag");
        assert!(matches!(error, DecodeError::Xml(_)));
        let text = error.to_string();
        assert!(text.contains("\u{1b}[2J"), "{text:?}");
        assert!(link_core::printable(&text).contains("\\u{1b}[2J"));
    }
}

#[cfg(test)]
mod turn_three_tests {
    use super::*;

    /// The fidelity issue: a connector's empty `<SystemStatus/>` (a heartbeat request)
    /// is read as one, not as a broken status (it was undecodable traffic), and an
    /// ECMA-323 error answer is read with its error, whichever category holds it.
    #[test]
    fn an_empty_system_status_is_a_heartbeat_and_an_error_code_is_read() {
        let heartbeat = br#"<SystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"/>"#;
        assert_eq!(
            Message::decode(heartbeat),
            Ok(Message::SystemStatusHeartbeat)
        );
        let open_close = b"<csta:SystemStatus xmlns:csta=\"x\"></csta:SystemStatus>";
        assert_eq!(
            Message::decode(open_close),
            Ok(Message::SystemStatusHeartbeat)
        );
        let bad = b"<SystemStatus><systemStatus>sleepy</systemStatus></SystemStatus>";
        assert!(
            Message::decode(bad).is_err(),
            "a wrong value is still an error"
        );
        let cases: [(&[u8], &str); 3] = [
            (b"<CSTAErrorCode><operation><generic/></operation></CSTAErrorCode>", "generic"),
            (
                b"<CSTAErrorCode><systemResourceAvailability>serviceBusy</systemResourceAvailability></CSTAErrorCode>",
                "serviceBusy",
            ),
            (b"<CSTAErrorCode/>", ""),
        ];
        for (body, error) in cases {
            assert_eq!(
                Message::decode(body),
                Ok(Message::CstaErrorCode {
                    error: error.into()
                }),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
