//! `tarjuman coord`: coordination networks and clusters of coordinated
//! accounts.

use crate::Ctx;
use crate::output::{json_line, thousands};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tarjuman_analysis::coordination::{
    self, Mode, Network, Params, Window, clusters, export::Format, features::FeatureStore,
};
use tarjuman_analysis::graph::time::parse_bound;
use tarjuman_model::Platform;

/// Who acts in concert: accounts that repeatedly retweet the same post,
/// post the same or nearly the same text, share the same link, reply to the
/// same post or use the same hashtag within a short window.
///
/// Writes the coordination network (one directed, weighted edge per pair of
/// accounts: the number of distinct messages of the source matched by the
/// target within the window), or with --clusters the groups of coordinated
/// accounts with their evidence.
///
/// Examples:
///   tarjuman coord --type co-retweet --window 60 --min-weight 3 > edges.csv
///   tarjuman coord --type co-similar --similarity 0.8 --clusters
///   tarjuman coord --type co-link --window auto --clusters --format gexf -o coord.gexf
///   tarjuman coord --type co-retweet --compat cnt --window 60 --min-weight 1 --self-loops
///
/// Defaults follow the Coordination Network Toolkit's CLI (min weight 2,
/// similarity 0.8, min tokens 1) except the window: 60 s. --compat cnt
/// reproduces the toolkit's edge tables exactly. See docs/COORDINATION.md.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The network: co-tweet, co-similar, co-retweet, co-link, co-reply,
    /// co-post or co-hashtag.
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_network)]
    pub network: Network,
    /// The window in seconds (|Δt| ≤ window), or `auto` to estimate it from
    /// the data as CooRnet does.
    #[arg(long, default_value = "60", value_parser = parse_window)]
    pub window: Window,
    /// Drop edges lighter than N, each direction on its own.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_weight: u32,
    /// co-similar: the Jaccard similarity threshold.
    #[arg(long, default_value_t = 0.8, value_name = "T")]
    pub similarity: f64,
    /// co-similar: messages with fewer tokens never match.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_tokens: usize,
    /// Keep self-loops (an account with two matching messages).
    #[arg(long)]
    pub self_loops: bool,
    /// Reproduce another tool exactly: `cnt` (Coordination Network Toolkit:
    /// its text normalisation, tokenizer, timestamps and URL cells).
    #[arg(long, value_name = "TOOL", value_parser = parse_compat)]
    pub compat: Option<Mode>,
    /// Output format of the network: csv (source,target,weight), graphml,
    /// gexf or json.
    #[arg(long, default_value = "csv", value_parser = parse_format)]
    pub format: Format,
    /// Report clusters of coordinated accounts (communities of the
    /// coordination graph) with members, actions, time span, shared content
    /// and a score, instead of the edges; with -o the network goes to that
    /// file with a cluster attribute per node.
    #[arg(long)]
    pub clusters: bool,
    /// With --clusters: `communities` (Leiden on the weighted graph: dense
    /// groups stay apart even when lighter edges join them) or `components`
    /// (everything joined by any edge).
    #[arg(long, default_value = "communities", value_name = "HOW", value_parser = parse_grouping)]
    pub cluster_by: clusters::Grouping,
    /// With --clusters: one JSON object per cluster per line. Without: the
    /// network as JSON (--format json).
    #[arg(long)]
    pub json: bool,
    /// Only posts of this platform: x, telegram, facebook, csv, …
    #[arg(long, value_name = "PLATFORM", value_parser = parse_platform)]
    pub platform: Option<Platform>,
    /// Only posts at or after this time: 2023-04-01, 2023-04-01T12:00:00Z or
    /// Unix seconds (UTC).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only posts before this time; a bare date includes that day.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Write the network to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_network(s: &str) -> Result<Network, String> {
    Network::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Network::ALL.iter().map(|n| n.name()).collect();
        format!("unknown type {s:?}: one of {}", names.join(", "))
    })
}

fn parse_window(s: &str) -> Result<Window, String> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(Window::Auto);
    }
    match s.trim().parse::<f64>() {
        Ok(w) if w.is_finite() && w >= 0.0 => Ok(Window::Seconds(w)),
        _ => Err(format!("{s:?} is not a number of seconds ≥ 0 or `auto`")),
    }
}

fn parse_compat(s: &str) -> Result<Mode, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "cnt" | "coordination-network-toolkit" => Ok(Mode::Cnt),
        _ => Err(format!(
            "unknown tool {s:?}: `cnt` (Coordination Network Toolkit)"
        )),
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("unknown format {s:?}: csv, graphml, gexf or json"))
}

fn parse_grouping(s: &str) -> Result<clusters::Grouping, String> {
    clusters::Grouping::parse(s)
        .ok_or_else(|| format!("unknown grouping {s:?}: communities or components"))
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    Platform::parse(s).ok_or_else(|| format!("unknown platform {s:?}"))
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    if !ctx.data.join("tarjuman.db").exists() {
        anyhow::bail!(
            "no store in {}: run `tarjuman ingest FILES` first",
            ctx.data.display()
        );
    }
    let store = super::open_store(&ctx.data)?;
    let since = a
        .since
        .as_deref()
        .map(|s| parse_bound(s, false))
        .transpose()
        .context("--since")?;
    let until = a
        .until
        .as_deref()
        .map(|s| parse_bound(s, true))
        .transpose()
        .context("--until")?;
    let params = Params {
        network: a.network,
        window: a.window,
        min_weight: a.min_weight,
        similarity: a.similarity,
        min_tokens: a.min_tokens,
        self_loops: a.self_loops,
        mode: a.compat.unwrap_or_default(),
        platform: a.platform,
        since,
        until,
    };
    let format = if a.json && !a.clusters {
        Format::Json
    } else {
        a.format
    };
    // A CSV network is written as its edges are found, never all held: a
    // hundred million edges fit in little memory.
    let streaming = !a.clusters && format == Format::Csv;
    let mut co = match FeatureStore::open(&ctx.data) {
        Ok(mut features) => if streaming {
            coordination::prepare_with(store.conn(), &mut features, &params)
        } else {
            coordination::compute_with(store.conn(), &mut features, &params)
        },
        Err(e) => {
            // A read-only data folder, say: work from the store alone.
            eprintln!(
                "tarjuman: warning: cannot use the coordination features in {} ({e}); reading every post instead",
                FeatureStore::path_in(&ctx.data).display()
            );
            coordination::compute(store.conn(), &params)
        }
    }
    .with_context(|| format!("computing the {} network", a.network.name()))?;
    if let Some(c) = co.catch_up.as_ref().filter(|c| c.chunks > 0) {
        tracing::info!(
            posts = c.posts,
            rebuilt = c.rebuilt,
            seconds = c.seconds,
            "coordination features caught up"
        );
    }
    tracing::info!(
        network = a.network.name(),
        messages = co.corpus.msgs.len(),
        accounts = co.corpus.users.len(),
        edges = co.edges.len(),
        window = co.window,
        load_s = co.load_seconds,
        match_s = co.match_seconds,
        "coordination network"
    );
    if a.clusters || format != Format::Csv {
        co.resolve_actors(store.conn())
            .context("reading the accounts' handles")?;
    }
    if let Some(est) = &co.auto {
        eprintln!(
            "window: {} s, estimated from {} objects shared twice or more ({} quickest)",
            co.window, est.objects, est.quick_objects
        );
    }
    if streaming && co.edges.is_empty() {
        let written = match &a.output {
            Some(path) => {
                let mut f = std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?;
                coordination::export::csv_streaming(&co, &mut f)
                    .with_context(|| format!("writing {}", path.display()))?
            }
            None => coordination::export::csv_streaming(&co, &mut std::io::stdout().lock())?,
        };
        tracing::info!(edges = written, "coordination network written");
        return Ok(ExitCode::SUCCESS);
    }
    if !a.clusters {
        write_graph(&co, format, None, a.output.as_ref())?;
        return Ok(ExitCode::SUCCESS);
    }
    let cls = clusters::clusters(store.conn(), &co, a.cluster_by).context("finding clusters")?;
    if a.output.is_some() {
        let member = clusters::membership(&co, &cls);
        write_graph(&co, format, Some(&member), a.output.as_ref())?;
    }
    if a.json {
        for c in &cls {
            json_line(c)?;
        }
    } else {
        report(&co, &cls)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Keeps the coordination features in step with the store after an ingest,
/// so that the next `coord` run has nothing to catch up (its cost is part of
/// the ingest). A failure only warns: the next `coord` run catches up.
pub fn after_ingest(store: &tarjuman_store::SqliteStore, data: &std::path::Path) {
    let done = FeatureStore::open(data).and_then(|mut f| f.catch_up(store.conn()));
    match done {
        Ok(c) if c.posts > 0 => eprintln!(
            "coordination features: {} posts in {:.1} s",
            thousands(c.posts),
            c.seconds
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "tarjuman: warning: coordination features not updated ({e}); the next coord run catches up"
        ),
    }
}

fn write_graph(
    co: &coordination::Coordination,
    format: Format,
    member: Option<&[usize]>,
    output: Option<&PathBuf>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let mut f = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            coordination::export::write(co, format, member, &mut f)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            coordination::export::write(co, format, member, &mut out)?;
        }
    }
    Ok(())
}

/// One line of text for a terminal: newlines as spaces, at most `n` chars,
/// isolated so right-to-left text does not reorder the line around it.
fn line(s: &str, n: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut t: String = flat.chars().take(n).collect();
    if flat.chars().count() > n {
        t.push('…');
    }
    format!("\u{2068}{t}\u{2069}")
}

fn duration(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

fn report(co: &coordination::Coordination, cls: &[clusters::Cluster]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let accounts: usize = cls.iter().map(|c| c.members.len()).sum();
    let actions: usize = cls.iter().map(|c| c.actions).sum();
    writeln!(
        out,
        "{}: {} messages, window {} s, min weight {}: {} clusters, {} accounts, {} coordinated actions",
        co.params.network.name(),
        thousands(co.corpus.msgs.len() as u64),
        co.window,
        co.params.min_weight,
        thousands(cls.len() as u64),
        thousands(accounts as u64),
        thousands(actions as u64),
    )?;
    for c in cls {
        writeln!(out)?;
        writeln!(
            out,
            "cluster {}  score {:.2}  {} accounts  {} actions  {} edges (density {:.2})",
            c.cluster,
            c.score,
            c.members.len(),
            c.actions,
            c.edges,
            c.density
        )?;
        if let (Some(f), Some(l)) = (&c.first, &c.last) {
            writeln!(out, "  time:    {f} … {l} ({})", duration(c.span_seconds))?;
        }
        let shown: Vec<String> = c
            .members
            .iter()
            .take(12)
            .map(|m| {
                let who = m
                    .handle
                    .as_deref()
                    .map(|h| format!("@{}", line(h, 40)))
                    .unwrap_or_else(|| m.id.clone());
                format!("{who} ({})", m.actions)
            })
            .collect();
        let more = c.members.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        writeln!(out, "  members: {}{more}", shown.join(", "))?;
        for (i, s) in c.shared.iter().enumerate() {
            let head = if i == 0 { "  shared: " } else { "          " };
            writeln!(
                out,
                "{head} {:>4}× {} {}",
                s.count,
                s.kind,
                line(&s.content, 100)
            )?;
        }
        for s in &c.samples {
            let text = if s.text.trim().is_empty() {
                "(no text)".to_string()
            } else {
                line(&s.text, 100)
            };
            writeln!(out, "  sample:  {} by {}: {text}", s.post_ref, s.author)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(parse_window("60"), Ok(Window::Seconds(60.0)));
        assert_eq!(parse_window("0.5"), Ok(Window::Seconds(0.5)));
        assert_eq!(parse_window("AUTO"), Ok(Window::Auto));
        assert!(parse_window("-1").is_err());
        assert!(parse_window("soon").is_err());
    }

    #[test]
    fn types_and_tools() {
        assert_eq!(parse_network("co_similar_tweet"), Ok(Network::CoSimilar));
        assert!(parse_network("co-nothing").is_err());
        assert_eq!(parse_compat("cnt"), Ok(Mode::Cnt));
        assert!(parse_compat("coornet").is_err());
        assert_eq!(parse_format("GEXF"), Ok(Format::Gexf));
        assert_eq!(
            parse_grouping("components"),
            Ok(clusters::Grouping::Components)
        );
        assert!(parse_grouping("cliques").is_err());
    }

    #[test]
    fn terminal_lines() {
        assert_eq!(line("a\nb", 10), "\u{2068}a b\u{2069}");
        assert_eq!(line("abcdef", 3), "\u{2068}abc…\u{2069}");
    }
}
