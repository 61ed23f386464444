//! Small helpers shared by the format modules.

use crate::{DecodeError, DecodeOptions, Summary, framing};
use serde::{Deserialize, Deserializer};
use std::io::BufRead;
use tarjuman_model::{Flow, Problem, Record, RecordSink};

/// Counts what went to the sink, so decoders can fill their [`crate::Summary`].
pub(crate) struct Counted<'a> {
    pub out: &'a mut dyn RecordSink,
    pub records: u64,
    pub problems: u64,
}

impl<'a> Counted<'a> {
    pub fn new(out: &'a mut dyn RecordSink) -> Self {
        Counted {
            out,
            records: 0,
            problems: 0,
        }
    }
    pub fn record(&mut self, line: u64, r: Record) -> Flow {
        self.records += 1;
        self.out.record(line, r)
    }
    pub fn problem(&mut self, p: Problem) -> Flow {
        self.problems += 1;
        self.out.problem(p)
    }
}

/// Runs a JSON format over `input`: frames it into JSON values
/// ([`framing::json_values`]), calls `value(line, offset, bytes, sink)` on
/// each, counts what reaches the sink and returns the summary.
pub(crate) fn decode_json_values(
    input: &mut dyn BufRead,
    opts: &DecodeOptions,
    out: &mut dyn RecordSink,
    mut value: impl FnMut(u64, u64, &[u8], &mut Counted<'_>) -> Flow,
) -> Result<Summary, DecodeError> {
    let mut c = Counted::new(out);
    let lines = {
        let cref = std::cell::RefCell::new(&mut c);
        framing::json_values(
            input,
            opts,
            &mut |fr| value(fr.line, fr.offset, fr.bytes, &mut cref.borrow_mut()),
            &mut |p| cref.borrow_mut().problem(p),
        )?
    };
    Ok(Summary {
        records: c.records,
        problems: c.problems,
        lines,
    })
}

/// An id that may be written as a JSON string or a JSON integer; integers
/// are read exactly (serde_json parses them as u64, never through f64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            U(u64),
            I(i64),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::S(s) => Id(s),
            Raw::U(u) => Id(u.to_string()),
            Raw::I(i) => Id(i.to_string()),
        })
    }
}

/// Reads a count that may be a number, a numeric string, or null.
pub(crate) fn lenient_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        I(i64),
        F(f64),
        S(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        Some(Raw::I(i)) => Some(i),
        Some(Raw::F(f)) if f.is_finite() => Some(f as i64),
        Some(Raw::S(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Hashtags in free text (`#word`), for formats without entity lists.
/// A hashtag is `#` followed by letters, marks, digits or `_`, not preceded
/// by a word character.
pub fn hashtags_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if (c == '#' || c == '＃')
            && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '&')
        {
            let start = i + c.len_utf8();
            let mut end = start;
            while let Some(&(j, d)) = it.peek() {
                if d.is_alphanumeric() || d == '_' || is_mark(d) || d == '\u{200c}' {
                    end = j + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            let tag = &text[start..end];
            if tag.chars().any(|c| !c.is_ascii_digit()) && !tag.is_empty() {
                out.push(tag.to_string());
            }
            prev = text[..end].chars().last();
            continue;
        }
        prev = Some(c);
    }
    out
}

/// `@handle` mentions in free text (ASCII handles, as X and Telegram use).
pub fn mentions_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'@' && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
            let s = i + 1;
            let mut e = s;
            while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
                e += 1;
            }
            if e > s {
                out.push(text[s..e].to_string());
            }
            i = e.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// `http(s)://` URLs in free text.
pub fn urls_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("http") {
        let cand = &rest[pos..];
        if cand.starts_with("http://") || cand.starts_with("https://") {
            let end = cand
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '«' | '»'))
                .unwrap_or(cand.len());
            let url = cand[..end].trim_end_matches(['.', ',', ')', ';', ':', '!', '?', '،', '\'']);
            if url.len() > 8 {
                out.push(url.to_string());
            }
            rest = &cand[end.max(1)..];
        } else {
            rest = &cand[4..];
        }
    }
    out
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x0640)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_entities() {
        assert_eq!(
            hashtags_in("#غزة now #Gaza_2023, a#b #123 #حماس!"),
            vec!["غزة", "Gaza_2023", "حماس"]
        );
        assert_eq!(
            mentions_in("hi @IDF and @a_b, mail x@y.com"),
            vec!["IDF", "a_b"]
        );
        assert_eq!(
            urls_in("see https://t.co/abc. and (http://x.org/a?b=1)"),
            vec!["https://t.co/abc", "http://x.org/a?b=1"]
        );
    }
}
