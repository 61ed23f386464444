//! XML escaping for the GEXF and GraphML writers.
//!
//! Display names and handles are hostile input: they may hold `<`, `&`,
//! quotes, newlines, bidi controls and characters XML 1.0 forbids (most C0
//! controls, U+FFFE, U+FFFF). Forbidden characters become U+FFFD; markup
//! characters become entities; tab, newline and carriage return become
//! character references so that attribute values keep them (a parser would
//! otherwise normalise them to spaces).

use std::fmt::Write as _;

/// Whether XML 1.0 allows the character at all.
fn allowed(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Appends `s` escaped for use in an attribute value (between double quotes)
/// or in text content.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if !allowed(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `s` escaped for an attribute value or text content.
#[cfg(test)]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile() {
        assert_eq!(
            escape("a\"/><node id=\"x\" & 'b'"),
            "a&quot;/&gt;&lt;node id=&quot;x&quot; &amp; &apos;b&apos;"
        );
        assert_eq!(
            escape("a\u{0}b\u{1b}[31mc\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}[31mc\u{FFFD}"
        );
        assert_eq!(escape("l1\nl2\tx\r"), "l1&#10;l2&#9;x&#13;");
        let rtl = "\u{202E}المتحدث العسكري 🇵🇸";
        assert_eq!(escape(rtl), rtl);
    }
}
