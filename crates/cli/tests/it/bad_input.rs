//! Bad input: every case is a clear `file:line: reason`, the rest of the file
//! goes on, bad records are quarantined, and exit codes are as documented.

use crate::{Tj, n};

const GOOD: &str =
    r#"{"id":"11","text":"good one","author_id":"1","created_at":"2021-01-01T00:00:00.000Z"}"#;
const GOOD2: &str =
    r#"{"id":"12","text":"good two","author_id":"1","created_at":"2021-01-01T00:00:01.000Z"}"#;

#[test]
fn truncated_line_invalid_utf8_wrong_shape_and_bom() {
    let tj = Tj::new();
    let f = tj.path("bad.jsonl");
    let mut b = Vec::new();
    b.extend_from_slice(b"\xEF\xBB\xBF");
    b.extend_from_slice(GOOD.as_bytes());
    b.extend_from_slice(b"\n{\"id\":\"13\",\"text\":\"trunc\n");
    b.extend_from_slice(b"{\"id\":\"14\",\"text\":\"bad \xff\xfe utf8\",\"author_id\":\"1\"}\n");
    b.extend_from_slice(b"{\"hello\":\"world\"}\n");
    b.extend_from_slice(GOOD2.as_bytes());
    b.push(b'\n');
    std::fs::write(&f, b).unwrap();
    let (sum, code, err) = tj.ingest(&[f.to_str().unwrap()]);
    assert_eq!(code, 1, "exit 1: finished with quarantined records; {err}");
    assert_eq!(n(&sum, "new_posts"), 2, "{sum}");
    assert_eq!(n(&sum, "quarantined"), 3, "{sum}");
    let shown = f.display().to_string();
    for line in [2, 3, 4] {
        assert!(
            err.contains(&format!("{shown}:{line}: ")),
            "no message for line {line}: {err}"
        );
    }
    let reasons = tj.sql("SELECT line || ' ' || reason FROM quarantine ORDER BY line");
    assert!(reasons[0].starts_with("2 "), "{reasons:?}");
    assert!(
        reasons[1].contains("utf-8")
            || reasons[1].contains("UTF-8")
            || reasons[1].contains("unicode"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("wrong shape"), "{reasons:?}");
    // The raw bytes of the bad record are kept.
    assert_eq!(
        tj.sql("SELECT length(raw) > 0 FROM quarantine WHERE line = 4"),
        vec!["1"]
    );
}

#[test]
fn strict_stops_at_the_first_problem() {
    let tj = Tj::new();
    let f = tj.path("bad.jsonl");
    std::fs::write(&f, format!("{GOOD}\nnot json\n{GOOD2}\n")).unwrap();
    let o = tj.run(&["ingest", "--strict", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(":2: ") && err.contains("--strict"), "{err}");
}

#[test]
fn a_50_mb_line_is_reported_and_skipped() {
    let tj = Tj::new();
    let f = tj.path("big.jsonl");
    let mut b = format!("{GOOD}\n{{\"id\":\"99\",\"text\":\"").into_bytes();
    b.extend(std::iter::repeat_n(b'a', 50 * 1024 * 1024));
    b.extend_from_slice(b"\"}\n");
    b.extend_from_slice(GOOD2.as_bytes());
    b.push(b'\n');
    std::fs::write(&f, b).unwrap();
    let (sum, code, err) = tj.ingest(&[f.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(n(&sum, "new_posts"), 2);
    assert!(
        err.contains(":2: line is") && err.contains("limit"),
        "{err}"
    );
}

#[test]
fn unknown_format_and_missing_file_exit_2() {
    let tj = Tj::new();
    let f = tj.path("notes.txt");
    std::fs::write(&f, "just some words\n").unwrap();
    let (sum, code, err) = tj.ingest(&[f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown format"), "{err}");
    assert_eq!(n(&sum, "files_failed"), 1);
    let (_, code, err) = tj.ingest(&[tj.path("nope.json").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot open"), "{err}");
    let o = tj.run(&["ingest", "--format", "nonsense", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown --format"));
}

#[test]
fn stats_without_a_store_is_a_clear_error() {
    let tj = Tj::new();
    let o = tj.run(&["stats"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no store in"));
}
