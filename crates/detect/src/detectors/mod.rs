//! The detectors, one file each. Each file's doc comment says what it
//! detects, why it matters, the evidence it attaches and its parameters;
//! `docs/DETECTORS.md` collects them.

mod burst;
mod counts;
pub mod deletion;
pub mod edit;
pub mod first_contact;
pub mod first_exchange;
pub mod newcomers;
pub mod reaction_wave;
pub mod surge;
pub mod targeting;

use crate::ConfigError;
use crate::Watchlists;

/// Reads `[detectors.<name>]` into `P` (defaults when absent).
pub(crate) fn params<P>(w: &Watchlists, name: &str) -> Result<P, ConfigError>
where
    P: serde::de::DeserializeOwned + Default,
{
    w.params(name)
}

/// `n thing` or `n things`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
