//! A JSON error said as a person wants it: with the path of the value it is about
//! (`faults[0]: missing field ...`), a missing field located at the object that lacks
//! it (serde_json points at its closing brace), and a string left open named as such,
//! located at its opening quote (serde_json says "control character found").

/// An error's location (1-based line and column, in characters) and message.
pub(super) type Described = (Option<(usize, usize)>, String);

/// `error`, found while reading `text`, described.
pub(super) fn describe(
    text: &str,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> Described {
    let inner = error.inner();
    let full = inner.to_string();
    // serde_json appends " at line L column C"; the location goes in front instead.
    // (The last such suffix: the message may quote the file's own text.)
    let mut message = match full.rsplit_once(" at line ") {
        Some((text, _)) if inner.line() > 0 => text.to_string(),
        _ => full,
    };
    // Line 0: serde_json knows no position.
    let Some(offset) = (inner.line() > 0).then(|| offset(text, inner.line(), inner.column()))
    else {
        return (None, with_path(error, message));
    };
    let open = scan(text, offset);
    let mut at = offset;
    if message.starts_with("missing field") {
        at = open.object.unwrap_or(offset);
    } else if let Some(quote) = open.string {
        if message.starts_with("control character")
            || message.starts_with("EOF while parsing a string")
        {
            message = "a string is not closed (a missing `\"` before the line ends)".into();
            at = quote;
        }
    }
    (Some(position(text, at)), with_path(error, message))
}

/// `message` after the path of the value it is about, unless that is the whole file.
fn with_path(error: &serde_path_to_error::Error<serde_json::Error>, message: String) -> String {
    let path = error.path().to_string();
    // `.` is the whole file; `?` a place serde could not name (a syntax error).
    match path.as_str() {
        "." | "" | "?" => message,
        _ if path.starts_with('?') => message,
        _ => format!("{path}: {message}"),
    }
}

/// What is open at a point of the text.
#[derive(Debug, Default, PartialEq)]
struct Open {
    /// The byte offset of the innermost object's `{` (or of the one just closed, when
    /// the point is right after its `}`).
    object: Option<usize>,
    /// The byte offset of the opening quote of the string the point is inside.
    string: Option<usize>,
}

/// What is open at byte `end` of `text`, reading strings and their escapes.
fn scan(text: &str, end: usize) -> Open {
    let mut objects: Vec<usize> = Vec::new();
    let mut closed = None;
    let mut string = None;
    let mut escaped = false;
    for (at, c) in text.char_indices().take_while(|&(at, _)| at < end) {
        match (string, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(_), '"') => string = None,
            (Some(_), _) => {}
            (None, '"') => string = Some(at),
            (None, '{') => objects.push(at),
            (None, '}') => closed = objects.pop(),
            (None, c) if c.is_whitespace() => {}
            (None, _) => closed = None,
        }
    }
    // Pointing at a `}` (or just past it): that object lacks the field.
    let object = match text[end.min(text.len())..].starts_with('}') {
        true => objects.last().copied(),
        false => closed.or(objects.last().copied()),
    };
    Open { object, string }
}

/// The byte offset of serde_json's line and column (the column counting bytes, 0
/// right after a newline).
pub(super) fn offset(text: &str, line: usize, byte_column: usize) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        n => text
            .match_indices('\n')
            .nth(n - 2)
            .map_or(text.len(), |(at, _)| at + 1),
    };
    (line_start + byte_column.saturating_sub(1)).min(text.len())
}

/// The line and column (1-based; the column counts characters, as an editor does) of
/// byte `offset` in `text`.
pub(super) fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_object_and_string_are_found_past_escapes_and_braces_in_strings() {
        let text = r#"{"a": [{"b": "x\"}{", "c": 1}], "d": "open"#;
        let closing = text.find("1}").unwrap() + 1;
        assert_eq!(scan(text, closing).object, Some(text.find("{\"b").unwrap()));
        assert_eq!(
            scan(text, closing + 1).object,
            Some(text.find("{\"b").unwrap())
        );
        assert_eq!(
            scan(text, text.len()).string,
            Some(text.rfind("\"open").unwrap())
        );
        assert_eq!(scan(text, closing).string, None);
    }
}
