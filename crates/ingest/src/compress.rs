//! Transparent decompression: gzip and zstd are recognised by their magic
//! bytes, whatever the file is called.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// The compression found on an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`1f 8b`).
    Gzip,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

/// Detects the compression from the first bytes.
pub fn detect(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Wraps `raw` in the right decompressor, returning a buffered reader of the
/// plain bytes and the compression found.
pub fn decompress<'a>(
    raw: Box<dyn Read + Send + 'a>,
) -> io::Result<(Box<dyn BufRead + Send + 'a>, Compression)> {
    let mut br = BufReader::with_capacity(256 * 1024, raw);
    let head = br.fill_buf()?;
    let c = detect(head);
    let out: Box<dyn BufRead + Send + 'a> = match c {
        Compression::None => Box::new(br),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(br),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            256 * 1024,
            zstd::stream::read::Decoder::with_buffer(br)?,
        )),
    };
    Ok((out, c))
}

/// Opens a file (or stdin for `-`), decompressing as needed.
pub fn open_input(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Compression)> {
    if path.as_os_str() == "-" {
        return decompress(Box::new(io::stdin()));
    }
    decompress(Box::new(File::open(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_zstd_round_trip() {
        let text = b"{\"a\":1}\n{\"b\":2}\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        let zs = zstd::encode_all(&text[..], 1).unwrap();
        for (bytes, want) in [
            (gz, Compression::Gzip),
            (zs, Compression::Zstd),
            (text.to_vec(), Compression::None),
        ] {
            let (mut r, c) = decompress(Box::new(io::Cursor::new(bytes))).unwrap();
            assert_eq!(c, want);
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, text);
        }
    }
}
