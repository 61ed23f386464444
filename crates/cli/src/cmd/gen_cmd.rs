//! `tarjuman gen`: write a synthetic world (for demos and benchmarks).

use crate::Ctx;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write a synthetic world in the real formats, without ingesting it, plus
/// OUT/truth.json: the watched officials (refs and sides) and the members of
/// the coordinated account networks the generator planted (X user ids).
///
/// With --twarc2-only FILE, stream just a twarc2 JSONL file of --posts tweets
/// (with includes) in bounded memory: this is what the benchmarks use for
/// millions of posts.
///
/// Examples:
///   tarjuman gen --out world/ --posts 200000
///   tarjuman gen --twarc2-only big.jsonl --posts 1000000
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Folder to write the world into.
    #[arg(long, default_value = "tarjuman-world")]
    pub out: PathBuf,
    /// X posts.
    #[arg(long, default_value_t = 20_000)]
    pub posts: u64,
    /// Telegram messages.
    #[arg(long, default_value_t = 5_000)]
    pub telegram_posts: u64,
    /// X actors (default: posts / 10).
    #[arg(long)]
    pub actors: Option<u64>,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write only a twarc2 JSONL file here.
    #[arg(long)]
    pub twarc2_only: Option<PathBuf>,
}

pub fn run(a: Args, _ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let cfg = tarjuman_gen::WorldConfig {
        seed: a.seed,
        posts: a.posts,
        telegram_posts: a.telegram_posts,
        actors: a.actors.unwrap_or((a.posts / 10).clamp(50, 1_000_000)),
        ..tarjuman_gen::WorldConfig::default()
    };
    if let Some(p) = a.twarc2_only {
        let f = std::fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?;
        let n = tarjuman_gen::write_twarc2(&cfg, std::io::BufWriter::with_capacity(1 << 20, f))
            .with_context(|| format!("writing {}", p.display()))?;
        println!("{}: {n} tweets", p.display());
        return Ok(ExitCode::SUCCESS);
    }
    let w = tarjuman_gen::write_world(&cfg, &a.out)
        .with_context(|| format!("writing {}", a.out.display()))?;
    // The ground truth a benchmark scores against: watched officials and the
    // coordinated networks the generator planted.
    let truth = serde_json::json!({
        "officials": w.officials.iter().map(|o| serde_json::json!({
            "ref": format!("{}:{}", o.platform, o.id), "handle": o.handle, "side": o.side,
        })).collect::<Vec<_>>(),
        "coordinated_networks": tarjuman_gen::coordinated_networks(&cfg),
    });
    let tp = a.out.join("truth.json");
    std::fs::write(&tp, serde_json::to_vec_pretty(&truth)?)
        .with_context(|| format!("writing {}", tp.display()))?;
    for f in &w.files {
        println!("{}", f.display());
    }
    eprintln!(
        "{} X posts ({} also as v1.1), {} Telegram messages, {} CSV rows, {} actors",
        w.x_posts, w.x_v1_posts, w.telegram_posts, w.csv_rows, w.actors
    );
    Ok(ExitCode::SUCCESS)
}
