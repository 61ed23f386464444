//! Placeholder: being written.

use crate::{DecodeError, DecodeOptions, Decoder, Sniff, Summary};
use std::io::BufRead;
use tarjuman_model::RecordSink;

/// Decoder.
pub struct TelegramExport;

impl Decoder for TelegramExport {
    fn name(&self) -> &'static str {
        "telegram-export"
    }
    fn about(&self) -> &'static str {
        "not written yet"
    }
    fn sniff(&self, _head: &[u8], _file_name: &str) -> Sniff {
        Sniff::No
    }
    fn decode(&self, _input: &mut dyn BufRead, _opts: &DecodeOptions, _out: &mut dyn RecordSink) -> Result<Summary, DecodeError> {
        Err(DecodeError::NotFormat { format: "telegram-export", line: 1, reason: "not written yet".into() })
    }
}
