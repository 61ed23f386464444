//! `tarjuman graph export`: the interaction network for Gephi, networkx,
//! igraph or a spreadsheet.

use crate::Ctx;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tarjuman_analysis::graph::{self, AnalyzeOptions, Filter, Summary, gexf, watchlist::Sides};
use tarjuman_store::SqliteStore;

/// The interaction network: who replies to, quotes, reposts, mentions or
/// forwards whom.
///
/// Examples:
///   tarjuman graph export --out network.gexf
///   tarjuman graph export --kinds reply,quote --since 2023-04-01 --min-weight 2 --out replies.gexf
///   tarjuman graph export --dynamic --out timeline.gexf          (Gephi's timeline)
///   tarjuman graph export --format csv --nodes-out nodes.csv --out edges.csv
///   tarjuman graph export --query '#غزة -is:repost' --out gaza.gexf   (posts matching a search)
///
/// See docs/GRAPH.md for the attributes and methods.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Sub,
}

/// `graph` subcommands.
#[derive(clap::Subcommand)]
pub enum Sub {
    Export(ExportArgs),
}

/// Which interactions make the network (shared by `graph export` and `actors`).
#[derive(clap::Args, Clone, Debug)]
pub struct FilterArgs {
    /// Interaction kinds to keep, comma-separated: reply, quote, repost,
    /// mention, forward [default: all].
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub kinds: Vec<String>,
    /// Keep interactions at or after this time: 2023-04-01,
    /// 2023-04-01T12:00:00Z or Unix seconds (UTC).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Keep interactions before this time; a bare date includes that day.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Keep edges (per source, target and kind) with at least N interactions.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_weight: u64,
    /// Platforms to keep (of the acting account), comma-separated: x,
    /// telegram, facebook, csv, … [default: all].
    #[arg(long, value_delimiter = ',', value_name = "PLATFORMS")]
    pub platform: Vec<String>,
    /// Keep only interactions made by posts that match this search query
    /// (the `tarjuman search` language, docs/QUERY.md), e.g. '#غزة
    /// lang:ar' or '"ceasefire" -is:repost'.
    #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
    pub query: Option<String>,
    /// Seed of the community detection (same graph + same seed = same
    /// communities).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Skip the community detection (the slowest step on very large
    /// networks).
    #[arg(long)]
    pub no_communities: bool,
}

impl FilterArgs {
    /// The library filter.
    pub fn filter(&self) -> anyhow::Result<Filter> {
        let since = self
            .since
            .as_deref()
            .map(|s| graph::time::parse_bound(s, false))
            .transpose()
            .context("--since")?;
        let until = self
            .until
            .as_deref()
            .map(|s| graph::time::parse_bound(s, true))
            .transpose()
            .context("--until")?;
        Ok(Filter {
            kinds: graph::build::parse_kinds(&self.kinds).context("--kinds")?,
            since,
            until,
            platforms: self
                .platform
                .iter()
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect(),
            min_weight: self.min_weight,
            posts: None,
        })
    }

    /// A one-line description of the filter, for file metadata.
    pub fn describe(&self) -> String {
        let mut parts = vec!["tarjuman interaction network".to_string()];
        if !self.kinds.is_empty() {
            parts.push(format!("kinds {}", self.kinds.join(",")));
        }
        if let Some(s) = &self.since {
            parts.push(format!("since {s}"));
        }
        if let Some(u) = &self.until {
            parts.push(format!("until {u}"));
        }
        if self.min_weight > 1 {
            parts.push(format!("min weight {}", self.min_weight));
        }
        if !self.platform.is_empty() {
            parts.push(format!("platforms {}", self.platform.join(",")));
        }
        if let Some(q) = &self.query {
            parts.push(format!("posts matching {q}"));
        }
        parts.join("; ")
    }
}

/// Export formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// GEXF 1.3, for Gephi.
    Gexf,
    /// GraphML.
    Graphml,
    /// CSV edge table (and node table with --nodes-out).
    Csv,
}

/// Time format of a dynamic GEXF.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// RFC 3339 dates and times (`dateTime`): readable in Gephi's timeline.
    Datetime,
    /// Unix seconds (`double`): also readable by networkx.
    Unix,
}

/// Export the interaction network: nodes are actors (handle, display name,
/// platform, side, posts, community, PageRank), edges are aggregated per
/// (source, target, kind) with weight and first and last time.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Gexf)]
    pub format: Format,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Dynamic GEXF: each edge carries its interaction times as spells, for
    /// Gephi's timeline.
    #[arg(long)]
    pub dynamic: bool,
    /// Time format of --dynamic.
    #[arg(long, value_enum, default_value_t = TimeFormat::Datetime, requires = "dynamic")]
    pub time_format: TimeFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With --format csv: also write the node table to this file.
    #[arg(long, value_name = "FILE")]
    pub nodes_out: Option<PathBuf>,
}

/// Opens an existing store (an error, not a new empty store, when the data
/// folder has none).
pub fn open_existing(ctx: &Ctx) -> anyhow::Result<SqliteStore> {
    if !ctx.data.join("tarjuman.db").exists() {
        anyhow::bail!(
            "no store in {}: run `tarjuman ingest FILES` or `tarjuman demo` first",
            ctx.data.display()
        );
    }
    super::open_store(&ctx.data)
}

/// Loads the filtered network with sides and measures.
pub fn load_network(
    ctx: &Ctx,
    f: &FilterArgs,
    keep_times: bool,
) -> anyhow::Result<(graph::Graph, Summary)> {
    let mut filter = f.filter()?;
    let store = open_existing(ctx)?;
    if let Some(q) = &f.query {
        filter.posts = Some(matching_posts(ctx, &store, q)?);
    }
    let mut g = graph::build::load(store.conn(), &filter, keep_times)?;
    let wl = ctx.data.join("tarjuman.toml");
    let sides =
        Sides::load(&wl).with_context(|| format!("reading the watchlist {}", wl.display()))?;
    for w in &sides.warnings {
        eprintln!("tarjuman: warning: {}: {w}", wl.display());
    }
    sides.apply(&mut g);
    let opts = AnalyzeOptions {
        communities: !f.no_communities,
        seed: f.seed,
        ..AnalyzeOptions::default()
    };
    let summary = graph::analyze(&mut g, &opts)?;
    Ok((g, summary))
}

/// The ids of the posts matching a search query, sorted, through the
/// search index (caught up with the store first if it is behind).
fn matching_posts(ctx: &Ctx, store: &SqliteStore, q: &str) -> anyhow::Result<Vec<i64>> {
    let query = tarjuman_search::Query::parse(q).map_err(|e| anyhow::anyhow!("--query: {e}"))?;
    let mut index =
        tarjuman_search::SearchIndex::open(&ctx.data).context("opening the search index")?;
    if let tarjuman_search::Freshness::Busy = index
        .ensure_fresh(store)
        .context("updating the search index")?
    {
        eprintln!(
            "tarjuman: warning: another process is updating the search index; the newest posts may be missing"
        );
    }
    let resolver = tarjuman_search::StoreResolver::new(store.conn());
    let hits = index
        .search(&query, &resolver, tarjuman_search::Sort::Time, 0)
        .context("--query")?;
    let mut ids: Vec<i64> = hits.hits.iter().map(|h| h.post_id).collect();
    ids.sort_unstable();
    ids.dedup();
    eprintln!(
        "graph: {} posts match {q}",
        crate::output::thousands(ids.len() as u64)
    );
    Ok(ids)
}

fn create(path: &Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    let f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(std::io::BufWriter::with_capacity(1 << 20, f))
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match a.cmd {
        Sub::Export(e) => export(e, ctx),
    }
}

fn export(a: ExportArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    if a.dynamic && a.format != Format::Gexf {
        anyhow::bail!("--dynamic is only for --format gexf");
    }
    if a.nodes_out.is_some() && a.format != Format::Csv {
        anyhow::bail!("--nodes-out is only for --format csv (GEXF and GraphML hold the nodes)");
    }
    let (g, s) = load_network(ctx, &a.filter, a.dynamic)?;
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        match a.format {
            Format::Gexf => {
                let opts = gexf::GexfOptions {
                    dynamic: a.dynamic,
                    time_format: match a.time_format {
                        TimeFormat::Datetime => gexf::TimeFormat::DateTime,
                        TimeFormat::Unix => gexf::TimeFormat::Unix,
                    },
                    description: a.filter.describe(),
                };
                gexf::write(&g, w, &opts)
            }
            Format::Graphml => graph::graphml::write(&g, w),
            Format::Csv => graph::csv::write_edges(&g, w),
        }
    };
    match &a.out {
        Some(p) => {
            let mut w = create(p)?;
            write(&mut w).with_context(|| format!("writing {}", p.display()))?;
        }
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            write(&mut w)?;
        }
    }
    if let Some(p) = &a.nodes_out {
        let mut w = create(p)?;
        graph::csv::write_nodes(&g, &mut w).with_context(|| format!("writing {}", p.display()))?;
    }
    let communities = if a.filter.no_communities {
        String::new()
    } else {
        format!(
            ", {} communities (modularity {:.3})",
            s.communities, s.modularity
        )
    };
    eprintln!(
        "graph: {} actors, {} edges from {} interactions{communities}{}",
        s.nodes,
        s.edges,
        s.interactions,
        a.out
            .as_ref()
            .map(|p| format!(" → {}", p.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
