//! Properties of the normalizer and the tokenizer on generated text that
//! leans on the hard cases: marks, joiners, bidi controls, presentation
//! forms, Hangul jamo, emoji parts.

use proptest::prelude::*;
use tarjuman_text::{
    MAX_GROWTH, StemMode, Stemmer, TokenKind, normalize, normalized, stem_mode_for, tokens,
};

/// Characters that make normalization interesting.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        // Arabic letters, marks, tatweel, digits, Quranic marks, presentation forms.
        (0x0600u32..=0x06FF).prop_filter_map("char", char::from_u32),
        (0x08A0u32..=0x08FF).prop_filter_map("char", char::from_u32),
        (0xFB50u32..=0xFDFF).prop_filter_map("char", char::from_u32),
        (0xFE70u32..=0xFEFF).prop_filter_map("char", char::from_u32),
        // Hebrew and its presentation forms.
        (0x0590u32..=0x05FF).prop_filter_map("char", char::from_u32),
        (0xFB1Du32..=0xFB4F).prop_filter_map("char", char::from_u32),
        // Latin with accents, combining marks, Greek.
        (0x00C0u32..=0x024F).prop_filter_map("char", char::from_u32),
        (0x0300u32..=0x03FF).prop_filter_map("char", char::from_u32),
        (0x1E00u32..=0x1FFF).prop_filter_map("char", char::from_u32),
        // Hangul jamo (compose under NFKC) and syllables.
        (0x1100u32..=0x11FF).prop_filter_map("char", char::from_u32),
        (0xAC00u32..=0xAC20).prop_filter_map("char", char::from_u32),
        // Joiners, bidi controls, variation selectors, emoji and their parts.
        prop::sample::select(vec![
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{2067}',
            '\u{2069}',
            '\u{202B}',
            '\u{FE0F}',
            '\u{1F3FD}',
            '\u{20E3}',
            '🔥',
            '👨',
            '👩',
            '🇵',
            '🇸',
            '#',
            '@',
            '_',
            '"',
            '׳',
            '״',
            ' ',
            'a',
            'Z',
            '1',
            'İ',
            'ß',
            'ﷺ',
            'ﻻ',
            '\u{0301}',
            'ـ',
        ]),
        any::<char>(),
    ]
}

fn tricky_string() -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..40).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn idempotent(s in tricky_string()) {
        let once = normalized(&s);
        prop_assert_eq!(normalized(&once), once);
    }

    #[test]
    fn growth_is_bounded(s in tricky_string()) {
        let mut out = String::new();
        normalize(&s, &mut out);
        prop_assert!(out.len() <= MAX_GROWTH * s.len(), "{} bytes from {}", out.len(), s.len());
    }

    #[test]
    fn arbitrary_strings_do_not_panic(s in any::<String>()) {
        let n = normalized(&s);
        prop_assert!(n.len() <= MAX_GROWTH * s.len());
        let stemmer = Stemmer::new();
        for t in tokens(&s) {
            let _ = stemmer.stem(t.word(), StemMode::Arabic);
        }
    }

    #[test]
    fn tokens_point_into_the_original_and_are_normalized(s in tricky_string()) {
        let stemmer = Stemmer::new();
        for t in tokens(&s) {
            prop_assert!(t.start < t.end && t.end <= s.len());
            prop_assert!(s.get(t.start..t.end).is_some(), "offsets not on char boundaries: {:?}", t);
            prop_assert!(!t.text.is_empty());
            prop_assert!(!t.text.chars().any(char::is_whitespace), "{:?}", t);
            if t.kind == TokenKind::Word || t.kind == TokenKind::Emoji {
                prop_assert_eq!(normalized(&t.text), t.text.clone());
            }
            let mode = stem_mode_for(None, &s);
            prop_assert!(!stemmer.stem(t.word(), mode).is_empty());
        }
    }

    #[test]
    fn tokens_of_normalized_text_are_the_same_words(s in "[ a-zA-Zء-ي0-9ًٌٍَُِّْـ#@]{0,40}") {
        // On text without URLs, presentation forms or joiners, tokenizing
        // before or after normalizing gives the same words.
        let a: Vec<String> = tokens(&s).map(|t| t.text).collect();
        let b: Vec<String> = tokens(&normalized(&s)).map(|t| t.text).collect();
        prop_assert_eq!(a, b);
    }
}
