//! `tarjuman formats`: the formats tarjuman reads.

use crate::Ctx;
use std::process::ExitCode;

/// List the archive formats tarjuman can ingest (the names `--format` takes).
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_a: Args, _ctx: &Ctx) -> anyhow::Result<ExitCode> {
    for d in tarjuman_ingest::DECODERS {
        println!("{:<16} {}", d.name(), d.about());
    }
    Ok(ExitCode::SUCCESS)
}
