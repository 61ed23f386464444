//! Scripts, emoji and a cheap language guess from letters.

/// The writing system of a word, judged by its first letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    /// Arabic script (Arabic, Persian, Urdu, Pashto, Kurdish…).
    Arabic,
    /// Hebrew script.
    Hebrew,
    /// Latin script (ASCII letters included).
    Latin,
    /// Digits only, or no letter at all.
    Digits,
    /// Any other script (Cyrillic, Greek, CJK…).
    Other,
}

/// Whether `c` is a letter of the Arabic script (marks and digits excluded).
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06EF}'
        | '\u{06FA}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08C9}'
        | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}')
}

/// Whether `c` is a Hebrew letter (points excluded).
pub fn is_hebrew_letter(c: char) -> bool {
    matches!(c, '\u{05D0}'..='\u{05EA}' | '\u{05EF}'..='\u{05F2}' | '\u{FB1D}'..='\u{FB4F}')
}

/// Whether `c` is a Latin letter.
pub fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c, '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}' | '\u{00F8}'..='\u{024F}'
            | '\u{1E00}'..='\u{1EFF}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}')
}

/// The script of a word: that of its first letter.
///
/// ```
/// use tarjuman_text::{Script, script_of};
/// assert_eq!(script_of("غزه"), Script::Arabic);
/// assert_eq!(script_of("2023"), Script::Digits);
/// assert_eq!(script_of("covid19"), Script::Latin);
/// ```
pub fn script_of(word: &str) -> Script {
    for c in word.chars() {
        if c.is_ascii_digit() {
            continue;
        }
        if is_latin_letter(c) {
            return Script::Latin;
        }
        if is_arabic_letter(c) {
            return Script::Arabic;
        }
        if is_hebrew_letter(c) {
            return Script::Hebrew;
        }
        if c.is_alphabetic() {
            return Script::Other;
        }
    }
    Script::Digits
}

/// Whether `c` starts or belongs to an emoji (pictographs, symbols, flags,
/// keycap and tag parts). Approximate by design: ranges, not the full
/// emoji property table.
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF
        | 0x2600..=0x27BF
        | 0x2300..=0x23FF
        | 0x2B00..=0x2BFF
        | 0x2190..=0x21FF
        | 0x25A0..=0x25FF
        | 0x2934..=0x2935
        | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x24C2
        | 0xE0020..=0xE007F)
}

/// Characters that continue an emoji sequence after its first character.
pub(crate) fn is_emoji_continuation(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0x20E3 | 0xE0020..=0xE007F)
}

/// Persian letters absent from Arabic (پ چ ژ گ ی ک ۀ).
fn is_persian_letter(c: char) -> bool {
    matches!(c, 'پ' | 'چ' | 'ژ' | 'گ' | 'ی' | 'ک' | 'ۀ')
}

/// Urdu letters absent from Arabic and Persian (ٹ ڈ ڑ ں ھ ہ ے ۓ).
fn is_urdu_letter(c: char) -> bool {
    matches!(c, 'ٹ' | 'ڈ' | 'ڑ' | 'ں' | 'ھ' | 'ہ' | 'ے' | 'ۓ')
}

/// A cheap guess of the language of a post that carries no label, from its
/// letters: `he` for Hebrew; `ur`, `fa` or `ar` for the Arabic script (by
/// the letters only Urdu or Persian use); `en` for Latin text with common
/// English words; `None` otherwise. Run it on the original text: the
/// normalizer folds the very letters it looks at.
///
/// ```
/// use tarjuman_text::guess_lang;
/// assert_eq!(guess_lang("زن زندگی آزادی"), Some("fa"));
/// assert_eq!(guess_lang("پاکستان زندہ باد"), Some("ur"));
/// assert_eq!(guess_lang("السلام عليكم"), Some("ar"));
/// assert_eq!(guess_lang("שלום עולם"), Some("he"));
/// assert_eq!(guess_lang("the army said it was here"), Some("en"));
/// assert_eq!(guess_lang("🔥 123"), None);
/// ```
pub fn guess_lang(text: &str) -> Option<&'static str> {
    let (mut ar, mut fa, mut ur, mut he, mut latin, mut other) =
        (0u32, 0u32, 0u32, 0u32, 0u32, 0u32);
    for c in text.chars() {
        if is_arabic_letter(c) {
            ar += 1;
            if is_urdu_letter(c) {
                ur += 1;
            } else if is_persian_letter(c) {
                fa += 1;
            }
        } else if is_hebrew_letter(c) {
            he += 1;
        } else if is_latin_letter(c) {
            latin += 1;
        } else if c.is_alphabetic() {
            other += 1;
        }
    }
    let top = ar.max(he).max(latin).max(other);
    if top == 0 {
        return None;
    }
    if top == ar {
        return Some(if ur > 0 {
            "ur"
        } else if fa > 0 {
            "fa"
        } else {
            "ar"
        });
    }
    if top == he {
        return Some("he");
    }
    if top == latin {
        const COMMON: &[&str] = &[
            "the", "and", "of", "to", "is", "in", "for", "was", "are", "with", "this", "that",
        ];
        let english = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| COMMON.iter().any(|k| k.eq_ignore_ascii_case(w)))
            .count();
        return (english > 0).then_some("en");
    }
    None
}

/// A platform's language label in a canonical form: lower case, without a
/// region (`en-GB` → `en`), old codes updated (`iw` → `he`, `in` → `id`,
/// `ji` → `yi`); `None` for labels that name no language (X's `und`,
/// `qme`, `qht`, `qst`, `qam`, `zxx`).
///
/// ```
/// use tarjuman_text::canonical_lang;
/// assert_eq!(canonical_lang("iw").as_deref(), Some("he"));
/// assert_eq!(canonical_lang("en-GB").as_deref(), Some("en"));
/// assert_eq!(canonical_lang("und"), None);
/// ```
pub fn canonical_lang(label: &str) -> Option<String> {
    let base = label
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !(2..=3).contains(&base.len()) || !base.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some(
        match base.as_str() {
            "und" | "qme" | "qht" | "qst" | "qam" | "zxx" | "art" => return None,
            "iw" => "he",
            "in" => "id",
            "ji" => "yi",
            "ara" => "ar",
            "fas" | "per" => "fa",
            "heb" => "he",
            "eng" => "en",
            "urd" => "ur",
            b => b,
        }
        .to_string(),
    )
}
