//! Placeholder.
use crate::{DecodeError, DecodeOptions, Decoder, Sniff, Summary};
use std::io::BufRead;
use tarjuman_model::RecordSink;
/// Decoder.
pub struct TwitterV1;
impl Decoder for TwitterV1 {
    fn name(&self) -> &'static str { "twitter-v1" }
    fn about(&self) -> &'static str { "x" }
    fn sniff(&self, _head: &[u8], _file_name: &str) -> Sniff { Sniff::No }
    fn decode(&self, _input: &mut dyn BufRead, _opts: &DecodeOptions, _out: &mut dyn RecordSink) -> Result<Summary, DecodeError> {
        Err(DecodeError::NotFormat { format: "twitter-v1", line: 1, reason: "x".into() })
    }
}
