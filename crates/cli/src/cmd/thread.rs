//! `tarjuman thread`: a conversation as a tree.

use super::graph::open_existing;
use crate::Ctx;
use crate::output::json_line;
use std::process::ExitCode;
use tarjuman_analysis::graph::thread::{self, ThreadOptions};

/// Show the conversation around a post as an indented tree: its root (found
/// by walking up replies and quotes), then every reply and quote below it in
/// time order, across all captures. Posts other posts answer but the store
/// lacks are shown as placeholders; the post asked about is marked ▶.
///
/// Examples:
///   tarjuman thread x:1574180218616651776
///   tarjuman thread https://twitter.com/someone/status/1574180218616651776
///   tarjuman thread telegram:1234/56 --json | jq '.posts[] | .ref'
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The post ref (`x:<id>`, `telegram:<chat>/<message>`, …) or an X URL.
    pub post_ref: String,
    /// Print one JSON object: root, focus, truncated, and the posts in tree
    /// order, each with its parent, relation and depth.
    #[arg(long)]
    pub json: bool,
    /// Most posts to show.
    #[arg(long, default_value_t = 10_000)]
    pub max: usize,
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let store = open_existing(ctx)?;
    let t = thread::load(
        store.conn(),
        &a.post_ref,
        &ThreadOptions { max_posts: a.max },
    )?;
    if a.json {
        json_line(&t)?;
    } else {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        thread::render(&t, &mut out)?;
        std::io::Write::flush(&mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}
