//! The invariants every decoder keeps, checked by property tests and by the
//! fuzz targets (`fuzz/fuzz_targets/<format>.rs`) on arbitrary bytes:
//! - decoding never panics;
//! - the summary counts what went to the sink;
//! - decoding is deterministic (the same bytes give the same records);
//! - every post has a ref that starts with its platform's name.

use crate::{DecodeOptions, decoder_by_name};
use tarjuman_model::{Record, VecSink};

/// Decodes `data` with the decoder named `format` and checks the invariants,
/// panicking (as a fuzzer wants) when one is broken.
pub fn check(format: &str, data: &[u8]) {
    let Some(d) = decoder_by_name(format) else {
        panic!("no decoder {format}")
    };
    let opts = DecodeOptions {
        max_record_bytes: 1 << 20,
        ..DecodeOptions::default()
    };
    let mut a = VecSink::default();
    let res = d.decode(&mut &data[..], &opts, &mut a);
    if let Ok(sum) = &res {
        assert_eq!(sum.records, a.records.len() as u64, "summary.records");
        assert_eq!(sum.problems, a.problems.len() as u64, "summary.problems");
    }
    let mut b = VecSink::default();
    let _ = d.decode(&mut &data[..], &opts, &mut b);
    assert_eq!(a.records, b.records, "decoding is deterministic");
    for (_, r) in &a.records {
        if let Record::Post(p) = r {
            assert!(
                p.ref_.starts_with(p.platform.as_str()),
                "ref {} of a {} post",
                p.ref_,
                p.platform
            );
            assert!(!p.native_id.is_empty(), "empty native id");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use proptest::prelude::*;

    const SEEDS: &[&[u8]] = &[
        br#"{"data":[{"id":"2","text":"RT @a: hi #x","author_id":"10","referenced_tweets":[{"type":"retweeted","id":"1"}],"entities":{"mentions":[{"username":"a","id":"11"}]}}],"includes":{"users":[{"id":"10","username":"b"}],"tweets":[{"id":"1","text":"hi","author_id":"11"}]}}"#,
        br#"{"id_str":"3","text":"RT","user":{"id_str":"2"},"retweeted_status":{"id_str":"1","text":"x","user":{"id_str":"9"}}}"#,
        b"[\n{\"id_str\":\"1\",\"text\":\"a\",\"user\":{\"id_str\":\"2\"}}\n]",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            for f in ["twarc2", "twitter-v1", "telegram-export", "csv"] {
                check(f, &data);
            }
        }

        #[test]
        fn truncated_and_mutated_json_never_panics(seed in 0..SEEDS.len(), cut in 0usize..400, flip in 0usize..400, byte in any::<u8>()) {
            let mut d = SEEDS[seed].to_vec();
            if flip < d.len() { d[flip] = byte; }
            d.truncate(cut.min(d.len()));
            for f in ["twarc2", "twitter-v1"] {
                check(f, &d);
            }
        }
    }
}
