//! Light stemming: Snowball (the `frostem` crate, which tantivy itself uses
//! since 0.27) where a maintained stemmer exists.

use crate::script::{Script, script_of};
use std::borrow::Cow;

/// Which stemmers apply to a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StemMode {
    /// Only the English stemmer, on Latin-script words. For Persian, Urdu,
    /// Hebrew and unknown text: the Arabic stemmer mangles Persian
    /// (`میخواهم` → `ميخو`), and there is no Persian, Urdu or Hebrew
    /// Snowball stemmer.
    LatinOnly,
    /// The Arabic stemmer on Arabic-script words, and the English one on
    /// Latin-script words: for text known (labelled or guessed) to be Arabic.
    Arabic,
}

/// A stemmer for normalized words. Cheap to create and to copy.
#[derive(Clone, Copy)]
pub struct Stemmer {
    arabic: frostem::Stemmer,
    english: frostem::Stemmer,
}

impl Default for Stemmer {
    fn default() -> Self {
        Stemmer::new()
    }
}

impl Stemmer {
    /// The Arabic and English Snowball stemmers.
    pub fn new() -> Stemmer {
        Stemmer {
            arabic: frostem::Stemmer::new(frostem::Algorithm::Arabic),
            english: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }

    /// Stems one normalized word (see [`crate::normalize`]) under `mode`.
    /// Words of other scripts, digits, emoji and very short words come back
    /// unchanged.
    ///
    /// ```
    /// use tarjuman_text::{Stemmer, StemMode};
    /// let s = Stemmer::new();
    /// assert_eq!(s.stem("running", StemMode::LatinOnly), "run");
    /// assert_eq!(s.stem("المدارس", StemMode::Arabic), "مدارس");
    /// // Persian is left alone unless the text is Arabic.
    /// assert_eq!(s.stem("ميخواهم", StemMode::LatinOnly), "ميخواهم");
    /// ```
    pub fn stem<'a>(&self, word: &'a str, mode: StemMode) -> Cow<'a, str> {
        if word.len() < 3 {
            return Cow::Borrowed(word);
        }
        match script_of(word) {
            Script::Latin => self.english.stem(word),
            Script::Arabic if mode == StemMode::Arabic => {
                let s = self.arabic.stem(word);
                // Never stem a word away entirely.
                if s.is_empty() { Cow::Borrowed(word) } else { s }
            }
            _ => Cow::Borrowed(word),
        }
    }
}

/// The stem mode for a post: Arabic when its language (the platform's
/// label, else [`crate::guess_lang`] on the original text) is Arabic.
///
/// ```
/// use tarjuman_text::{stem_mode_for, StemMode};
/// assert_eq!(stem_mode_for(Some("ar"), "..."), StemMode::Arabic);
/// assert_eq!(stem_mode_for(Some("fa"), "..."), StemMode::LatinOnly);
/// assert_eq!(stem_mode_for(None, "السلام عليكم"), StemMode::Arabic);
/// assert_eq!(stem_mode_for(Some("und"), "زن زندگی آزادی"), StemMode::LatinOnly);
/// ```
pub fn stem_mode_for(lang: Option<&str>, original_text: &str) -> StemMode {
    let arabic = match lang.and_then(crate::canonical_lang) {
        Some(l) => l == "ar",
        None => crate::guess_lang(original_text) == Some("ar"),
    };
    if arabic {
        StemMode::Arabic
    } else {
        StemMode::LatinOnly
    }
}
