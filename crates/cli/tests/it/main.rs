//! Integration tests: the real `tarjuman` binary on real-shaped files.
//!
//! Each test gets a fresh temporary data folder ([`Tj`]). Expected counts on
//! the real samples come from `independent_counts.py` (next to this file),
//! which counts the files' own JSON, never tarjuman's output; the command is
//! in a comment next to each assertion.

mod bad_input;
mod coord;
mod crash;
mod detect;
mod graph;
mod ingest_real;
mod search;
mod store_semantics;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The real sample corpus, shared beside the repository.
pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: the real corpus is not at {}", p.display());
        None
    }
}

/// A temporary data folder and the binary.
pub struct Tj {
    pub dir: tempfile::TempDir,
}

impl Default for Tj {
    fn default() -> Self {
        Tj::new()
    }
}

impl Tj {
    pub fn new() -> Tj {
        Tj {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tarjuman"));
        c.arg("--data")
            .arg(self.data())
            .env_remove("TARJUMAN_DATA")
            .env("CI", "true");
        c
    }
    /// Runs with `args`, returning the output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tarjuman")
    }
    /// `ingest --json ARGS`: the summary object and the exit code.
    pub fn ingest(&self, args: &[&str]) -> (Value, i32, String) {
        let mut a = vec!["ingest", "--json"];
        a.extend_from_slice(args);
        let o = self.run(&a);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("ingest --json printed no JSON ({e}); stderr: {stderr}"));
        (v, o.status.code().unwrap_or(-1), stderr)
    }
    /// `stats --json`.
    pub fn stats(&self) -> Value {
        let o = self.run(&["stats", "--json"]);
        assert!(
            o.status.success(),
            "stats failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).expect("stats JSON")
    }
    /// Runs a read-only SQL query against the store and returns the first column of each row.
    pub fn sql(&self, q: &str) -> Vec<String> {
        let c = rusqlite::Connection::open(self.data().join("tarjuman.db")).expect("open db");
        let mut st = c.prepare(q).expect("prepare");
        st.query_map([], |r| {
            let v: rusqlite::types::Value = r.get(0)?;
            Ok(match v {
                rusqlite::types::Value::Null => "NULL".to_string(),
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Real(f) => f.to_string(),
                rusqlite::types::Value::Text(t) => t,
                rusqlite::types::Value::Blob(b) => format!("<{} bytes>", b.len()),
            })
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
    }
}

/// Reads a u64 field of a JSON object.
pub fn n(v: &Value, k: &str) -> u64 {
    v[k].as_u64()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
}
