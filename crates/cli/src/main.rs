//! `tarjuman`: the command-line workbench.
//!
//! Each subcommand is one module under `cmd/`: an `Args` struct whose doc
//! comments are its `--help`, and a `run` that parses, calls the library and
//! renders. Exit codes: 0 done, 1 done with problems reported (records
//! quarantined), 2 could not run.

mod allocator;
mod cmd;
mod output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// tarjuman: ingest, search and analyse how governments, armed groups,
/// diplomats and publics talk on social media.
///
/// Data lives in one folder (default ./tarjuman-data; --data or TARJUMAN_DATA
/// to change it) holding a SQLite database you can open with sqlite3 or
/// Datasette (tables are described in docs/SCHEMA.md).
///
/// Start with `tarjuman demo`, then `tarjuman ingest YOUR_FILES`.
#[derive(Parser)]
#[command(
    name = "tarjuman",
    version,
    about,
    long_about,
    propagate_version = true
)]
struct Cli {
    /// The data folder.
    #[arg(
        long,
        global = true,
        env = "TARJUMAN_DATA",
        default_value = "tarjuman-data"
    )]
    data: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Ingest(cmd::ingest::Args),
    Stats(cmd::stats::Args),
    Demo(cmd::demo::Args),
    Gen(cmd::gen_cmd::Args),
    Formats(cmd::formats::Args),
    Search(cmd::search::Args),
    Reindex(cmd::reindex::Args),
    Graph(cmd::graph::Args),
    Actors(cmd::actors::Args),
    Thread(cmd::thread::Args),
    Detect(cmd::detect::Args),
    Events(cmd::events::Args),
    Event(cmd::event::Args),
    Watch(cmd::watch::Args),
    Coord(cmd::coord::Args),
}

/// Shared context for subcommands.
pub struct Ctx {
    /// The data folder.
    pub data: PathBuf,
}

fn main() -> ExitCode {
    allocator::tune();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TARJUMAN_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let ctx = Ctx { data: cli.data };
    let res = match cli.command {
        Command::Ingest(a) => cmd::ingest::run(a, &ctx),
        Command::Stats(a) => cmd::stats::run(a, &ctx),
        Command::Demo(a) => cmd::demo::run(a, &ctx),
        Command::Gen(a) => cmd::gen_cmd::run(a, &ctx),
        Command::Formats(a) => cmd::formats::run(a, &ctx),
        Command::Search(a) => cmd::search::run(a, &ctx),
        Command::Reindex(a) => cmd::reindex::run(a, &ctx),
        Command::Graph(a) => cmd::graph::run(a, &ctx),
        Command::Actors(a) => cmd::actors::run(a, &ctx),
        Command::Thread(a) => cmd::thread::run(a, &ctx),
        Command::Detect(a) => cmd::detect::run(a, &ctx),
        Command::Events(a) => cmd::events::run(a, &ctx),
        Command::Event(a) => cmd::event::run(a, &ctx),
        Command::Watch(a) => cmd::watch::run(a, &ctx),
        Command::Coord(a) => cmd::coord::run(a, &ctx),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("tarjuman: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
