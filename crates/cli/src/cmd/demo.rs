//! `tarjuman demo`: a realistic generated world, ingested and summarized.

use crate::Ctx;
use crate::output::thousands;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use tarjuman_ingest::pipeline::{self, IngestOptions, NoProgress};
use tarjuman_store::Store;

/// Generate a realistic synthetic world (X accounts and Telegram channels
/// talking in Arabic, Hebrew, Persian and English, with replies, quotes,
/// reposts, forwards, mentions and edits) in the real file formats (twarc2
/// JSONL, v1.1 JSONL, Telegram Desktop result.json, coordination-toolkit
/// CSV), ingest it into the data folder and summarize what is there.
///
/// The generated files are kept in DATA/demo-input/ so you can look at them
/// or ingest them again. The X posts come twice (v2 and, for one in ten, v1.1)
/// and are stored once. The coordination-toolkit CSV (csv/cnt.csv) holds the
/// same X posts in a format without platform ids, so demo does not ingest it;
/// it is there to run the toolkit on. Running demo twice adds nothing.
///
/// Example: tarjuman --data /tmp/td demo --posts 100000
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// X posts to generate.
    #[arg(long, default_value_t = 20_000)]
    pub posts: u64,
    /// Telegram messages to generate.
    #[arg(long, default_value_t = 5_000)]
    pub telegram_posts: u64,
    /// Random seed (the same seed gives the same world).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to write the generated files (default DATA/demo-input).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let out = a.out.clone().unwrap_or_else(|| ctx.data.join("demo-input"));
    let cfg = tarjuman_gen::WorldConfig {
        seed: a.seed,
        posts: a.posts,
        telegram_posts: a.telegram_posts,
        actors: (a.posts / 10).clamp(50, 200_000),
        ..tarjuman_gen::WorldConfig::default()
    };
    eprintln!(
        "generating a world of {} X posts and {} Telegram messages in {} …",
        thousands(a.posts),
        thousands(a.telegram_posts),
        out.display()
    );
    let world = tarjuman_gen::write_world(&cfg, &out)
        .with_context(|| format!("writing the demo files to {}", out.display()))?;
    eprintln!(
        "ingesting the X and Telegram files into {} …",
        ctx.data.display()
    );
    let mut store = super::open_store(&ctx.data)?;
    let opts = IngestOptions {
        spool_dir: ctx.data.clone(),
        ..IngestOptions::default()
    };
    let t0 = std::time::Instant::now();
    let inputs = [out.join("x"), out.join("telegram")];
    let reports = pipeline::ingest_paths(&mut store, &inputs, &opts, &NoProgress)?;
    let secs = t0.elapsed().as_secs_f64();
    let new_posts: u64 = reports.iter().map(|r| r.outcome.new_posts).sum();
    let failed: Vec<_> = reports
        .iter()
        .filter(|r| r.error.is_some() && r.status == pipeline::FileStatus::Failed)
        .collect();
    println!(
        "ingested {} files: {} new posts in {:.1} s",
        reports.len(),
        thousands(new_posts),
        secs
    );
    for f in &failed {
        println!("  failed: {}: {}", f.path, f.error.as_deref().unwrap_or(""));
    }
    println!();
    super::stats::print(&store.stats(8)?);
    println!("\nwatched officials in this world (for a watchlist):");
    for o in &world.officials {
        println!(
            "  {}:{:<22} @{:<18} side {}",
            o.platform, o.id, o.handle, o.side
        );
    }
    // Keep the search index in step with the store (issue 3).
    super::search::after_ingest(&store, &ctx.data);
    println!("\nnext: tarjuman stats --json, or ingest your own files with tarjuman ingest PATH");
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
