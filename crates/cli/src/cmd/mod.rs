//! One module per subcommand.

pub mod actors;
pub mod coord;
pub mod demo;
pub mod detect;
pub mod event;
pub mod events;
pub mod formats;
pub mod gen_cmd;
pub mod graph;
pub mod ingest;
pub mod reindex;
pub mod search;
pub mod stats;
pub mod thread;
pub mod watch;

use anyhow::Context;
use std::path::Path;
use tarjuman_store::SqliteStore;

/// Opens the store in the data folder, with the folder named in errors.
pub fn open_store(data: &Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(data).with_context(|| format!("opening the store in {}", data.display()))
}
