//! `tarjuman ingest`: files, folders and stdin into the store.

use crate::Ctx;
use crate::output::{json_line, show_progress, thousands};
use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tarjuman_ingest::pipeline::{self, FileReport, FileStatus, IngestOptions, Progress};
use tarjuman_ingest::{DecodeOptions, decoder_by_name};
use tarjuman_model::Problem;

/// Ingest archives into the store: X API v2 (twarc2) and v1.1 JSON, Telegram
/// Desktop exports, CSV (twarc-csv, coordination-network-toolkit, CrowdTangle,
/// or any CSV with obvious headers). gzip and zstd files are read as they are.
/// Folders are walked recursively; `-` reads stdin.
///
/// Ingest is idempotent: a file already ingested is skipped (its sha256 is
/// recorded), a post seen again with new text gets a new version, and posts a
/// later capture of the same channel or query lacks are marked missing.
/// Bad records are reported as FILE:LINE: REASON, kept in the quarantine table,
/// and the rest of the file goes on.
///
/// Exit codes: 0 all good; 1 finished, with quarantined records; 2 could not
/// run (or a file failed, or --strict stopped).
///
/// Examples:
///   tarjuman ingest ~/exports/
///   tarjuman ingest tweets.jsonl.gz channel/result.json posts.csv
///   twarc2 search '#Gaza' | tarjuman ingest -
///   tarjuman ingest data.csv --map id=post_id,text=body,author=account,created_at=when
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or folders to ingest; `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Use this format instead of detecting it (see `tarjuman formats`).
    #[arg(long)]
    pub format: Option<String>,
    /// CSV column mapping, FIELD=COLUMN pairs separated by commas; fields:
    /// id, author, handle, name, created_at, text, reply_to, repost_of,
    /// quote_of, platform, lang, urls, hashtags.
    #[arg(long, value_delimiter = ',')]
    pub map: Vec<String>,
    /// Stop at the first bad record.
    #[arg(long)]
    pub strict: bool,
    /// Process files again even if an identical file was ingested before.
    #[arg(long)]
    pub force: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Longest line or record accepted, in MiB.
    #[arg(long, default_value_t = 32)]
    pub max_record_mb: usize,
    /// Problems printed per file before the rest are only counted.
    #[arg(long, default_value_t = 10)]
    pub show_problems: usize,
    /// Run the event detectors after ingest (as `tarjuman detect` would;
    /// with --json its summary is a second JSON line).
    #[arg(long)]
    pub detect: bool,
    /// Leave the derived indexes as they are: the search index and the
    /// coordination features. `tarjuman search` and `tarjuman coord` bring
    /// them up to date on first use (or run `tarjuman reindex`). For large
    /// batch loads.
    #[arg(long)]
    pub no_index: bool,
}

/// The closing summary (also `--json`).
#[derive(Serialize, Default)]
pub struct Summary {
    pub files: u64,
    pub files_ingested: u64,
    pub files_already_ingested: u64,
    pub files_skipped: u64,
    pub files_failed: u64,
    pub formats: std::collections::BTreeMap<String, u64>,
    pub records_read: u64,
    pub new_posts: u64,
    pub new_versions: u64,
    pub new_actors: u64,
    pub missing_marked: u64,
    pub quarantined: u64,
    pub seconds: f64,
    pub posts_per_second: f64,
    pub details: Vec<FileReport>,
}

/// Parses `--map id=post_id,text=body`.
pub fn parse_map(items: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for it in items {
        let Some((f, c)) = it.split_once('=') else {
            bail!("--map {it:?}: expected FIELD=COLUMN, such as id=post_id");
        };
        let (f, c) = (f.trim(), c.trim());
        if f.is_empty() || c.is_empty() {
            bail!("--map {it:?}: expected FIELD=COLUMN, such as id=post_id");
        }
        out.push((f.to_string(), c.to_string()));
    }
    Ok(out)
}

struct Reporter {
    bar: Option<ProgressBar>,
    json: bool,
    show: usize,
    shown: Mutex<(String, usize)>,
    posts: AtomicU64,
}

impl Progress for Reporter {
    fn file_started(&self, path: &str, bytes: u64) {
        if let Some(b) = &self.bar {
            b.set_length(bytes);
            b.set_position(0);
            b.set_message(path.to_string());
        }
    }
    fn advance(&self, bytes_read: u64, posts: u64) {
        self.posts.store(posts, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_position(bytes_read);
            let secs = b.elapsed().as_secs_f64().max(0.001);
            b.set_prefix(format!(
                "{} posts, {:.0}/s",
                thousands(posts),
                posts as f64 / secs
            ));
        }
    }
    fn step(&self, path: &str, what: &str) {
        if let Some(b) = &self.bar {
            b.set_message(format!("{path}: {what}"));
        }
    }
    fn problem(&self, path: &str, p: &Problem) {
        let Ok(mut s) = self.shown.lock() else { return };
        if s.0 != path {
            *s = (path.to_string(), 0);
        }
        s.1 += 1;
        if s.1 <= self.show {
            let msg = format!("{path}:{}: {}", p.line, p.reason);
            match &self.bar {
                Some(b) => b.println(msg),
                None => eprintln!("{msg}"),
            }
        }
    }
    fn file_done(&self, r: &FileReport) {
        let extra = self
            .shown
            .lock()
            .map(|s| {
                if s.0 == r.path {
                    s.1.saturating_sub(self.show)
                } else {
                    0
                }
            })
            .unwrap_or(0);
        let mut lines = Vec::new();
        if extra > 0 {
            lines.push(format!(
                "{}: {} more problems (all are in the quarantine table)",
                r.path, extra
            ));
        }
        match r.status {
            FileStatus::Failed => lines.push(format!(
                "{}: error: {}",
                r.path,
                r.error.as_deref().unwrap_or("failed")
            )),
            FileStatus::Skipped if !self.json => lines.push(format!(
                "{}: skipped: {}",
                r.path,
                r.error.as_deref().unwrap_or("")
            )),
            FileStatus::AlreadyIngested if !self.json => lines.push(format!(
                "{}: already ingested (capture {}); use --force to process it again",
                r.path,
                r.capture.unwrap_or(0)
            )),
            _ => {}
        }
        for l in lines {
            match &self.bar {
                Some(b) => b.println(l),
                None => eprintln!("{l}"),
            }
        }
    }
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    if let Some(f) = &a.format
        && decoder_by_name(f).is_none()
    {
        let names: Vec<&str> = tarjuman_ingest::DECODERS.iter().map(|d| d.name()).collect();
        bail!(
            "unknown --format {f:?}; choose one of: {}",
            names.join(", ")
        );
    }
    let opts = IngestOptions {
        format: a.format.clone(),
        strict: a.strict,
        force: a.force,
        decode: DecodeOptions {
            source_name: String::new(),
            csv_map: parse_map(&a.map)?,
            max_record_bytes: a.max_record_mb.max(1) * 1024 * 1024,
        },
        spool_dir: ctx.data.clone(),
        ..IngestOptions::default()
    };
    let mut store = super::open_store(&ctx.data)?;
    let bar = show_progress().then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:.bold} [{bar:30}] {bytes}/{total_bytes} {prefix} ({eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b
    });
    let rep = Reporter {
        bar,
        json: a.json,
        show: a.show_problems,
        shown: Mutex::new((String::new(), 0)),
        posts: AtomicU64::new(0),
    };
    let t0 = Instant::now();
    let result = pipeline::ingest_paths(&mut store, &a.paths, &opts, &rep);
    if let Some(b) = &rep.bar {
        b.finish_and_clear();
    }
    let reports = result?;
    let s = summarize(reports, t0.elapsed().as_secs_f64());
    if a.json {
        json_line(&s)?;
    } else {
        print_human(&s);
    }
    // Keep the search index in step with the store (issue 3).
    if !a.no_index {
        super::search::after_ingest(&store, &ctx.data);
        // And the coordination features (issue 4).
        super::coord::after_ingest(&store, &ctx.data);
    }
    drop(store);
    if a.detect {
        let d = super::detect::Args {
            rebuild: false,
            only: Vec::new(),
            config: None,
            json: a.json,
            notify: Vec::new(),
            notify_command: Vec::new(),
            notify_timeout: 10,
            notify_attempts: 3,
        };
        // With --json, the detectors' summary is a second JSON line.
        let code = super::detect::run(d, ctx)?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    Ok(exit_code(&s))
}

fn summarize(reports: Vec<FileReport>, seconds: f64) -> Summary {
    let mut s = Summary {
        seconds,
        ..Summary::default()
    };
    for r in &reports {
        s.files += 1;
        match r.status {
            FileStatus::Ingested => s.files_ingested += 1,
            FileStatus::AlreadyIngested => s.files_already_ingested += 1,
            FileStatus::Skipped => s.files_skipped += 1,
            FileStatus::Failed => s.files_failed += 1,
        }
        if let Some(f) = &r.format
            && r.status == FileStatus::Ingested
        {
            *s.formats.entry(f.clone()).or_default() += 1;
        }
        s.records_read += r.records_read;
        s.new_posts += r.outcome.new_posts;
        s.new_versions += r.outcome.new_versions;
        s.new_actors += r.outcome.new_actors;
        s.missing_marked += r.missing_marked;
        s.quarantined += r.outcome.quarantined;
    }
    s.posts_per_second = if seconds > 0.0 {
        s.new_posts as f64 / seconds
    } else {
        0.0
    };
    s.details = reports;
    s
}

fn print_human(s: &Summary) {
    let formats: Vec<String> = s.formats.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
    println!(
        "files: {} ingested, {} already ingested, {} skipped, {} failed{}",
        s.files_ingested,
        s.files_already_ingested,
        s.files_skipped,
        s.files_failed,
        if formats.is_empty() {
            String::new()
        } else {
            format!(" ({})", formats.join(", "))
        }
    );
    println!("records read:    {}", thousands(s.records_read));
    println!("new posts:       {}", thousands(s.new_posts));
    println!("new versions:    {}", thousands(s.new_versions));
    println!("new actors:      {}", thousands(s.new_actors));
    println!("missing marked:  {}", thousands(s.missing_marked));
    println!("quarantined:     {}", thousands(s.quarantined));
    println!(
        "time:            {:.2} s ({:.0} new posts/s)",
        s.seconds, s.posts_per_second
    );
}

fn exit_code(s: &Summary) -> ExitCode {
    if s.files_failed > 0 {
        ExitCode::from(2)
    } else if s.quarantined > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_parses_and_rejects() {
        let m = parse_map(&["id=post_id".into(), "text= body ".into()]).unwrap();
        assert_eq!(
            m,
            vec![
                ("id".into(), "post_id".into()),
                ("text".into(), "body".into())
            ]
        );
        assert!(parse_map(&["nonsense".into()]).is_err());
        assert!(parse_map(&["=x".into()]).is_err());
    }
}
