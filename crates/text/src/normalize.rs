//! The one normalizer: NFKC, then a per-character folding table.

use crate::script::is_emoji;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// The most bytes [`normalize`] writes per input byte. NFKC's longest
/// expansion, U+FDFA `ﷺ` (3 bytes) → `صلى الله عليه وسلم` (33 bytes), sets
/// it; every other character stays well below (`growth_is_bounded` checks
/// all of Unicode).
pub const MAX_GROWTH: usize = 11;

/// Normalizes `input` for matching, replacing the contents of `out`.
///
/// The same function feeds search, near-duplicate hashing and coordination,
/// so "the same word" means the same thing everywhere. In order:
///
/// 1. **NFKC**: presentation forms unfold (`ﻻ` → `لا`, `ﷺ` → `صلى الله عليه
///    وسلم`), fullwidth Latin narrows (`ＲＴ` → `RT`).
/// 2. **Arabic**: tashkeel, Quranic annotation marks and tatweel are
///    removed (the dagger alef too, as standard spelling writes `ذلك`,
///    `هذا`, `الرحمن` without an alef); `أ إ آ ٱ` → `ا`; `ى` → `ي`; `ة` → `ه` (as a matching variant);
///    hamza seats `ؤ` → `و`, `ئ` → `ي`; Arabic-Indic digits → ASCII.
/// 3. **Persian and Urdu**: `ی` → `ي`, `ک` → `ك`, `ۀ`/`ہ` → `ه`, Persian
///    digits → ASCII; ZWNJ is removed, so `می‌خواهم` and `میخواهم` become
///    one word.
/// 4. **Hebrew**: niqqud and cantillation removed; final letters folded
///    (`ם` → `מ`, `ך ן ף ץ` likewise); gershayim `״` → `"`, geresh `׳` → `'`.
/// 5. **Latin and Greek**: lower case, accents removed (`é` → `e`,
///    `ß` → `ss`, `ς` → `σ`).
/// 6. **Invisible marks** are removed: bidi controls (LRM, RLM, ALM,
///    embeddings, isolates), soft hyphen, word joiner, BOM, variation
///    selectors. ZWJ is kept only inside emoji sequences.
/// 7. **Emoji** stay, without skin-tone modifiers (`👍🏽` → `👍`).
///
/// Everything else (punctuation, spaces, other scripts) passes through,
/// lower-cased. The function never panics, is idempotent
/// (`normalize(normalize(x)) == normalize(x)`) and writes at most
/// [`MAX_GROWTH`] bytes per input byte.
///
/// ```
/// use tarjuman_text::normalize;
/// let mut out = String::new();
/// normalize("غَزَّةُ", &mut out);
/// assert_eq!(out, "غزه");
/// normalize("أبـــو", &mut out);
/// assert_eq!(out, "ابو");
/// normalize("می‌خواهم", &mut out);
/// assert_eq!(out, "ميخواهم");
/// normalize("בְּחִירוֹת", &mut out);
/// assert_eq!(out, "בחירות");
/// normalize("Café ١٢٣ 🔥", &mut out);
/// assert_eq!(out, "cafe 123 🔥");
/// ```
pub fn normalize(input: &str, out: &mut String) {
    out.clear();
    if input.is_ascii() {
        out.push_str(input);
        out.make_ascii_lowercase();
        return;
    }
    out.reserve(input.len());
    // Fast path: common Arabic, Persian and Hebrew text needs no NFKC and no
    // second round (see `is_simple`).
    if input.chars().all(is_simple) {
        fold_all(input.chars(), out);
        return;
    }
    if unicode_normalization::is_nfkc_quick(input.chars())
        == unicode_normalization::IsNormalized::Yes
    {
        fold_all(input.chars(), out);
    } else {
        fold_all(input.nfkc(), out);
    }
    // Removing a character can bring two others together that NFKC would
    // compose (Hangul jamo around a ZWNJ); run again until nothing changes.
    // Two rounds settle every case the property tests have found.
    let mut rounds = 0;
    while rounds < 4 && !unicode_normalization::is_nfkc(out) {
        let again: String = out.nfkc().collect();
        out.clear();
        fold_all(again.chars(), out);
        rounds += 1;
    }
}

/// [`normalize`] into a new string.
///
/// ```
/// assert_eq!(tarjuman_text::normalized("ٱلْحَمْدُ"), "الحمد");
/// ```
pub fn normalized(input: &str) -> String {
    let mut out = String::new();
    normalize(input, &mut out);
    out
}

/// Characters that are NFKC-stable, that no canonical composition joins to
/// a neighbour (the hamza and madda marks U+0653–U+0655 are left out), and
/// whose folds are such characters too: text made only of them needs
/// neither NFKC nor a second round. `simple_chars_are_nfkc_stable` checks
/// the first property for each.
#[inline]
pub(crate) fn is_simple(c: char) -> bool {
    matches!(c,
        '\0'..='\u{7F}'
        | '\u{0591}'..='\u{05C7}'
        | '\u{05D0}'..='\u{05EA}'
        | '\u{060C}' | '\u{061B}' | '\u{061F}'
        | '\u{0621}'..='\u{0652}'
        | '\u{0660}'..='\u{0669}'
        | '\u{0670}' | '\u{0671}'
        | '\u{067E}' | '\u{0686}' | '\u{0698}' | '\u{06A9}' | '\u{06AF}' | '\u{06CC}'
        | '\u{06F0}'..='\u{06F9}'
        | '\u{200C}'..='\u{200F}')
}

fn fold_all(chars: impl Iterator<Item = char>, out: &mut String) {
    for c in chars {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if ('\u{0590}'..='\u{08FF}').contains(&c) {
            // Hebrew and Arabic have no case.
            fold(c, out);
        } else {
            for l in c.to_lowercase() {
                fold(l, out);
            }
        }
    }
}

/// Whether `c` is dropped by the normalizer. ZWJ is handled apart.
pub(crate) fn is_removed(c: char) -> bool {
    matches!(c,
        // Arabic: signs above and below, harakat, superscript alef,
        // Quranic annotation marks (small high letters, rub el hizb, sajdah),
        // extended-A Quranic marks, tatweel.
        '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08FF}'
        | '\u{0640}'
        // Hebrew points and cantillation (not maqaf, paseq, sof pasuq).
        | '\u{0591}'..='\u{05BD}'
        | '\u{05BF}'
        | '\u{05C1}'
        | '\u{05C2}'
        | '\u{05C4}'
        | '\u{05C5}'
        | '\u{05C7}'
        // Combining diacritics left without a precomposed letter.
        | '\u{0300}'..='\u{036F}'
        // Invisible format characters: ZWNJ, bidi marks, embeddings,
        // isolates, soft hyphen, word joiner, BOM, Arabic letter mark.
        | '\u{200C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{00AD}'
        | '\u{2060}'
        | '\u{FEFF}'
        // Variation selectors and skin-tone modifiers.
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{1F3FB}'..='\u{1F3FF}'
    )
}

/// Folds one lower-cased character into `out`. Every character this writes
/// is a fixed point of `fold`, which makes the normalizer idempotent.
fn fold(c: char, out: &mut String) {
    if is_removed(c) {
        return;
    }
    let mapped = match c {
        '\u{200D}' => {
            // ZWJ joins emoji (👨‍👩‍👧); anywhere else it is noise.
            if out
                .chars()
                .next_back()
                .is_some_and(|p| is_emoji(p) || p == '\u{200D}')
            {
                out.push(c);
            }
            return;
        }
        // Alef with hamza above or below, with madda, wasla, wavy hamza.
        'أ' | 'إ' | 'آ' | 'ٱ' | '\u{0672}' | '\u{0673}' | '\u{0675}' => 'ا',
        // Alef maksura, Persian yeh, yeh with hamza, Farsi yeh variants.
        'ى' | 'ی' | 'ئ' | '\u{06CD}' | '\u{0678}' => 'ي',
        'ؤ' | '\u{0676}' => 'و',
        // Teh marbuta, heh with yeh above (ۀ), Urdu heh goal (ہ) and its hamza form.
        'ة' | 'ۀ' | 'ہ' | '\u{06C2}' => 'ه',
        // Keheh (Persian kaf) and swash kaf.
        'ک' | 'ڪ' => 'ك',
        '٠'..='٩' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '۰'..='۹' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        // Hebrew final letters, gershayim and geresh.
        'ך' => 'כ',
        'ם' => 'מ',
        'ן' => 'נ',
        'ף' => 'פ',
        'ץ' => 'צ',
        '״' => '"',
        '׳' => '\'',
        // Latin letters that do not decompose.
        'ß' => return out.push_str("ss"),
        'æ' => return out.push_str("ae"),
        'œ' => return out.push_str("oe"),
        'þ' => return out.push_str("th"),
        'ø' => 'o',
        'ł' => 'l',
        'đ' | 'ð' => 'd',
        'ı' => 'i',
        'ς' => 'σ',
        // Accented Latin and Greek: the base letters, marks dropped.
        '\u{00C0}'..='\u{024F}'
        | '\u{1E00}'..='\u{1EFF}'
        | '\u{0370}'..='\u{03FF}'
        | '\u{1F00}'..='\u{1FFF}' => {
            let mut any = false;
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    any = true;
                    for l in d.to_lowercase() {
                        // A base letter (Ǣ → Æ → æ) goes through the table
                        // once more; one that does not decompose is kept.
                        if l == c { out.push(l) } else { fold(l, out) }
                    }
                }
            });
            if !any {
                out.push(c);
            }
            return;
        }
        _ => c,
    };
    out.push(mapped);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalized(s)
    }

    /// Hand-written examples: each row is (input, expected, what it shows).
    const TABLE: &[(&str, &str, &str)] = &[
        // Arabic: vocalised Quranic-style text.
        (
            "بِسْمِ ٱللَّهِ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ",
            "بسم الله الرحمن الرحيم",
            "basmala: harakat, shadda, wasla, dagger alef",
        ),
        (
            "ذَٰلِكَ ٱلْكِتَٰبُ لَا رَيْبَ ۛ فِيهِ ۛ هُدًى لِّلْمُتَّقِينَ",
            "ذلك الكتب لا ريب  فيه  هدي للمتقين",
            "Quranic pause marks removed, alef maksura → yeh",
        ),
        (
            "إِنَّا أَنزَلْنَاهُ فِي لَيْلَةِ الْقَدْرِ ﴿١﴾",
            "انا انزلناه في ليله القدر ﴿1﴾",
            "hamza seats, teh marbuta, ornate parentheses kept, digit folded",
        ),
        (
            "ٱلْحَمْدُ لِلَّهِ رَبِّ ٱلْعَٰلَمِينَ ۝٢",
            "الحمد لله رب العلمين 2",
            "end-of-ayah sign removed; the Quranic dagger alef is not a written alef",
        ),
        // Tatweel-stretched words.
        ("غـــــزة", "غزه", "tatweel"),
        ("الـحـكـومـة", "الحكومه", "tatweel between every letter"),
        ("شكــــــــــراً", "شكرا", "tatweel and tanween"),
        // Spelling variants.
        ("أبو", "ابو", "hamza on alef"),
        ("إسرائيل", "اسراييل", "hamza below, yeh seat"),
        ("آمال", "امال", "madda"),
        ("مسؤول", "مسوول", "waw seat"),
        ("على", "علي", "alef maksura"),
        ("مدرسة", "مدرسه", "teh marbuta"),
        ("٢٠٢٣/١٠/٠٧", "2023/10/07", "Arabic-Indic digits"),
        (
            "ﻻ إله إﻻ الله",
            "لا اله الا الله",
            "lam-alef presentation forms",
        ),
        (
            "ﷺ",
            "صلي الله عليه وسلم",
            "NFKC expands the ligature; alef maksura folded",
        ),
        // Persian.
        ("می‌خواهم", "ميخواهم", "ZWNJ removed, Persian yeh"),
        ("کتاب", "كتاب", "keheh"),
        ("ایران ۱۴۰۲", "ايران 1402", "Persian yeh and digits"),
        ("خانهٔ ما", "خانه ما", "hamza above as a mark"),
        ("زن زندگی آزادی", "زن زندگي ازادي", "yeh and madda"),
        // Urdu.
        (
            "پاکستان زندہ باد",
            "پاكستان زنده باد",
            "heh goal, keheh; peh kept",
        ),
        // Hebrew.
        (
            "בְּרֵאשִׁית בָּרָא אֱלֹהִים",
            "בראשית ברא אלהימ",
            "niqqud removed, final mem folded",
        ),
        ("צה\"ל", "צה\"ל", "acronym with ASCII quote"),
        ("צה״ל", "צה\"ל", "gershayim → ASCII quote"),
        ("שָׁלוֹם עֲלֵיכֶם", "שלומ עליכמ", "finals folded"),
        ("ארץ", "ארצ", "final tsadi"),
        // Latin.
        ("Café CRÈME", "cafe creme", "case and accents"),
        ("Straße", "strasse", "sharp s"),
        ("ＲＴ @User", "rt @user", "fullwidth"),
        ("İstanbul", "istanbul", "dotted capital I"),
        (
            "Ελληνικά ΟΔΟΣ",
            "ελληνικα οδοσ",
            "Greek accents and final sigma",
        ),
        // Mixed RTL/LTR lines with bidi marks.
        (
            "\u{200F}قال @IDF \u{200E}في #غزة: \"Israel is here\"",
            "قال @idf في #غزه: \"israel is here\"",
            "bidi marks removed, both scripts folded",
        ),
        (
            "\u{2067}שלום\u{2069} world \u{202B}مرحبا\u{202C}",
            "שלומ world مرحبا",
            "isolates and embeddings removed",
        ),
        // Emoji.
        ("🔥🔥 ❤️ 👍🏽", "🔥🔥 ❤ 👍", "VS16 and skin tone removed"),
        (
            "👨\u{200D}👩\u{200D}👧",
            "👨\u{200D}👩\u{200D}👧",
            "ZWJ kept inside an emoji sequence",
        ),
        ("🇵🇸🇮🇱", "🇵🇸🇮🇱", "flags kept"),
        ("a\u{200D}b", "ab", "ZWJ removed between letters"),
    ];

    #[test]
    fn table() {
        for (input, want, what) in TABLE {
            assert_eq!(n(input), *want, "{what}: {input:?}");
            assert_eq!(
                n(want),
                *want,
                "{what}: expected output is not a fixed point"
            );
        }
    }

    #[test]
    fn growth_is_bounded() {
        let mut out = String::new();
        let mut worst = (0usize, '\0');
        for c in (0u32..=0x10FFFF).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let s = c.encode_utf8(&mut buf);
            normalize(s, &mut out);
            let ratio = out.len().div_ceil(s.len());
            if ratio > worst.0 {
                worst = (ratio, c);
            }
            assert_eq!(
                normalized(&out),
                out,
                "not idempotent on U+{:04X}",
                c as u32
            );
        }
        assert!(
            worst.0 <= MAX_GROWTH,
            "U+{:04X} grows {}×",
            worst.1 as u32,
            worst.0
        );
    }

    #[test]
    fn simple_chars_are_nfkc_stable() {
        use unicode_normalization::{IsNormalized, is_nfkc_quick};
        for c in (0u32..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_simple(c))
        {
            assert_eq!(
                is_nfkc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
            let mut out = String::new();
            fold(c, &mut out);
            assert!(
                out.chars().all(is_simple),
                "U+{:04X} folds outside the simple set",
                c as u32
            );
        }
    }

    #[test]
    fn ascii_fast_path_matches_slow_path() {
        assert_eq!(n("Hello World"), "hello world");
        assert_eq!(n("Hello Wörld"), "hello world");
    }
}
