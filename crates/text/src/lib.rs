//! # tarjuman-text: one normalizer, tokens and light stemming
//!
//! Analysts search for names, slogans and hashtags in Arabic, Hebrew,
//! Persian and English, spelled every which way. This crate decides what
//! "the same word" means, once, for every part of tarjuman: search,
//! near-duplicate hashing and coordination detection all call
//! [`normalize`]. It does no I/O.
//!
//! * [`normalize`]: NFKC, then Arabic, Persian, Urdu, Hebrew, Latin and
//!   Greek folding, invisible marks removed, emoji kept.
//! * [`tokens`]: words, `#hashtags`, `@mentions` and emoji, normalized, with
//!   offsets into the original text (for highlighting).
//! * [`Stemmer`]: Snowball Arabic and English, each only on its own script;
//!   [`stem_mode_for`] says whether a post's Arabic-script words are Arabic.
//! * [`guess_lang`], [`canonical_lang`], [`script_of`]: small helpers for
//!   posts without a language label.
//!
//! ```
//! use tarjuman_text::{normalized, tokens, Stemmer, StemMode};
//!
//! // Two spellings of the same name, with and without hamza and tashkeel.
//! assert_eq!(normalized("أَبُو عُبَيْدَة"), normalized("ابو عبيده"));
//! // A tatweel-stretched word and its plain form.
//! assert_eq!(normalized("غـــــزة"), "غزه");
//!
//! let words: Vec<String> = tokens("#غزة تحت القصف 🔥").map(|t| t.text).collect();
//! assert_eq!(words, ["#غزه", "تحت", "القصف", "🔥"]);
//!
//! let stemmer = Stemmer::new();
//! assert_eq!(stemmer.stem("القصف", StemMode::Arabic), "قصف");
//! ```
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod normalize;
mod script;
mod stem;
mod tokens;

pub use normalize::{MAX_GROWTH, normalize, normalized};
pub use script::{
    Script, canonical_lang, guess_lang, is_arabic_letter, is_emoji, is_hebrew_letter,
    is_latin_letter, script_of,
};
pub use stem::{StemMode, Stemmer, stem_mode_for};
pub use tokens::{Token, TokenKind, Tokens, tokens, words};
