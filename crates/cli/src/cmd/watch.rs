//! `tarjuman watch`: list and edit the watchlist (`tarjuman.toml`).

use crate::Ctx;
use crate::output::json_line;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tarjuman_detect::Watchlists;
use tarjuman_detect::watchfile::{self, ActorSpec};

/// List or edit the watchlist: sides, watched actors, home accounts.
///
/// The watchlist is `tarjuman.toml` in the data folder unless --config names
/// another file; docs/WATCHLISTS.md describes it. Edits keep the file's
/// comments, and an edit that would make the file invalid is refused.
///
/// Examples:
///   tarjuman watch side state --opposes armed-group
///   tarjuman watch add x:694671639967434717 --side state --alias "المتحدث العسكري"
///   tarjuman watch add telegram:@some_channel --side armed-group --role media
///   tarjuman watch add x:676103721 --home
///   tarjuman watch rm x:694671639967434717
///   tarjuman watch list --json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The watchlist file (default: tarjuman.toml in the data folder).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub action: Action,
}

/// What to do.
#[derive(clap::Subcommand)]
pub enum Action {
    /// Show sides, actors, home accounts, terms and detector settings.
    List {
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Add a watched actor (or update one already listed), or a home account.
    Add {
        /// An actor ref (`x:123`, `telegram:456`) or `platform:@handle`.
        actor: String,
        /// Its side (declared if new).
        #[arg(long)]
        side: Option<String>,
        /// Its role (spokesman, ambassador, ministry, …).
        #[arg(long)]
        role: Option<String>,
        /// A name for people.
        #[arg(long)]
        name: Option<String>,
        /// A name it is called by in text (repeat for several scripts).
        #[arg(long = "alias")]
        aliases: Vec<String>,
        /// Add it to the home accounts instead (the accounts the desk speaks for).
        #[arg(long, conflicts_with_all = ["side", "role", "name", "aliases"])]
        home: bool,
    },
    /// Remove an actor from the watched actors and the home accounts.
    Rm {
        /// As written in the file (`x:123` or `x:@handle`).
        actor: String,
    },
    /// Declare a side, or add sides it opposes.
    Side {
        /// The side's name.
        name: String,
        /// A side it opposes (repeatable; opposition is symmetric).
        #[arg(long)]
        opposes: Vec<String>,
    },
}

/// The watchlist path: --config, or tarjuman.toml in the data folder.
pub fn config_path(ctx: &Ctx, config: Option<&Path>) -> PathBuf {
    config.map_or_else(|| ctx.data.join("tarjuman.toml"), Path::to_path_buf)
}

/// Loads the watchlist; a missing default file is an empty watchlist, a
/// missing --config file an error.
pub fn load(ctx: &Ctx, config: Option<&Path>) -> anyhow::Result<Watchlists> {
    let p = config_path(ctx, config);
    if config.is_none() && !p.exists() {
        return Ok(Watchlists::parse("", &p.display().to_string())?);
    }
    Ok(Watchlists::load(&p)?)
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let path = config_path(ctx, a.config.as_deref());
    let name = path.display().to_string();
    let src = if path.exists() {
        std::fs::read_to_string(&path).with_context(|| format!("reading {name}"))?
    } else {
        String::new()
    };
    let new = match a.action {
        Action::List { json } => {
            let w = load(ctx, a.config.as_deref())?;
            list(&w, json)?;
            return Ok(ExitCode::SUCCESS);
        }
        Action::Add {
            actor, home: true, ..
        } => watchfile::add_home(&src, &name, &actor)?,
        Action::Add {
            actor,
            side,
            role,
            name: n,
            aliases,
            home: false,
        } => {
            let spec = ActorSpec {
                id: actor.clone(),
                side,
                role,
                name: n,
                aliases,
            };
            let (s, updated) = watchfile::add_actor(&src, &name, &spec)?;
            eprintln!(
                "{} {actor} in {name}",
                if updated { "updated" } else { "added" }
            );
            s
        }
        Action::Rm { actor } => {
            let (s, n) = watchfile::remove(&src, &name, &actor)?;
            if n == 0 {
                anyhow::bail!("{actor} is not in {name}");
            }
            s
        }
        Action::Side {
            name: side,
            opposes,
        } => watchfile::add_side(&src, &name, &side, &opposes)?,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, new).with_context(|| format!("writing {name}"))?;
    Ok(ExitCode::SUCCESS)
}

fn list(w: &Watchlists, json: bool) -> anyhow::Result<()> {
    let actors: Vec<serde_json::Value> = w
        .actors
        .iter()
        .map(|a| {
            serde_json::json!({
                "actor": a.id.to_string(), "side": a.side, "role": a.role, "name": a.name, "aliases": a.aliases,
            })
        })
        .collect();
    if json {
        let sides: Vec<serde_json::Value> = w
            .sides
            .iter()
            .map(|s| serde_json::json!({"name": s.name, "opposes": s.opposes, "label": s.label}))
            .collect();
        let terms: Vec<serde_json::Value> = w
            .terms
            .iter()
            .map(|t| serde_json::json!({"term": t.term, "aliases": t.aliases}))
            .collect();
        let home: Vec<String> = w.home.iter().map(|h| h.to_string()).collect();
        let detectors: serde_json::Map<String, serde_json::Value> = w
            .detectors
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
            .collect();
        return json_line(&serde_json::json!({
            "sides": sides, "actors": actors, "home": home, "terms": terms, "detectors": detectors,
        }));
    }
    let mut out = String::new();
    for s in &w.sides {
        out.push_str(&format!("side {}", s.name));
        if !s.opposes.is_empty() {
            out.push_str(&format!("  opposes {}", s.opposes.join(", ")));
        }
        out.push('\n');
    }
    for a in &w.actors {
        out.push_str(&format!(
            "actor {}  side {}",
            a.id,
            a.side.as_deref().unwrap_or("-")
        ));
        if let Some(r) = &a.role {
            out.push_str(&format!("  role {r}"));
        }
        if !a.aliases.is_empty() {
            out.push_str(&format!("  aliases {}", a.aliases.join(" / ")));
        }
        out.push('\n');
    }
    for h in &w.home {
        out.push_str(&format!("home {h}\n"));
    }
    for t in &w.terms {
        out.push_str(&format!("term {}", t.term));
        if !t.aliases.is_empty() {
            out.push_str(&format!("  aliases {}", t.aliases.join(" / ")));
        }
        out.push('\n');
    }
    for k in w.detectors.keys() {
        out.push_str(&format!("detector settings [detectors.{k}]\n"));
    }
    if out.is_empty() {
        out.push_str(
            "the watchlist is empty (see docs/WATCHLISTS.md, or `tarjuman watch add --help`)\n",
        );
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    Ok(())
}
