//! `tarjuman event`: one event's evidence as a timeline.

use super::detect::open_existing;
use crate::Ctx;
use crate::output::json_line;
use std::process::ExitCode;
use tarjuman_detect::{events, timeline};

/// Show one event: its summary, then its evidence posts in time order with
/// author, role and text. For edits, every captured version of each post
/// with a word diff (`[-removed-] {+added+}`).
///
/// Examples:
///   tarjuman event edit-3f0c9a1b2c3d4e5f
///   tarjuman event first-contact-0123456789abcdef --json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The event id, as `tarjuman events` prints it.
    pub id: String,
    /// One JSON object: the event and a `timeline` array.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let store = open_existing(ctx)?;
    let Some(e) = events::get(store.conn(), &a.id)? else {
        anyhow::bail!("no event {} (list them with `tarjuman events`)", a.id);
    };
    let t = timeline::timeline(store.conn(), &e)?;
    if a.json {
        let mut v = super::events::event_json(&e);
        v["timeline"] = serde_json::to_value(&t.timeline)?;
        json_line(&v)?;
    } else {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        timeline::render(&t, &mut out)?;
        std::io::Write::flush(&mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}
