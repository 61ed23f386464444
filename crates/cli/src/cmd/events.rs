//! `tarjuman events`: list stored events.

use super::detect::{detector_name, open_existing};
use crate::Ctx;
use std::process::ExitCode;
use tarjuman_detect::events::{self, Filter, rfc3339};

/// List the events `tarjuman detect` stored, oldest first.
///
/// With --json, one object per line (the contract for scripts): id, kind,
/// start, end (RFC 3339 UTC), score, actors (actor refs), evidence (post
/// refs, the trigger or first post first), summary, plus params and detail.
///
/// Examples:
///   tarjuman events
///   tarjuman events --kind deletion --since 2023-10-01
///   tarjuman events --actor x:694671639967434717 --json | jq .summary
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Only this kind (edit, deletion, first-contact, first-exchange).
    #[arg(long, value_parser = detector_name)]
    pub kind: Option<String>,
    /// Only events ending at or after this date (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_parser = parse_since)]
    pub since: Option<i64>,
    /// Only events naming this actor ref.
    #[arg(long)]
    pub actor: Option<String>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `YYYY-MM-DD` (midnight UTC) or RFC 3339, as Unix seconds.
pub fn parse_since(s: &str) -> Result<i64, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .ok_or_else(|| "not a date".to_string());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.timestamp())
        .map_err(|_| "expected YYYY-MM-DD or an RFC 3339 time such as 2023-10-01T12:00:00Z".into())
}

/// The `--json` object of one event.
pub fn event_json(e: &events::Event) -> serde_json::Value {
    serde_json::json!({
        "id": e.id,
        "kind": e.kind,
        "start": rfc3339(e.start),
        "end": rfc3339(e.end),
        "score": e.score,
        "actors": e.actors,
        "evidence": e.evidence.iter().map(|v| v.post.as_str()).collect::<Vec<_>>(),
        "summary": e.summary,
        "params": e.params,
        "detail": e.detail,
    })
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let store = open_existing(ctx)?;
    let f = Filter {
        kind: a.kind,
        since: a.since,
        actor: a.actor,
    };
    let list = events::list(store.conn(), &f)?;
    if a.json {
        // Written as text so that a closed pipe (`| head`) is an io::Error.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for e in &list {
            let mut line = event_json(e).to_string();
            line.push('\n');
            std::io::Write::write_all(&mut out, line.as_bytes())?;
        }
        std::io::Write::flush(&mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for e in &list {
        out.push_str(&format!(
            "{}  {:<14}  {:<28}  {:>6}  {}\n",
            rfc3339(e.start),
            e.kind,
            e.id,
            e.score,
            e.summary
        ));
    }
    if list.is_empty() {
        out.push_str("no events (run `tarjuman detect` after ingesting)\n");
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn since_accepts_dates_and_times() {
        assert_eq!(super::parse_since("2023-10-01"), Ok(1_696_118_400));
        assert_eq!(
            super::parse_since("2023-10-01T01:00:00Z"),
            Ok(1_696_122_000)
        );
        assert!(super::parse_since("yesterday").is_err());
    }
}
