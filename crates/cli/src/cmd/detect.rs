//! `tarjuman detect`: run the event detectors.

use crate::Ctx;
use crate::output::json_line;
use std::path::PathBuf;
use std::process::ExitCode;
use tarjuman_detect::{DETECTORS, RunOptions};

/// Run the event detectors over what was ingested since their last run and
/// store the events they find (edits, deletions, first contacts, …; see
/// docs/DETECTORS.md). Rerunning never duplicates an event: one that grows
/// is updated. Detectors use the watchlist (tarjuman.toml in the data
/// folder, or --config; see docs/WATCHLISTS.md); a detector whose watchlist
/// or parameters changed starts over by itself.
///
/// Examples:
///   tarjuman detect
///   tarjuman detect --rebuild
///   tarjuman detect --only edit --only deletion
///   tarjuman detect --notify http://localhost:9000/hook
///   tarjuman detect --notify-command 'notify-send "$TARJUMAN_EVENT_SUMMARY"'
///   tarjuman events --kind edit
///
/// Alerts go out for every event created or updated by this run: run
/// `tarjuman detect` once without --notify on a store that already holds
/// data, so that the first alerts are about what is new. A failed alert is
/// reported and makes the exit code 1; the events are stored regardless.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Forget all events and recompute them from the whole store.
    #[arg(long)]
    pub rebuild: bool,
    /// Run only this detector (repeatable).
    #[arg(long, value_parser = detector_name)]
    pub only: Vec<String>,
    /// The watchlist file (default: tarjuman.toml in the data folder).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print one JSON summary object instead of text.
    #[arg(long)]
    pub json: bool,
    /// POST each new or updated event, as JSON, to this webhook (repeatable;
    /// http:// directly, https:// through curl).
    #[arg(long, value_name = "URL")]
    pub notify: Vec<String>,
    /// Run this shell command for each new or updated event, with the event
    /// JSON on stdin and TARJUMAN_EVENT_ID/_KIND/_SUMMARY set (repeatable).
    #[arg(long, value_name = "COMMAND")]
    pub notify_command: Vec<String>,
    /// Seconds before a webhook attempt or a command is abandoned.
    #[arg(long, default_value_t = 10)]
    pub notify_timeout: u64,
    /// Attempts per webhook and event.
    #[arg(long, default_value_t = 3)]
    pub notify_attempts: u32,
}

/// Checks a detector name against the registry.
pub fn detector_name(s: &str) -> Result<String, String> {
    if DETECTORS.iter().any(|r| r.name == s) {
        Ok(s.to_string())
    } else {
        let known: Vec<&str> = DETECTORS.iter().map(|r| r.name).collect();
        Err(format!("unknown detector; known: {}", known.join(", ")))
    }
}

/// Opens the store, failing if the data folder holds none.
pub fn open_existing(ctx: &Ctx) -> anyhow::Result<tarjuman_store::SqliteStore> {
    if !ctx.data.join("tarjuman.db").exists() {
        anyhow::bail!(
            "no store in {}: run `tarjuman ingest FILES` or `tarjuman demo` first",
            ctx.data.display()
        );
    }
    super::open_store(&ctx.data)
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let watch = super::watch::load(ctx, a.config.as_deref())?;
    let store = open_existing(ctx)?;
    let opts = RunOptions {
        rebuild: a.rebuild,
        only: a.only,
    };
    let report = tarjuman_detect::run(store.conn(), &watch, &opts)?;
    if !report.unresolved.is_empty() {
        eprintln!(
            "note: not in the store (yet): {}",
            report.unresolved.join(", ")
        );
    }
    let notifier = tarjuman_detect::notify::Notifier {
        webhooks: a.notify,
        commands: a.notify_command,
        timeout: std::time::Duration::from_secs(a.notify_timeout.max(1)),
        attempts: a.notify_attempts.max(1),
        ..Default::default()
    };
    let mut code = ExitCode::SUCCESS;
    if !notifier.is_empty() {
        for (e, new) in &report.changed {
            let mut v = super::events::event_json(e);
            v["change"] = if *new { "new" } else { "updated" }.into();
            for f in notifier.send(&e.id, &e.kind, &e.summary, &v.to_string()) {
                eprintln!(
                    "tarjuman: alert for {} to {} failed: {}",
                    f.event, f.target, f.reason
                );
                code = ExitCode::from(1);
            }
        }
    }
    if a.json {
        json_line(&report)?;
        return Ok(code);
    }
    let mut out = String::new();
    for d in &report.detectors {
        out.push_str(&format!(
            "{:<15} {} new, {} updated{} in {:.2} s{}\n",
            d.name,
            d.new_events,
            d.updated_events,
            if d.withdrawn_events > 0 {
                format!(", {} withdrawn", d.withdrawn_events)
            } else {
                String::new()
            },
            d.seconds,
            if d.rebuilt { " (from the start)" } else { "" }
        ));
    }
    const SHOWN: usize = 20;
    for (e, new) in report.changed.iter().take(SHOWN) {
        out.push_str(&format!(
            "{} {}  {}\n",
            if *new { "new    " } else { "updated" },
            e.id,
            e.summary
        ));
    }
    if report.changed.len() > SHOWN {
        out.push_str(&format!(
            "… and {} more: tarjuman events\n",
            report.changed.len() - SHOWN
        ));
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn detector_names_are_checked() {
        assert!(super::detector_name("edit").is_ok());
        assert!(super::detector_name("nope").is_err());
    }
}
