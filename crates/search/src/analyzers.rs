//! The text analyzers, all registered by name in [`register_all`].
//!
//! Every analyzer runs [`tarjuman_text`]: the one normalizer and the one
//! tokenizer, so an index term and a query term agree by construction.
//!
//! | name | used by | tokens |
//! |---|---|---|
//! | [`TEXT`] | `text` (posts not in Arabic) | words and emoji of [`tarjuman_text::tokens`], hashtag and mention bodies split into words; English stemmer on Latin words |
//! | [`TEXT_AR`] | `text_ar` (posts in Arabic) | the same, plus the Arabic Snowball stemmer on Arabic-script words |
//! | [`TAGS`] | `tags`: refs, handles, hashtags, languages, kinds, domains, URLs | one token per line, as [`crate::schema::Tag`] wrote it |
//!
//! Offsets are those of the original text (the tokenizer finds words before
//! normalizing them), so highlights land on the original characters.

use std::collections::HashMap;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer, TokenizerManager};
use tarjuman_text::{StemMode, Stemmer, TokenKind, Tokens};

/// Name of the analyzer of the `text` field.
pub const TEXT: &str = "tj_text";
/// Name of the analyzer of the `text_ar` field.
pub const TEXT_AR: &str = "tj_text_ar";
/// Name of the analyzer of the `tags` field (one token per line).
pub const TAGS: &str = "tj_tags";

/// Registers every tarjuman analyzer with an index's tokenizer manager.
///
/// ```
/// use tantivy::tokenizer::TokenizerManager;
/// let m = TokenizerManager::default();
/// tarjuman_search::analyzers::register_all(&m);
/// let mut a = m.get(tarjuman_search::analyzers::TEXT_AR).unwrap();
/// let mut s = a.token_stream("المدارسُ في غـــزة");
/// let mut got = Vec::new();
/// while let Some(t) = s.next() { got.push(t.text.clone()); }
/// assert_eq!(got, ["مدارس", "في", "غزه"]);
/// ```
pub fn register_all(manager: &TokenizerManager) {
    manager.register(TEXT, SocialTokenizer::new(StemMode::LatinOnly));
    manager.register(TEXT_AR, SocialTokenizer::new(StemMode::Arabic));
    manager.register(TAGS, TagsTokenizer);
}

/// Words, hashtag bodies, mention handles and emoji, normalized and lightly
/// stemmed; one position per word.
#[derive(Clone)]
pub struct SocialTokenizer {
    stems: StemCache,
}

impl SocialTokenizer {
    /// A tokenizer with the given stemming.
    pub fn new(mode: StemMode) -> SocialTokenizer {
        SocialTokenizer {
            stems: StemCache {
                stemmer: Stemmer::new(),
                mode,
                map: HashMap::new(),
            },
        }
    }
}

/// Arabic stems already computed: social media repeats its words, and a
/// hash lookup is cheaper than a Snowball run. Each tokenizer clone (one per
/// indexing thread) has its own; it is emptied when it grows past
/// [`STEM_CACHE_MAX`] words.
#[derive(Clone)]
struct StemCache {
    stemmer: Stemmer,
    mode: StemMode,
    map: HashMap<String, String>,
}

/// Most words a [`StemCache`] holds.
const STEM_CACHE_MAX: usize = 100_000;

impl StemCache {
    fn stem_into(&mut self, word: &str, out: &mut String) {
        out.clear();
        // Only the Arabic stemmer is worth caching; other words go straight
        // through (the English stemmer is cheap, other scripts untouched).
        if word.len() < 3
            || self.mode != StemMode::Arabic
            || tarjuman_text::script_of(word) != tarjuman_text::Script::Arabic
        {
            out.push_str(&self.stemmer.stem(word, self.mode));
            return;
        }
        if let Some(s) = self.map.get(word) {
            out.push_str(s);
            return;
        }
        let s = self.stemmer.stem(word, self.mode);
        out.push_str(&s);
        if self.map.len() >= STEM_CACHE_MAX {
            self.map.clear();
        }
        self.map.insert(word.to_owned(), s.into_owned());
    }
}

impl Tokenizer for SocialTokenizer {
    type TokenStream<'a> = SocialTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> SocialTokenStream<'a> {
        SocialTokenStream {
            inner: Tokens::new(text),
            stems: &mut self.stems,
            parts: Vec::new(),
            token: Token::default(),
            position: None,
        }
    }
}

/// The token stream of [`SocialTokenizer`].
pub struct SocialTokenStream<'a> {
    inner: Tokens<'a>,
    stems: &'a mut StemCache,
    /// Words of the current hashtag or mention body still to emit, reversed.
    parts: Vec<String>,
    token: Token,
    position: Option<usize>,
}

/// Writes one stemmed word as the current token, at the next position.
fn emit(
    token: &mut Token,
    position: &mut Option<usize>,
    stems: &mut StemCache,
    word: &str,
    from: usize,
    to: usize,
) {
    stems.stem_into(word, &mut token.text);
    token.offset_from = from;
    token.offset_to = to;
    let p = position.map_or(0, |p| p + 1);
    *position = Some(p);
    token.position = p;
    token.position_length = 1;
}

impl TokenStream for SocialTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some(w) = self.parts.pop() {
            let (a, b) = (self.token.offset_from, self.token.offset_to);
            emit(&mut self.token, &mut self.position, self.stems, &w, a, b);
            return true;
        }
        while self.inner.advance() {
            let t = self.inner.token();
            match t.kind {
                TokenKind::Word | TokenKind::Emoji => {
                    emit(
                        &mut self.token,
                        &mut self.position,
                        self.stems,
                        &t.text,
                        t.start,
                        t.end,
                    );
                    return true;
                }
                TokenKind::Hashtag | TokenKind::Mention => {
                    let mut words: Vec<String> =
                        tarjuman_text::words(t.word()).map(|(_, w)| w).collect();
                    let Some(first) = (!words.is_empty()).then(|| words.remove(0)) else {
                        continue;
                    };
                    words.reverse();
                    self.parts = words;
                    emit(
                        &mut self.token,
                        &mut self.position,
                        self.stems,
                        &first,
                        t.start,
                        t.end,
                    );
                    return true;
                }
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The `tags` field's value is its terms, one per line, already
/// normalized by [`crate::schema::Tag::push`]: each line is one token.
#[derive(Clone, Copy)]
pub struct TagsTokenizer;

impl Tokenizer for TagsTokenizer {
    type TokenStream<'a> = TagsTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> TagsTokenStream<'a> {
        TagsTokenStream {
            text,
            at: 0,
            token: Token::default(),
        }
    }
}

/// The token stream of [`TagsTokenizer`].
pub struct TagsTokenStream<'a> {
    text: &'a str,
    at: usize,
    token: Token,
}

impl TokenStream for TagsTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while self.at < self.text.len() {
            let rest = &self.text[self.at..];
            let len = rest.find('\n').unwrap_or(rest.len());
            let (from, to) = (self.at, self.at + len);
            self.at = to + 1;
            if len > 0 {
                self.token.text.clear();
                self.token.text.push_str(&self.text[from..to]);
                self.token.offset_from = from;
                self.token.offset_to = to;
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, text: &str) -> Vec<(String, usize, usize, usize)> {
        let m = TokenizerManager::default();
        register_all(&m);
        let mut a = m.get(name).expect("registered");
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = s.next() {
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    fn texts(name: &str, text: &str) -> Vec<String> {
        run(name, text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn arabic_stemming_only_in_the_arabic_field() {
        assert_eq!(
            texts(TEXT_AR, "المعلمون يكتبون الكتب"),
            ["معلم", "يكتب", "كتب"]
        );
        assert_eq!(texts(TEXT, "می‌خواهم کتاب"), ["ميخواهم", "كتاب"]);
        assert_eq!(texts(TEXT, "Dogs are running"), ["dog", "are", "run"]);
        assert_eq!(texts(TEXT_AR, "Dogs are running"), ["dog", "are", "run"]);
    }

    #[test]
    fn hashtag_bodies_become_words_with_positions_and_original_offsets() {
        let s = "#Free_Palestine now 🔥";
        let t = run(TEXT, s);
        let got: Vec<(&str, usize)> = t.iter().map(|x| (x.0.as_str(), x.1)).collect();
        assert_eq!(got, [("free", 0), ("palestin", 1), ("now", 2), ("🔥", 3)]);
        assert_eq!(&s[t[0].2..t[0].3], "#Free_Palestine");
        assert_eq!(&s[t[1].2..t[1].3], "#Free_Palestine");
    }

    #[test]
    fn hebrew_and_mixed_lines() {
        assert_eq!(
            texts(TEXT, "דובר צה״ל: Israel is here"),
            ["דובר", "צהל", "israel", "is", "here"]
        );
        assert_eq!(texts(TEXT, "בְּחִירוֹת"), texts(TEXT, "בחירות"));
    }

    #[test]
    fn tags_are_lines() {
        assert_eq!(
            texts(TAGS, "#غزه\nfrom:idf\n\nlang:ar\n"),
            ["#غزه", "from:idf", "lang:ar"]
        );
        assert!(texts(TAGS, "").is_empty());
    }
}
