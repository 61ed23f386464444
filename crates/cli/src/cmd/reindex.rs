//! `tarjuman reindex`: rebuild the search index from the store.

use crate::Ctx;
use crate::output::{json_line, thousands};
use anyhow::{Context, bail};
use std::process::ExitCode;

/// Rebuild the search index (DATA/search/) from the store, from scratch.
///
/// The index is derived data: ingest keeps it up to date, and a search
/// catches it up by change sequence when it is behind. Rebuild it after
/// upgrading tarjuman to a version that indexes differently, or if it was
/// damaged. The new index is written beside the old one, which stays
/// searchable until the new one replaces it.
///
/// Example: tarjuman reindex --json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Print the result as one JSON object (indexed, seq, seconds).
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    if !ctx.data.join("tarjuman.db").exists() {
        bail!(
            "no store in {}: run `tarjuman ingest FILES` or `tarjuman demo` first",
            ctx.data.display()
        );
    }
    let store = super::open_store(&ctx.data)?;
    let done =
        tarjuman_search::rebuild(&store, &ctx.data).context("rebuilding the search index")?;
    if a.json {
        json_line(&done)?;
    } else {
        let rate = if done.seconds > 0.0 {
            done.indexed as f64 / done.seconds
        } else {
            0.0
        };
        println!(
            "search index rebuilt: {} posts in {:.1} s ({:.0} posts/s), store change sequence {}",
            thousands(done.indexed),
            done.seconds,
            rate,
            done.seq
        );
    }
    Ok(ExitCode::SUCCESS)
}
