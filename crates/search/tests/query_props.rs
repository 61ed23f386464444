//! The query parser and compiler never panic, whatever is typed.

use proptest::prelude::*;
use tarjuman_search::{NoResolver, Query, SearchIndex, Sort};

fn query_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(" OR ".to_string()),
        Just(" AND ".to_string()),
        Just("NOT ".to_string()),
        Just("-".to_string()),
        Just("#".to_string()),
        Just("@".to_string()),
        Just(" ".to_string()),
        Just("from:".to_string()),
        Just("since:".to_string()),
        Just("until:2023-10-07T06:30".to_string()),
        Just("url:".to_string()),
        Just("lang:".to_string()),
        Just("is:".to_string()),
        Just("has:".to_string()),
        Just("platform:".to_string()),
        Just("غزة".to_string()),
        Just("צה\"ל".to_string()),
        Just("ﷺ".to_string()),
        Just("🔥".to_string()),
        "[a-z:/.]{1,6}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn parse_and_search_never_panic(q in query_text()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let ix = SearchIndex::open(dir.path()).expect("index");
        match Query::parse(&q) {
            Ok(parsed) => {
                // A parsed query may still fail to compile (a word with
                // nothing searchable), but it must not panic.
                let _ = ix.search(&parsed, &NoResolver, Sort::Relevance, 10);
                let _ = ix.search(&parsed, &NoResolver, Sort::Time, 0);
            }
            Err(e) => {
                prop_assert!(e.position >= 1 && e.position <= q.chars().count() + 1, "{e} for {q:?}");
            }
        }
    }
}
