//! One module per archive format. Each holds only the mapping from that
//! format to the model; framing lives in [`crate::framing`].

pub mod csv;
pub mod telegram_export;
pub mod twarc2;
pub mod twitter_v1;
pub(crate) mod util;
