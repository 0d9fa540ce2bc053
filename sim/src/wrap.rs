//! Text for an 80-to-100-column terminal: [`wrap`] breaks a line longer than
//! [`WIDTH`] characters at its last space that fits, continuing with a hanging indent.
//! A leaf: it imports nothing of the crate.

/// The widest line the simulator prints.
pub const WIDTH: usize = 100;

/// `text` with every line longer than [`WIDTH`] characters broken at spaces, each
/// continuation indented by `indent` spaces (a word longer than the room is broken
/// where the room ends).
pub fn wrap(text: &str, indent: usize) -> String {
    wrap_within(text, indent, WIDTH)
}

/// [`wrap`] to lines of at most `width` characters (at least 20).
pub fn wrap_within(text: &str, indent: usize, width: usize) -> String {
    let width = width.max(20);
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        wrap_line(body, indent.min(width / 2), width, &mut out);
        out.push_str(newline);
    }
    out
}

/// One line, wrapped into `out`.
fn wrap_line(mut rest: &str, indent: usize, width: usize, out: &mut String) {
    let mut room = width;
    loop {
        if rest.chars().count() <= room {
            out.push_str(rest);
            return;
        }
        let end = rest
            .char_indices()
            .nth(room)
            .map_or(rest.len(), |(at, _)| at);
        let cut = rest[..end].rfind(' ').filter(|&at| at > 0).unwrap_or(end);
        out.push_str(rest[..cut].trim_end());
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent));
        rest = rest[cut..].trim_start();
        room = width - indent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_break_at_spaces_with_a_hanging_indent() {
        let short = "outage ts1: 1 x 10.319s";
        assert_eq!(wrap(short, 4), short);
        let long = format!("note {}", "word ".repeat(40));
        let wrapped = wrap(long.trim_end(), 5);
        for line in wrapped.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("     word")));
        assert_eq!(wrapped.split_whitespace().count(), 41, "no word lost");
        let word = "x".repeat(250);
        let broken = wrap(&word, 2);
        assert_eq!(broken.lines().count(), 3);
        assert_eq!(broken.replace(['\n', ' '], ""), word);
        assert_eq!(wrap("a\nb\n", 2), "a\nb\n", "line ends kept");
    }
}
