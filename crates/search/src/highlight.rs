//! Which parts of a post's original text a query matched.

use crate::query::Query;
use std::collections::HashSet;
use tarjuman_text::{StemMode, Stemmer, TokenKind, tokens};

/// Finds the words of a query in original texts.
pub struct Highlighter {
    words: HashSet<String>,
    tags: HashSet<String>,
    handles: HashSet<String>,
    stemmer: Stemmer,
}

impl Highlighter {
    /// A highlighter for the words, phrases, `#tags` and `@users` that
    /// `q` looks for (exclusions are not highlighted).
    pub fn new(q: &Query) -> Highlighter {
        let stemmer = Stemmer::new();
        let mut h = Highlighter {
            words: HashSet::new(),
            tags: HashSet::new(),
            handles: HashSet::new(),
            stemmer,
        };
        for text in q.positive_texts() {
            let mut buf = String::new();
            if let Some(tag) = text.strip_prefix('#') {
                tarjuman_text::normalize(tag, &mut buf);
                h.tags.insert(buf);
                continue;
            }
            if let Some(user) = text.strip_prefix('@') {
                tarjuman_text::normalize(user, &mut buf);
                h.handles.insert(buf);
                continue;
            }
            for t in tokens(&text) {
                for (_, w) in tarjuman_text::words(t.word()) {
                    h.add_word(&w);
                }
            }
        }
        h
    }

    fn add_word(&mut self, w: &str) {
        for mode in [StemMode::LatinOnly, StemMode::Arabic] {
            self.words.insert(self.stemmer.stem(w, mode).into_owned());
        }
        self.words.insert(w.to_string());
    }

    fn word_matches(&self, w: &str) -> bool {
        self.words.contains(w)
            || [StemMode::LatinOnly, StemMode::Arabic]
                .iter()
                .any(|&m| self.words.contains(self.stemmer.stem(w, m).as_ref()))
    }

    /// Byte ranges of `text` to highlight, in order, not overlapping.
    ///
    /// ```
    /// use tarjuman_search::{Highlighter, Query};
    /// let h = Highlighter::new(&Query::parse("ابو #غزة")?);
    /// let text = "قال أبو عبيدة عن #غزة وغزة";
    /// let spans: Vec<&str> = h.ranges(text).into_iter().map(|(a, b)| &text[a..b]).collect();
    /// assert_eq!(spans, ["أبو", "#غزة"]);
    /// # Ok::<(), tarjuman_search::QueryError>(())
    /// ```
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for t in tokens(text) {
            let hit = match t.kind {
                TokenKind::Word | TokenKind::Emoji => self.word_matches(&t.text),
                TokenKind::Hashtag => {
                    self.tags.contains(t.word())
                        || tarjuman_text::words(t.word()).any(|(_, w)| self.word_matches(&w))
                }
                TokenKind::Mention => {
                    self.handles.contains(t.word())
                        || tarjuman_text::words(t.word()).any(|(_, w)| self.word_matches(&w))
                }
            };
            if hit && out.last().is_none_or(|&(_, e)| e <= t.start) {
                out.push((t.start, t.end));
            }
        }
        out
    }
}
