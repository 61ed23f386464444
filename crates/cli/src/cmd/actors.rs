//! `tarjuman actors`: the most central actors of the interaction network.

use super::graph::{FilterArgs, load_network};
use crate::Ctx;
use crate::output::{json_line, thousands};
use serde::Serialize;
use std::process::ExitCode;
use tarjuman_analysis::graph::thread::terminal_line;

/// Rank the actors of the interaction network by PageRank (weighted,
/// damping 0.85), interactions received (in-degree) or made (out-degree), or
/// posts. Only actors with at least one interaction in the filtered network
/// are listed; each shows its community (Leiden, on the undirected network).
///
/// Examples:
///   tarjuman actors --top 20
///   tarjuman actors --by in-degree --kinds reply,quote --since 2023-04-01
///   tarjuman actors --json | jq -r 'select(.community == 0) | .ref'
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// How many actors to list (0 for all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// What to rank by.
    #[arg(long, value_enum, default_value_t = By::Pagerank)]
    pub by: By,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Ranking measures.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// Weighted PageRank.
    Pagerank,
    /// Interactions received from other actors.
    InDegree,
    /// Interactions made towards other actors.
    OutDegree,
    /// Posts in the store (within --since/--until).
    Posts,
}

/// One line of `actors --json`.
#[derive(Serialize)]
struct Row<'a> {
    rank: usize,
    #[serde(rename = "ref")]
    ref_: &'a str,
    handle: Option<&'a str>,
    display_name: Option<&'a str>,
    platform: &'a str,
    side: Option<&'a str>,
    pagerank: f64,
    in_degree: u64,
    out_degree: u64,
    in_actors: u64,
    out_actors: u64,
    posts: u64,
    community: Option<u32>,
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let (g, summary) = load_network(ctx, &a.filter, false)?;
    let mut order: Vec<usize> = (0..g.nodes.len()).collect();
    let key = |i: usize| -> f64 {
        let n = &g.nodes[i];
        match a.by {
            By::Pagerank => n.pagerank,
            By::InDegree => n.in_weight as f64,
            By::OutDegree => n.out_weight as f64,
            By::Posts => n.posts as f64,
        }
    };
    order.sort_by(|&x, &y| {
        key(y)
            .total_cmp(&key(x))
            .then(g.nodes[y].pagerank.total_cmp(&g.nodes[x].pagerank))
            .then(g.nodes[x].ref_.cmp(&g.nodes[y].ref_))
    });
    if a.top > 0 {
        order.truncate(a.top);
    }
    if a.json {
        for (rank, &i) in order.iter().enumerate() {
            let n = &g.nodes[i];
            json_line(&Row {
                rank: rank + 1,
                ref_: &n.ref_,
                handle: n.handle.as_deref(),
                display_name: n.display_name.as_deref(),
                platform: &n.platform,
                side: n.side.as_deref(),
                pagerank: n.pagerank,
                in_degree: n.in_weight,
                out_degree: n.out_weight,
                in_actors: n.in_neighbors,
                out_actors: n.out_neighbors,
                posts: n.posts,
                community: n.community,
            })?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if g.nodes.is_empty() {
        println!("no interactions match");
        return Ok(ExitCode::SUCCESS);
    }
    let communities = if a.filter.no_communities {
        String::new()
    } else {
        format!(
            ", {} communities (modularity {:.3})",
            summary.communities, summary.modularity
        )
    };
    println!(
        "{} actors, {} interactions{communities}\n",
        thousands(summary.nodes as u64),
        thousands(summary.interactions),
    );
    println!(
        "{:>4}  {:>9}  {:>7}  {:>7}  {:>7}  {:>5}  actor",
        "rank", "pagerank", "in", "out", "posts", "comm"
    );
    for (rank, &i) in order.iter().enumerate() {
        let n = &g.nodes[i];
        let mut who = terminal_line(&n.ref_);
        if let Some(h) = n.handle.as_deref().filter(|h| !h.is_empty()) {
            who.push_str(&format!(" {}", terminal_line(&format!("@{h}"))));
        }
        if let Some(d) = n.display_name.as_deref().filter(|d| !d.is_empty()) {
            // Isolated whatever its script, so a hostile name cannot reorder the line.
            let d = terminal_line(d);
            let d = if d.starts_with('\u{2068}') {
                d
            } else {
                format!("\u{2068}{d}\u{2069}")
            };
            who.push_str(&format!(" {d}"));
        }
        if let Some(s) = &n.side {
            who.push_str(&format!(" [{}]", terminal_line(s)));
        }
        println!(
            "{:>4}  {:>9.6}  {:>7}  {:>7}  {:>7}  {:>5}  {who}",
            rank + 1,
            n.pagerank,
            thousands(n.in_weight),
            thousands(n.out_weight),
            thousands(n.posts),
            n.community.map(|c| c.to_string()).unwrap_or_default(),
        );
    }
    Ok(ExitCode::SUCCESS)
}
