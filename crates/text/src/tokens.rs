//! Tokens: words, `#hashtags`, `@mentions` and emoji, each normalized,
//! with byte offsets into the original text.

use crate::normalize::normalize;
use crate::script::{is_emoji, is_emoji_continuation, is_hebrew_letter};
use unicode_normalization::char::is_combining_mark;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A run of letters and digits (with their marks).
    Word,
    /// `#tag`: the token text keeps the `#`.
    Hashtag,
    /// `@user`: the token text keeps the `@`.
    Mention,
    /// One emoji sequence (a flag, a ZWJ family, a single pictograph).
    Emoji,
}

/// One token of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// The normalized text ([`normalize`]); hashtags and mentions keep
    /// their sigil (`#غزه`, `@idf`).
    pub text: String,
    /// Byte offset of the token's start in the original text.
    pub start: usize,
    /// Byte offset just past the token's end in the original text.
    pub end: usize,
}

impl Token {
    /// The text without the `#` or `@` sigil.
    pub fn word(&self) -> &str {
        match self.kind {
            TokenKind::Hashtag | TokenKind::Mention => self.text.get(1..).unwrap_or(""),
            _ => &self.text,
        }
    }
}

/// Splits `text` into [`Token`]s.
///
/// Words are found in the original text, so marks never split a word
/// (harakat, niqqud, tatweel, ZWNJ and bidi marks stay inside it) and
/// offsets always point into the original, for highlighting. Each word is
/// then normalized; when normalization yields several words (`ﷺ` → four)
/// they share the original offsets. `#` and `@` followed by a word (and not
/// preceded by a letter, digit, `_` or `&`) make a hashtag or mention token,
/// underscores included (`#Free_Palestine`). A Hebrew acronym keeps its
/// quote inside the word and drops it from the token: `צה"ל`, `צה״ל` and
/// `צהל` are the same token. URLs (`http://…`, `https://…`) are skipped:
/// they are searched through the post's URL entities instead.
///
/// ```
/// use tarjuman_text::{tokens, TokenKind};
/// let t: Vec<_> = tokens("قال #غزة: @IDF 🔥 الـحـكـومـة").collect();
/// let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
/// assert_eq!(texts, ["قال", "#غزه", "@idf", "🔥", "الحكومه"]);
/// assert_eq!(t[1].kind, TokenKind::Hashtag);
/// assert_eq!(t[1].word(), "غزه");
/// assert_eq!(t[3].kind, TokenKind::Emoji);
/// // Offsets point into the original text.
/// assert_eq!(&"قال #غزة: @IDF 🔥 الـحـكـومـة"[t[4].start..t[4].end], "الـحـكـومـة");
/// ```
pub fn tokens(text: &str) -> Tokens<'_> {
    Tokens::new(text)
}

/// The token stream of a text; see [`tokens`]. [`Tokens::advance`] and
/// [`Tokens::token`] reuse one buffer (no allocation per token); the
/// [`Iterator`] implementation clones each token.
pub struct Tokens<'a> {
    text: &'a str,
    pos: usize,
    norm: String,
    sub: usize,
    seg: (usize, usize),
    token: Token,
}

impl<'a> Tokens<'a> {
    /// A token stream over `text`.
    pub fn new(text: &'a str) -> Tokens<'a> {
        Tokens {
            text,
            pos: 0,
            norm: String::new(),
            sub: 0,
            seg: (0, 0),
            token: Token {
                kind: TokenKind::Word,
                text: String::new(),
                start: 0,
                end: 0,
            },
        }
    }

    /// Moves to the next token; false at the end.
    pub fn advance(&mut self) -> bool {
        loop {
            if self.sub < self.norm.len() {
                if let Some((kind, a, b)) = next_word(&self.norm, self.sub) {
                    self.sub = b;
                    self.token.kind = kind;
                    self.token.text.clear();
                    push_word(&self.norm[a..b], &mut self.token.text);
                    self.token.start = self.seg.0;
                    self.token.end = self.seg.1;
                    return true;
                }
                self.sub = self.norm.len();
            }
            let Some(seg) = next_segment(self.text, self.pos) else {
                self.pos = self.text.len();
                return false;
            };
            self.pos = seg.end;
            self.seg = (seg.start, seg.end);
            match seg.kind {
                SegKind::Hashtag | SegKind::Mention => {
                    normalize(
                        self.text.get(seg.body..seg.end).unwrap_or(""),
                        &mut self.norm,
                    );
                    self.sub = self.norm.len();
                    self.token.text.clear();
                    self.token.text.push(if seg.kind == SegKind::Hashtag {
                        '#'
                    } else {
                        '@'
                    });
                    let mut prev = '\0';
                    let mut chars = self.norm.chars().peekable();
                    while let Some(c) = chars.next() {
                        let keep = c.is_alphanumeric()
                            || c == '_'
                            || is_combining_mark(c)
                            || (is_hebrew_quote(c)
                                && is_hebrew_letter(prev)
                                && chars.peek().is_some_and(|&n| is_hebrew_letter(n)));
                        if keep && !is_hebrew_quote(c) {
                            self.token.text.push(c);
                        }
                        prev = c;
                    }
                    if self.token.text.len() > 1 {
                        self.token.kind = if seg.kind == SegKind::Hashtag {
                            TokenKind::Hashtag
                        } else {
                            TokenKind::Mention
                        };
                        self.token.start = seg.start;
                        self.token.end = seg.end;
                        return true;
                    }
                }
                SegKind::Word => {
                    normalize(
                        self.text.get(seg.start..seg.end).unwrap_or(""),
                        &mut self.norm,
                    );
                    self.sub = 0;
                }
            }
        }
    }

    /// The current token (after [`Tokens::advance`] returned true).
    pub fn token(&self) -> &Token {
        &self.token
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;
    fn next(&mut self) -> Option<Token> {
        self.advance().then(|| self.token.clone())
    }
}

/// The words and emoji of an already normalized string, as
/// `(kind, text)`; Hebrew acronym quotes are dropped from words. This is
/// how the body of a hashtag (`free_palestine`) is split into words.
///
/// ```
/// use tarjuman_text::{words, normalized, TokenKind};
/// let n = normalized("Free_Palestine צה״ל 🔥");
/// let w: Vec<(TokenKind, String)> = words(&n).collect();
/// assert_eq!(w, [(TokenKind::Word, "free".to_string()), (TokenKind::Word, "palestine".into()),
///                (TokenKind::Word, "צהל".into()), (TokenKind::Emoji, "🔥".into())]);
/// ```
pub fn words(normalized: &str) -> impl Iterator<Item = (TokenKind, String)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let (kind, a, b) = next_word(normalized, at)?;
        at = b;
        let mut s = String::with_capacity(b - a);
        push_word(&normalized[a..b], &mut s);
        Some((kind, s))
    })
}

fn is_hebrew_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '׳' | '״')
}

/// Copies a word, leaving out acronym quotes (only ever found between
/// Hebrew letters inside a word).
fn push_word(w: &str, out: &mut String) {
    if w.is_ascii() || !w.contains(is_hebrew_quote) {
        out.push_str(w);
        return;
    }
    out.extend(w.chars().filter(|&c| !is_hebrew_quote(c)));
}

/// The next word or emoji in normalized text at or after byte `from`.
fn next_word(s: &str, from: usize) -> Option<(TokenKind, usize, usize)> {
    let rest = s.get(from..)?;
    let mut it = rest.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if is_word_start(c) {
            let start = from + i;
            let mut end = start + c.len_utf8();
            let mut prev = c;
            while let Some(&(j, n)) = it.peek() {
                let quote_ok = is_hebrew_quote(n)
                    && is_hebrew_letter(prev)
                    && rest[j + n.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(is_hebrew_letter);
                if is_word_char(n) || quote_ok {
                    end = from + j + n.len_utf8();
                    prev = n;
                    it.next();
                } else {
                    break;
                }
            }
            return Some((TokenKind::Word, start, end));
        }
        if is_emoji(c) {
            let start = from + i;
            let end = from + i + emoji_len(&rest[i..]);
            return Some((TokenKind::Emoji, start, end));
        }
    }
    None
}

/// Byte length of the emoji sequence at the start of `s` (which starts
/// with an emoji character).
fn emoji_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    let mut end = first.len_utf8();
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    if regional(first) {
        if let Some((j, n)) = chars.next()
            && regional(n)
        {
            end = j + n.len_utf8();
        }
        return end;
    }
    // At most 32 more parts: a token, not a whole line of joined emoji.
    for _ in 0..32 {
        let mut cs = s[end..].chars();
        match cs.next() {
            Some(n) if is_emoji_continuation(n) => end += n.len_utf8(),
            Some('\u{200D}') => match cs.next() {
                Some(m) if is_emoji(m) => end += '\u{200D}'.len_utf8() + m.len_utf8(),
                _ => break,
            },
            _ => break,
        }
    }
    end
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SegKind {
    Word,
    Hashtag,
    Mention,
}

#[derive(Debug)]
struct Segment {
    kind: SegKind,
    start: usize,
    /// Where the hashtag or mention body starts (after the sigil).
    body: usize,
    end: usize,
}

/// Format characters that may sit inside a word without splitting it.
fn is_in_word_format(c: char) -> bool {
    matches!(
        c,
        '\u{200C}'
            | '\u{200D}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{00AD}'
            | '\u{2060}'
            | '\u{FE00}'..='\u{FE0F}'
    )
}

/// Characters the normalizer removes or that only decorate a letter: they
/// neither separate words nor count as the character before a sigil.
fn is_transparent(c: char) -> bool {
    is_combining_mark(c) || c == '\u{200D}' || crate::normalize::is_removed(c)
}

/// Letters, digits and their marks: what words are made of. Common scripts
/// take a fast path (`word_char_fast_paths_agree` checks them).
#[inline]
fn is_word_char(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '\0'..='\u{7F}' => false,
        '\u{0620}'..='\u{0669}' | '\u{066E}'..='\u{06D3}' | '\u{05D0}'..='\u{05EA}' => true,
        _ => c.is_alphanumeric() || is_combining_mark(c),
    }
}

/// A character a word can start with: a letter or digit, not a mark.
#[inline]
fn is_word_start(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '\0'..='\u{7F}' => false,
        '\u{0621}'..='\u{064A}' | '\u{0660}'..='\u{0669}' | '\u{05D0}'..='\u{05EA}' => true,
        _ => c.is_alphanumeric() && !is_combining_mark(c),
    }
}

/// Whether the sigil at `at..after` starts a hashtag or mention: a word
/// (or `_`) follows, and no letter, digit, `_` or `&` comes before (marks
/// and invisible characters are looked through).
fn sigil_starts_entity(text: &str, at: usize, after: usize) -> bool {
    let next = text[after..].chars().find(|&c| !is_transparent(c));
    let prev = text[..at].chars().rev().find(|&c| !is_transparent(c));
    next.is_some_and(|n| is_word_start(n) || n == '_')
        && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '&')
}

/// The next raw segment (word, hashtag, mention or emoji run) of the
/// original text at or after byte `pos`.
fn next_segment(text: &str, mut pos: usize) -> Option<Segment> {
    'restart: loop {
        let rest = text.get(pos..)?;
        for (i, c) in rest.char_indices() {
            let at = pos + i;
            let after = at + c.len_utf8();
            if matches!(c, '#' | '＃' | '@' | '＠') && sigil_starts_entity(text, at, after) {
                let end = scan_word(text, after, true);
                let kind = if c == '#' || c == '＃' {
                    SegKind::Hashtag
                } else {
                    SegKind::Mention
                };
                return Some(Segment {
                    kind,
                    start: at,
                    body: after,
                    end,
                });
            }
            if is_word_start(c) {
                let end = scan_word(text, at, false);
                if text[end..].starts_with("://")
                    && matches!(
                        text[at..end].to_ascii_lowercase().as_str(),
                        "http" | "https"
                    )
                {
                    // A URL: skip to the next whitespace.
                    pos = text[end..]
                        .find(char::is_whitespace)
                        .map_or(text.len(), |k| end + k);
                    continue 'restart;
                }
                return Some(Segment {
                    kind: SegKind::Word,
                    start: at,
                    body: at,
                    end,
                });
            }
            if is_emoji(c) {
                let end = at + emoji_len(&text[at..]);
                return Some(Segment {
                    kind: SegKind::Word,
                    start: at,
                    body: at,
                    end,
                });
            }
        }
        return None;
    }
}

/// The end of the word starting at byte `from`: letters, digits and marks,
/// format characters between them, `_` for hashtag and mention bodies, and
/// acronym quotes between Hebrew letters.
fn scan_word(text: &str, from: usize, underscore: bool) -> usize {
    let mut end = from;
    let mut last = '\0';
    let s = &text[from..];
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if is_word_char(c) || (underscore && c == '_') {
            end = from + i + c.len_utf8();
            last = c;
        } else if is_in_word_format(c) {
            // Part of the word only if the word goes on after it.
            continue;
        } else if is_hebrew_quote(c)
            && is_hebrew_letter(last)
            && end == from + i
            && it.peek().is_some_and(|&(_, n)| is_hebrew_letter(n))
        {
            continue;
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokens(s).map(|t| t.text).collect()
    }

    #[test]
    fn words_marks_and_joiners_stay_inside() {
        assert_eq!(texts("كَتَبَ الطالبُ"), ["كتب", "الطالب"]);
        assert_eq!(texts("می‌خواهم بروم"), ["ميخواهم", "بروم"]);
        assert_eq!(texts("בְּחִירוֹת 2023"), ["בחירות", "2023"]);
        assert_eq!(texts("غز\u{200F}ة"), ["غزه"]);
        assert_eq!(texts("غـــــزة، غزه"), ["غزه", "غزه"]);
    }

    #[test]
    fn hebrew_acronyms() {
        assert_eq!(texts("דובר צה\"ל אמר"), ["דובר", "צהל", "אמר"]);
        assert_eq!(texts("דובר צה״ל"), ["דובר", "צהל"]);
        // A quote that closes a Hebrew quotation is not inside a word.
        assert_eq!(texts("\"שלום\" לכם"), ["שלומ", "לכמ"]);
    }

    #[test]
    fn entities() {
        let t: Vec<Token> =
            tokens("RT @abu_ali_77: #Free_Palestine a#b mail@x.org &#39;").collect();
        let got: Vec<(TokenKind, &str)> = t.iter().map(|t| (t.kind, t.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (TokenKind::Word, "rt"),
                (TokenKind::Mention, "@abu_ali_77"),
                (TokenKind::Hashtag, "#free_palestine"),
                (TokenKind::Word, "a"),
                (TokenKind::Word, "b"),
                (TokenKind::Word, "mail"),
                (TokenKind::Word, "x"),
                (TokenKind::Word, "org"),
                (TokenKind::Word, "39"),
            ]
        );
        assert_eq!(t[2].word(), "free_palestine");
    }

    #[test]
    fn emoji_sequences() {
        let t: Vec<(TokenKind, String)> = tokens("🔥🔥 👍🏽 🇵🇸🇮🇱 👨‍👩‍👧 ❤️")
            .map(|t| (t.kind, t.text))
            .collect();
        let want = ["🔥", "🔥", "👍", "🇵🇸", "🇮🇱", "👨\u{200D}👩\u{200D}👧", "❤"];
        assert_eq!(t.len(), want.len(), "{t:?}");
        for ((k, s), w) in t.iter().zip(want) {
            assert_eq!((*k, s.as_str()), (TokenKind::Emoji, w));
        }
    }

    #[test]
    fn word_char_fast_paths_agree() {
        for c in (0u32..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_word_char(c),
                c.is_alphanumeric() || is_combining_mark(c),
                "U+{:04X}",
                c as u32
            );
            assert_eq!(
                is_word_start(c),
                c.is_alphanumeric() && !is_combining_mark(c),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn urls_are_skipped() {
        assert_eq!(
            texts("see https://t.co/AbC123 now http://x.com/a?b=c"),
            ["see", "now"]
        );
    }

    #[test]
    fn ligature_expands_into_words_with_shared_offsets() {
        let t: Vec<Token> = tokens("محمد ﷺ").collect();
        let w: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(w, ["محمد", "صلي", "الله", "عليه", "وسلم"]);
        assert!(
            t[1..]
                .iter()
                .all(|x| (x.start, x.end) == (t[1].start, t[1].end))
        );
    }

    #[test]
    fn offsets_are_char_boundaries() {
        let s = "\u{200F}قال @IDF \u{200E}في #غزة: \"Israel is here\" 🇵🇸";
        for t in tokens(s) {
            assert!(s.get(t.start..t.end).is_some(), "{t:?}");
        }
    }
}
