//! `tarjuman stats`: what is in the store.

use crate::Ctx;
use crate::output::{json_line, thousands};
use std::process::ExitCode;
use tarjuman_store::Store;

/// Show what the store holds: posts, actors, versions and captures; posts by
/// platform and kind; the time span; the most active actors and the most
/// used hashtags.
///
/// Example: tarjuman stats --json | jq .by_platform
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// How many top actors and hashtags to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    if !ctx.data.join("tarjuman.db").exists() {
        anyhow::bail!(
            "no store in {}: run `tarjuman ingest FILES` or `tarjuman demo` first",
            ctx.data.display()
        );
    }
    let store = super::open_store(&ctx.data)?;
    let s = store.stats(a.top)?;
    if a.json {
        json_line(&s)?;
        return Ok(ExitCode::SUCCESS);
    }
    print(&s);
    Ok(ExitCode::SUCCESS)
}

/// Prints stats for a person.
pub fn print(s: &tarjuman_store::Stats) {
    println!("posts:        {}", thousands(s.posts));
    println!("actors:       {}", thousands(s.actors));
    println!("versions:     {}", thousands(s.versions));
    println!("interactions: {}", thousands(s.interactions));
    println!("captures:     {}", thousands(s.captures));
    println!("missing/deleted posts: {}", thousands(s.gone));
    println!("quarantined:  {}", thousands(s.quarantined));
    if let (Some(a), Some(b)) = (&s.first_post_at, &s.last_post_at) {
        println!("time span:    {a} … {b}");
    }
    let by: Vec<String> = s
        .by_platform
        .iter()
        .map(|(k, v)| format!("{k} {}", thousands(*v)))
        .collect();
    println!("by platform:  {}", by.join(", "));
    let by: Vec<String> = s
        .by_kind
        .iter()
        .map(|(k, v)| format!("{k} {}", thousands(*v)))
        .collect();
    println!("by kind:      {}", by.join(", "));
    if !s.top_actors.is_empty() {
        println!("\ntop actors (posts):");
        for a in &s.top_actors {
            let handle = a
                .handle
                .as_deref()
                .map(|h| format!("@{h}"))
                .unwrap_or_default();
            let name = a.display_name.as_deref().unwrap_or("");
            println!(
                "  {:>8}  {:<28} {handle} \u{2068}{name}\u{2069}",
                thousands(a.posts),
                a.ref_
            );
        }
    }
    if !s.top_hashtags.is_empty() {
        println!("\ntop hashtags (posts):");
        for t in &s.top_hashtags {
            println!("  {:>8}  #\u{2068}{}\u{2069}", thousands(t.posts), t.tag);
        }
    }
}
