//! JSON the way Python's `json.dumps` writes it by default (`", "` and
//! `": "` separators, `ensure_ascii=True`): the byte shape of twarc2 output
//! and of most saved v1.1 files.

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// A [`Formatter`] reproducing `json.dumps(obj)` defaults.
pub(crate) struct PyFormatter;

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Formatter for PyFormatter {
    #[inline]
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        if bytes.is_ascii() {
            return w.write_all(bytes);
        }
        // Escape into a stack buffer and write it in large pieces.
        let mut buf = [0u8; 1024];
        let mut n = 0;
        for ch in fragment.chars() {
            if n + 12 > buf.len() {
                w.write_all(&buf[..n])?;
                n = 0;
            }
            let c = ch as u32;
            if c < 0x80 {
                buf[n] = c as u8;
                n += 1;
                continue;
            }
            let mut units = [0u16; 2];
            for u in ch.encode_utf16(&mut units).iter() {
                buf[n] = b'\\';
                buf[n + 1] = b'u';
                buf[n + 2] = HEX[(u >> 12) as usize & 0xf];
                buf[n + 3] = HEX[(u >> 8) as usize & 0xf];
                buf[n + 4] = HEX[(u >> 4) as usize & 0xf];
                buf[n + 5] = HEX[*u as usize & 0xf];
                n += 6;
            }
        }
        w.write_all(&buf[..n])
    }
}

/// Serializes `value` in Python style, followed by a newline (one JSONL line).
pub(crate) fn write_line<W: Write, T: Serialize + ?Sized>(w: &mut W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *w, PyFormatter);
    value.serialize(&mut ser).map_err(io::Error::from)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_style() {
        let mut out = Vec::new();
        let v = serde_json::json!({"a": ["غزة \"x\"\\", "😀\n"], "b": 1});
        write_line(&mut out, &v).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "{\"a\": [\"\\u063a\\u0632\\u0629 \\\"x\\\"\\\\\", \"\\ud83d\\ude00\\n\"], \"b\": 1}\n"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
