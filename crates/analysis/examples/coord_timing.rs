//! Times one coordination run on an existing store, split into loading and
//! matching, without the CLI around it.
//!
//! ```text
//! cargo run --release -p tarjuman-analysis --example coord_timing -- DATA_DIR co-similar [cnt]
//! ```

use std::time::Instant;
use tarjuman_analysis::coordination::features::FeatureStore;
use tarjuman_analysis::coordination::{Mode, Network, Params, Window, compute, compute_with};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(net)) = (args.next(), args.next()) else {
        eprintln!("usage: coord_timing DATA_DIR NETWORK [cnt]");
        std::process::exit(2);
    };
    let Some(network) = Network::parse(&net) else {
        eprintln!("unknown network {net}");
        std::process::exit(2);
    };
    let mode = if args.next().as_deref() == Some("cnt") {
        Mode::Cnt
    } else {
        Mode::Default
    };
    let started = Instant::now();
    let store = match tarjuman_store::SqliteStore::open(std::path::Path::new(&dir)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(2);
        }
    };
    let params = Params {
        network,
        window: Window::Seconds(60.0),
        min_weight: 1,
        mode,
        ..Params::default()
    };
    // With the data folder's features file (caught up first), as `tarjuman
    // coord` runs; `TJ_DIRECT=1` works every post's features out in memory.
    let result = if std::env::var_os("TJ_DIRECT").is_some() {
        compute(store.conn(), &params)
    } else {
        FeatureStore::open(std::path::Path::new(&dir))
            .and_then(|mut f| compute_with(store.conn(), &mut f, &params))
    };
    match result {
        Ok(co) => println!(
            "{} {:?}: {} messages, {} edges; load {:.3} s, match {:.3} s, total {:.3} s",
            network.name(),
            mode,
            co.corpus.msgs.len(),
            co.edges.len(),
            co.load_seconds,
            co.match_seconds,
            started.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
