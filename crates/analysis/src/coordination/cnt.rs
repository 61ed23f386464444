//! The Coordination Network Toolkit's text handling, reproduced exactly.
//!
//! The toolkit (QUT Digital Observatory, HEAD `daa0e11`) prepares text in two
//! ways, both in its `similarity.py`:
//!
//! - **co-tweet** compares *normalised messages*: lower-cased (Python
//!   `str.lower`), every mention removed (the regex `@.*?(?=(?:\s|$))`: from an
//!   `@` up to, not including, the next whitespace character or the end), then
//!   split on whitespace and joined with single spaces ([`cotweet_text`]).
//! - **co-similar** compares *token sets*: the same lower-casing and mention
//!   removal, then the text is split with the `regex` module's pattern
//!   `\b\p{Word_Break=WSegSpace}*'?` under the `WORD | V1` flags, which cuts
//!   at every default Unicode word boundary (UAX #29) and drops the spaces
//!   and one apostrophe that follow a boundary. Punctuation stays as tokens
//!   (`.`, `!`, `،`), so does each emoji. The pieces are de-duplicated and
//!   sorted; the similarity function later splits that string on whitespace
//!   again, so pieces that are only a newline or a tab vanish
//!   ([`tokenize`], [`for_each_token`]).
//!
//! Whitespace differs by place, as in Python: the mention regex stops at the
//! Unicode `White_Space` property, `str.split()` also splits at U+001C–U+001F
//! ([`is_py_space`]), and the tokenizer consumes only `WSegSpace` characters
//! ([`is_wseg_space`]).
//!
//! Word boundaries are the `regex` module's, not textbook UAX #29: its
//! `unicode_at_default_boundary` differs in three ways, all reproduced by
//! `at_boundary`. (1) WB4 is one-sided: Extend/Format/ZWJ characters are
//! skipped leftwards only, the "two away" reads of WB6/7/7b/7c/11/12 do not
//! skip them, and a leftward skip that reaches the start of the text means
//! "no break", so leading combining marks join the next character. (2)
//! WB15/16 count regional indicators on the left only, so a lone flag letter
//! joins whatever follows. (3) An extra rule keeps an apostrophe (`'` or
//! U+2019) and a following vowel together. The property tables
//! (`cnt_tables.rs`) are generated from the `regex` module itself
//! (`testdata/cnt_tables.py`). The fixture `testdata/cnt_tokens.jsonl` holds
//! strings tokenized by the toolkit's own function (Python 3.11, `regex`
//! 2026.5.9; `testdata/cnt_tokens.py`), and the tests check that this module
//! gives the same token sets.
//!
//! ```
//! use tarjuman_analysis::coordination::cnt::{cotweet_text, tokenize};
//! assert_eq!(
//!     tokenize("The quick brown fox jumped over the lazy dog."),
//!     ". brown dog fox jumped lazy over quick the"
//! );
//! let mut out = String::new();
//! cotweet_text("RT  @someone: Hello\n World", &mut out);
//! assert_eq!(out, "rt hello world");
//! ```

use super::cnt_tables::{EXTENDED_PICTOGRAPHIC, WORD_BREAK};

/// Whitespace as Python's `str.isspace` sees it: the Unicode `White_Space`
/// property plus the information separators U+001C–U+001F.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Characters with the Unicode word-break property `WSegSpace`.
pub fn is_wseg_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{1680}'
            | '\u{2000}'..='\u{2006}'
            | '\u{2008}'..='\u{200A}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// Removes mentions as the toolkit's `social_media_cleaner` does: each `@`
/// and everything after it up to the next whitespace character (Unicode
/// `White_Space`, the `regex` module's `\s`) or the end. Appends to `out`.
pub fn strip_mentions(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after
            .char_indices()
            .find(|&(_, c)| c.is_whitespace())
            .map_or(after.len(), |(i, _)| i);
        rest = &after[end..];
    }
    out.push_str(rest);
}

/// `strip_mentions(&text.to_lowercase(), out)` in one pass. No character
/// lower-cases to `@` or to whitespace, so mentions can be found before
/// lower-casing; only `Σ` lower-cases by context (final sigma), so a text
/// holding one takes the two-step way.
pub fn lower_without_mentions(text: &str, out: &mut String) {
    if text.contains('\u{3a3}') {
        strip_mentions(&text.to_lowercase(), out);
        return;
    }
    out.reserve(text.len());
    let mut in_mention = false;
    for c in text.chars() {
        if in_mention {
            if c.is_whitespace() {
                in_mention = false;
            } else {
                continue;
            }
        }
        if c == '@' {
            in_mention = true;
        } else if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// The toolkit's co-tweet normalisation (`message_preprocessor`): lower case,
/// mentions removed, runs of whitespace (Python's definition) collapsed into
/// one space, no leading or trailing space. Replaces the contents of `out`.
pub fn cotweet_text(text: &str, out: &mut String) {
    let mut cleaned = String::with_capacity(text.len());
    lower_without_mentions(text, &mut cleaned);
    collapse_spaces(&cleaned, out);
}

/// [`cotweet_text`] for a text already lower-cased (the output of
/// `tarjuman_text::normalize`): mentions removed, whitespace collapsed.
pub fn cotweet_text_of_lowercase(text: &str, out: &mut String) {
    let mut cleaned = String::with_capacity(text.len());
    strip_mentions(text, &mut cleaned);
    collapse_spaces(&cleaned, out);
}

/// Python's `" ".join(s.split())` into `out` (replacing its contents).
fn collapse_spaces(s: &str, out: &mut String) {
    out.clear();
    for word in s.split(is_py_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Calls `f` with every token of `text` as the toolkit's `tokenize` makes
/// them, before de-duplication: tokens may repeat. `scratch` is reused for
/// the lower-cased, mention-free text.
pub fn for_each_token(text: &str, scratch: &mut String, f: impl FnMut(&str)) {
    let mut t = Tokenizer::default();
    std::mem::swap(&mut t.clean, scratch);
    t.tokens(text, f);
    std::mem::swap(&mut t.clean, scratch);
}

/// The toolkit's tokenizer with reusable buffers: one per thread.
#[derive(Default)]
pub struct Tokenizer {
    clean: String,
    chars: Vec<(usize, char)>,
    props: Vec<Wb>,
}

impl Tokenizer {
    /// Calls `f` with every token of `text` (tokens may repeat).
    pub fn tokens(&mut self, text: &str, f: impl FnMut(&str)) {
        self.clean.clear();
        lower_without_mentions(text, &mut self.clean);
        self.split_clean(f);
    }

    /// [`Tokenizer::tokens`] for a text already lower-cased (the output of
    /// `tarjuman_text::normalize`): mentions are removed, case is left alone.
    pub fn tokens_of_lowercase(&mut self, text: &str, f: impl FnMut(&str)) {
        self.clean.clear();
        strip_mentions(text, &mut self.clean);
        self.split_clean(f);
    }

    fn split_clean(&mut self, mut f: impl FnMut(&str)) {
        let s = self.clean.as_str();
        self.chars.clear();
        self.props.clear();
        for (i, c) in s.char_indices() {
            self.chars.push((i, c));
            self.props.push(word_break(c));
        }
        split_pieces(s, &self.chars, &self.props, |piece| {
            for t in piece.split(is_py_space).filter(|t| !t.is_empty()) {
                f(t);
            }
        });
    }
}

/// The tokenizer's split on an already lower-cased, mention-free string
/// (`chars` its characters with byte offsets, `props` their Word_Break
/// values): calls `f` with every piece between two matches of
/// `\b\p{Word_Break=WSegSpace}*'?` (pieces may be empty or whitespace).
///
/// The `regex` module finds matches left to right. A match starts at a word
/// boundary at or after the end of the previous match, and takes the
/// `WSegSpace` characters that follow greedily, then one `'` if there is
/// one. The start and the end of a non-empty text are boundaries. Distinct
/// boundaries give distinct matches, so the rule about empty matches next to
/// empty matches never applies.
fn split_pieces(s: &str, chars: &[(usize, char)], props: &[Wb], mut f: impl FnMut(&str)) {
    if s.is_empty() {
        return;
    }
    let byte_at = |i: usize| chars.get(i).map_or(s.len(), |&(b, _)| b);
    let mut piece_start = 0; // byte offset
    let mut i = 0; // char index where the search resumes
    while i <= chars.len() {
        if !at_boundary(chars, props, i) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && props[end] == Wb::WSegSpace {
            end += 1;
        }
        if end < chars.len() && chars[end].1 == '\'' {
            end += 1;
        }
        f(&s[piece_start..byte_at(i)]);
        piece_start = byte_at(end);
        // An empty match moves the search one character on.
        i = if end == i { i + 1 } else { end };
    }
    if piece_start < s.len() {
        f(&s[piece_start..]);
    }
}

/// Word_Break property values (Unicode UAX #29), as the `regex` module has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Wb {
    Other,
    ALetter,
    Cr,
    DoubleQuote,
    Extend,
    ExtendNumLet,
    Format,
    HebrewLetter,
    Katakana,
    Lf,
    MidLetter,
    MidNum,
    MidNumLet,
    Newline,
    Numeric,
    RegionalIndicator,
    SingleQuote,
    WSegSpace,
    Zwj,
}

fn find_range<T: Copy>(table: &[(u32, u32, T)], c: u32) -> Option<T> {
    let i = table.partition_point(|&(_, hi, _)| hi < c);
    table
        .get(i)
        .filter(|&&(lo, _, _)| lo <= c)
        .map(|&(_, _, v)| v)
}

/// The Word_Break property of `c`.
pub(super) fn word_break(c: char) -> Wb {
    // A direct table for the Basic Multilingual Plane (64 KiB).
    static BMP: std::sync::OnceLock<Box<[Wb]>> = std::sync::OnceLock::new();
    let c = c as u32;
    if c < 0x1_0000 {
        let table = BMP.get_or_init(|| {
            let mut t = vec![Wb::Other; 0x1_0000].into_boxed_slice();
            for &(lo, hi, w) in WORD_BREAK.iter().filter(|r| r.0 < 0x1_0000) {
                for x in lo..=hi.min(0xFFFF) {
                    t[x as usize] = w;
                }
            }
            t
        });
        return table[c as usize];
    }
    find_range(WORD_BREAK, c).unwrap_or(Wb::Other)
}

fn extended_pictographic(c: char) -> bool {
    let c = c as u32;
    let i = EXTENDED_PICTOGRAPHIC.partition_point(|&(_, hi)| hi < c);
    EXTENDED_PICTOGRAPHIC.get(i).is_some_and(|&(lo, _)| lo <= c)
}

fn is_ahletter(w: Wb) -> bool {
    matches!(w, Wb::ALetter | Wb::HebrewLetter)
}

fn is_midnumletq(w: Wb) -> bool {
    matches!(w, Wb::MidNumLet | Wb::SingleQuote)
}

fn is_ignorable(w: Wb) -> bool {
    matches!(w, Wb::Extend | Wb::Format | Wb::Zwj)
}

/// The `regex` module's vowels for its apostrophe rule, after lower-casing.
fn is_vowel(c: char) -> bool {
    let l = c.to_lowercase().next().unwrap_or(c);
    matches!(
        l,
        'a' | 'à'
            | 'á'
            | 'â'
            | 'e'
            | 'è'
            | 'é'
            | 'ê'
            | 'i'
            | 'ì'
            | 'í'
            | 'î'
            | 'o'
            | 'ò'
            | 'ó'
            | 'ô'
            | 'u'
            | 'ù'
            | 'ú'
            | 'û'
    )
}

/// Whether char position `pos` of `t` is a word boundary for the `regex`
/// module under the `WORD` flag (see the module docs for how that differs
/// from UAX #29). `props` holds the Word_Break value of each character.
fn at_boundary(t: &[(usize, char)], props: &[Wb], pos: usize) -> bool {
    let n = t.len();
    // WB1, WB2.
    if pos == 0 || pos >= n {
        return n > 0;
    }
    let prop = |i: usize| props[i];
    let mut left = pos - 1;
    let right = pos;
    let mut left_char = t[left].1;
    let right_char = t[right].1;
    let mut lp = props[left];
    let rp = props[right];
    // Inside a word: letters and digits (WB5, WB8, WB9, WB10) or katakana
    // (WB13); no earlier rule can apply to these pairs.
    let wordy = |w: Wb| matches!(w, Wb::ALetter | Wb::HebrewLetter | Wb::Numeric);
    if (wordy(lp) && wordy(rp)) || (lp == Wb::Katakana && rp == Wb::Katakana) {
        return false;
    }
    // WB3, WB3a, WB3b.
    if lp == Wb::Cr && rp == Wb::Lf {
        return false;
    }
    if matches!(lp, Wb::Newline | Wb::Cr | Wb::Lf) || matches!(rp, Wb::Newline | Wb::Cr | Wb::Lf) {
        return true;
    }
    // WB3c, WB3d.
    if lp == Wb::Zwj && extended_pictographic(right_char) {
        return false;
    }
    if lp == Wb::WSegSpace && rp == Wb::WSegSpace {
        return false;
    }
    // WB4, skipping leftwards only; reaching the start means no break.
    if is_ignorable(rp) {
        return false;
    }
    while is_ignorable(lp) {
        if left == 0 {
            return false;
        }
        left -= 1;
        left_char = t[left].1;
        lp = props[left];
    }
    // WB5, and the apostrophe-vowel rule.
    if is_ahletter(lp) && is_ahletter(rp) {
        return false;
    }
    if matches!(left_char, '\'' | '\u{2019}') && is_vowel(right_char) {
        return false;
    }
    let rr = (right + 1 < n).then(|| prop(right + 1));
    let ll = left.checked_sub(1).map(prop);
    // WB6, WB7, WB7a, WB7b, WB7c.
    if is_ahletter(lp) && (rp == Wb::MidLetter || is_midnumletq(rp)) && rr.is_some_and(is_ahletter)
    {
        return false;
    }
    if ll.is_some_and(is_ahletter) && (lp == Wb::MidLetter || is_midnumletq(lp)) && is_ahletter(rp)
    {
        return false;
    }
    if lp == Wb::HebrewLetter && rp == Wb::SingleQuote {
        return false;
    }
    if lp == Wb::HebrewLetter && rp == Wb::DoubleQuote && rr == Some(Wb::HebrewLetter) {
        return false;
    }
    if ll == Some(Wb::HebrewLetter) && lp == Wb::DoubleQuote && rp == Wb::HebrewLetter {
        return false;
    }
    // WB8, WB9, WB10.
    if (lp == Wb::Numeric || is_ahletter(lp)) && rp == Wb::Numeric {
        return false;
    }
    if lp == Wb::Numeric && is_ahletter(rp) {
        return false;
    }
    // WB11, WB12.
    if ll == Some(Wb::Numeric) && (lp == Wb::MidNum || is_midnumletq(lp)) && rp == Wb::Numeric {
        return false;
    }
    if lp == Wb::Numeric && (rp == Wb::MidNum || is_midnumletq(rp)) && rr == Some(Wb::Numeric) {
        return false;
    }
    // WB13, WB13a, WB13b.
    if lp == Wb::Katakana && rp == Wb::Katakana {
        return false;
    }
    if (is_ahletter(lp) || matches!(lp, Wb::Numeric | Wb::Katakana | Wb::ExtendNumLet))
        && rp == Wb::ExtendNumLet
    {
        return false;
    }
    if lp == Wb::ExtendNumLet && (is_ahletter(rp) || matches!(rp, Wb::Numeric | Wb::Katakana)) {
        return false;
    }
    // WB15, WB16: an odd number of regional indicators to the left, whatever
    // is on the right.
    let ris = props[..=left]
        .iter()
        .rev()
        .take_while(|&&w| w == Wb::RegionalIndicator)
        .count();
    if ris % 2 == 1 {
        return false;
    }
    // WB999.
    true
}

/// The toolkit's `tokenize`: the distinct tokens, sorted by code point and
/// joined with single spaces.
pub fn tokenize(text: &str) -> String {
    let mut scratch = String::new();
    let mut set = std::collections::BTreeSet::new();
    for_each_token(text, &mut scratch, |t| {
        set.insert(t.to_string());
    });
    set.into_iter().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tests/test_tokens.py` of the toolkit.
    #[test]
    fn toolkit_token_tests() {
        assert_eq!(tokenize("hello"), "hello");
        assert_eq!(
            tokenize("The quick brown fox jumped over the lazy dog."),
            ". brown dog fox jumped lazy over quick the"
        );
        assert_eq!(tokenize(""), "");
    }

    #[test]
    fn mentions_go_up_to_whitespace() {
        let mut out = String::new();
        strip_mentions("a @b\u{1c}c @d\u{85}e @f\n@g", &mut out);
        // U+001C is not `\s` for the regex module, U+0085 is.
        assert_eq!(out, "a  \u{85}e \n");
    }

    #[test]
    fn one_pass_lowercase_is_two_step() {
        let data = include_str!("testdata/cnt_tokens.jsonl");
        let extra = ["ΟΔΥΣΣΕΥΣ @Σ x", "İSTANBUL @a\u{85}B", "ΣΑΣ@x"];
        let texts = data
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_string))
            .chain(extra.iter().map(|s| s.to_string()));
        for t in texts {
            let (mut a, mut b) = (String::new(), String::new());
            lower_without_mentions(&t, &mut a);
            strip_mentions(&t.to_lowercase(), &mut b);
            assert_eq!(a, b, "{t:?}");
        }
    }

    #[test]
    fn cotweet_normalisation() {
        let mut out = String::new();
        cotweet_text("  Hello @World!  how\tare\u{1c}you ", &mut out);
        assert_eq!(out, "hello how are you");
        cotweet_text("@only", &mut out);
        assert_eq!(out, "");
    }

    /// Each line of the fixture: `{"text": …, "tokens": [...]}`, the tokens
    /// being the toolkit's `tokenize(text).split()` as a sorted set.
    #[test]
    fn same_tokens_as_the_toolkit() {
        let data = include_str!("testdata/cnt_tokens.jsonl");
        let mut n = 0;
        let mut bad = Vec::new();
        for line in data.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture line is JSON");
            let text = v["text"].as_str().expect("text");
            let want: Vec<&str> = v["tokens"]
                .as_array()
                .expect("tokens")
                .iter()
                .map(|t| t.as_str().expect("token"))
                .collect();
            let got = tokenize(text);
            let got: Vec<&str> = got.split(is_py_space).filter(|t| !t.is_empty()).collect();
            let mut want_sorted = want.clone();
            want_sorted.sort_unstable();
            let mut got_sorted = got.clone();
            got_sorted.sort_unstable();
            if got_sorted != want_sorted {
                bad.push(format!(
                    "{text:?}: got {got_sorted:?}, want {want_sorted:?}"
                ));
            }
            n += 1;
        }
        assert!(n > 50, "fixture has {n} lines");
        assert!(
            bad.is_empty(),
            "{} of {n} differ:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }
}
