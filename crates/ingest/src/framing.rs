//! Framing: splitting bytes into records before any format is applied.
//!
//! Two framings cover the JSON formats:
//! - **lines** (JSONL): each non-empty line is one JSON value. A bad line is
//!   a [`Problem`] and the next line goes on.
//! - **documents**: a pretty-printed JSON array (each element is one value)
//!   or one or more pretty-printed objects. A syntax error here cannot be
//!   resynchronised, so it is reported and the rest of the document is skipped.
//!
//! [`json_values`] chooses between them from the first non-empty line: if that
//! line is a whole JSON value, the input is JSONL.
//!
//! Every record is capped at [`DecodeOptions::max_record_bytes`]: a longer
//! line is reported and skipped without being held in memory.

use crate::{DecodeError, DecodeOptions};
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;
use tarjuman_model::{Flow, Problem};

/// Where a [`CountingReader`] is; shared, so that code holding only a
/// deserializer can still tell the line.
#[derive(Clone, Default)]
pub struct Position(Rc<Cell<(u64, u64, bool)>>);

impl Position {
    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.0.get().0
    }
    /// The 1-based line the reader is on.
    pub fn line(&self) -> u64 {
        self.0.get().1 + 1
    }
    /// Lines seen: newlines, plus one for a last line without a newline.
    pub fn lines(&self) -> u64 {
        let (off, nl, last_nl) = self.0.get();
        nl + u64::from(off > 0 && !last_nl)
    }
}

/// A `BufRead` wrapper that counts bytes and newlines consumed, and refuses
/// to read more than `limit` bytes past the last [`CountingReader::mark`].
pub struct CountingReader<R> {
    inner: R,
    /// The shared position.
    pub pos: Position,
    offset: u64,
    newlines: u64,
    mark: u64,
    limit: u64,
}

impl<R: BufRead> CountingReader<R> {
    /// Wraps `inner` with no limit.
    pub fn new(inner: R) -> Self {
        Self::starting_at(inner, 1, 0)
    }
    /// Wraps `inner`, whose first byte is at `line` / `offset` of the file.
    pub fn starting_at(inner: R, line: u64, offset: u64) -> Self {
        let r = CountingReader {
            inner,
            pos: Position::default(),
            offset,
            newlines: line.saturating_sub(1),
            mark: offset,
            limit: u64::MAX,
        };
        r.pos.0.set((offset, r.newlines, true));
        r
    }
    /// Sets the most bytes that may be read past the next [`mark`](Self::mark).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit as u64;
    }
    /// Starts a new record here.
    pub fn mark(&mut self) {
        self.mark = self.offset;
    }
    /// The 1-based line the reader is on.
    pub fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R> CountingReader<R> {
    /// Unwraps the inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: BufRead> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.offset - self.mark > self.limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("record longer than the {} byte limit", self.limit),
            ));
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        let mut last_nl = self.pos.0.get().2;
        if amt > 0
            && let Ok(buf) = self.inner.fill_buf()
        {
            let n = amt.min(buf.len());
            self.newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            if n > 0 {
                last_nl = buf[n - 1] == b'\n';
            }
        }
        self.offset += amt as u64;
        self.pos.0.set((self.offset, self.newlines, last_nl));
        self.inner.consume(amt);
    }
}

/// The outcome of reading one line.
#[derive(Debug, PartialEq, Eq)]
pub enum LineRead {
    /// End of input; nothing was read.
    Eof,
    /// A line (without its `\n` / `\r\n`) is in the buffer.
    Line,
    /// The line was longer than the cap; it was skipped. Holds its length.
    TooLong(u64),
}

/// Reads one line into `buf` (cleared first), holding at most `max` bytes.
/// A longer line is consumed and dropped, and reported as [`LineRead::TooLong`].
pub fn read_capped_line<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<LineRead> {
    buf.clear();
    let mut total: u64 = 0;
    let mut any = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..i], Some(i + 1)),
            None => (avail, None),
        };
        total += chunk.len() as u64;
        if buf.len() + chunk.len() <= max {
            buf.extend_from_slice(chunk);
        } else {
            buf.clear();
            buf.shrink_to(1 << 20);
        }
        let used = done.unwrap_or(avail.len());
        r.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(LineRead::Eof);
    }
    if total > max as u64 {
        buf.clear();
        return Ok(LineRead::TooLong(total));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(LineRead::Line)
}

/// One JSON value found by [`json_values`].
pub struct Frame<'a> {
    /// 1-based line the value starts on.
    pub line: u64,
    /// Byte offset of the line (lines mode) or of the value's end (documents).
    pub offset: u64,
    /// The value's bytes.
    pub bytes: &'a [u8],
}

/// What the frame callback asks for.
pub type FrameFn<'f> = dyn FnMut(Frame<'_>) -> Flow + 'f;

/// Splits `input` into JSON values (see the module docs) and calls `f` on
/// each; framing problems (a bad line, a line over the cap, a broken
/// document) go to `problem`. Returns the number of lines read.
pub fn json_values(
    input: &mut dyn BufRead,
    opts: &DecodeOptions,
    f: &mut FrameFn<'_>,
    problem: &mut dyn FnMut(Problem) -> Flow,
) -> Result<u64, DecodeError> {
    let mut r = CountingReader::new(input);
    let max = opts.max_record_bytes;
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        let line = r.pos.line();
        let offset = r.pos.offset();
        let got = read_capped_line(&mut r, &mut buf, max)
            .map_err(|e| DecodeError::Io { line, source: e })?;
        match got {
            LineRead::Eof => return Ok(r.pos.lines()),
            LineRead::TooLong(n) => {
                let p = Problem::new(
                    line,
                    offset,
                    format!("line is {n} bytes, over the {max} byte limit; skipped"),
                    b"",
                );
                if problem(p) == Flow::Stop {
                    return Err(DecodeError::Stopped { line });
                }
                first = false;
                continue;
            }
            LineRead::Line => {}
        }
        let t = trim(strip_bom(&buf));
        if t.is_empty() {
            continue;
        }
        if first {
            first = false;
            let whole = serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok();
            if !whole && (t[0] == b'[' || t[0] == b'{') {
                // A multi-line document: put the first line back and parse as a stream.
                let mut head = strip_bom(&buf).to_vec();
                head.push(b'\n');
                let rest = std::io::Cursor::new(head).chain(r);
                let mut doc =
                    CountingReader::starting_at(std::io::BufReader::new(rest), line, offset);
                doc.set_limit(max);
                return documents(&mut doc, f, problem);
            }
        }
        let frame = Frame {
            line,
            offset,
            bytes: t,
        };
        if f(frame) == Flow::Stop {
            return Err(DecodeError::Stopped { line });
        }
    }
}

fn documents<R: BufRead>(
    r: &mut CountingReader<R>,
    f: &mut FrameFn<'_>,
    problem: &mut dyn FnMut(Problem) -> Flow,
) -> Result<u64, DecodeError> {
    // Peek the first significant byte.
    let first = loop {
        let pos = r.pos.clone();
        let b = r.fill_buf().map_err(|e| DecodeError::Io {
            line: pos.line(),
            source: e,
        })?;
        match b.first() {
            None => return Ok(r.pos.lines()),
            Some(c) if c.is_ascii_whitespace() => r.consume(1),
            Some(&c) => break c,
        }
    };
    if first == b'[' {
        let mut stopped = false;
        let pos = r.pos.clone();
        let res = {
            let mut de = serde_json::Deserializer::from_reader(&mut *r);
            let seed = ArraySeed {
                f,
                stopped: &mut stopped,
                pos,
            };
            let out = seed.deserialize(&mut de);
            out.and_then(|_| de.end())
        };
        if stopped {
            return Err(DecodeError::Stopped { line: r.line() });
        }
        if let Err(e) = res {
            let line = r.line();
            let p = Problem::new(
                line,
                r.pos.offset(),
                format!("invalid JSON document: {e}; the rest of the document is skipped"),
                b"",
            );
            if problem(p) == Flow::Stop {
                return Err(DecodeError::Stopped { line });
            }
        }
        return Ok(r.pos.lines());
    }
    // One or more objects in a row.
    loop {
        r.mark();
        let start_line = r.line();
        let v: Result<Box<RawValue>, _> = {
            let mut de = serde_json::Deserializer::from_reader(&mut *r);
            serde::Deserialize::deserialize(&mut de)
        };
        match v {
            Ok(raw) => {
                let frame = Frame {
                    line: start_line,
                    offset: r.pos.offset(),
                    bytes: raw.get().as_bytes(),
                };
                if f(frame) == Flow::Stop {
                    return Err(DecodeError::Stopped { line: start_line });
                }
            }
            Err(e) => {
                let line = r.line();
                let p = Problem::new(
                    line,
                    r.pos.offset(),
                    format!("invalid JSON document: {e}; the rest of the input is skipped"),
                    b"",
                );
                if problem(p) == Flow::Stop {
                    return Err(DecodeError::Stopped { line });
                }
                return Ok(r.pos.lines());
            }
        }
        // Skip whitespace; stop at end.
        loop {
            let pos = r.pos.clone();
            let b = r.fill_buf().map_err(|e| DecodeError::Io {
                line: pos.line(),
                source: e,
            })?;
            match b.first() {
                None => return Ok(r.pos.lines()),
                Some(c) if c.is_ascii_whitespace() => r.consume(1),
                Some(_) => break,
            }
        }
    }
}

struct ArraySeed<'a, 'f> {
    f: &'a mut FrameFn<'f>,
    stopped: &'a mut bool,
    pos: Position,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            let bytes = raw.get().as_bytes();
            // The value ends where the reader is; it started as many lines up
            // as it holds newlines.
            let nl = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            let line = self.pos.line().saturating_sub(nl);
            let frame = Frame {
                line,
                offset: self.pos.offset(),
                bytes,
            };
            if (self.f)(frame) == Flow::Stop {
                *self.stopped = true;
                // Drain nothing more: stop here.
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(b)
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    &b[s..e]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> (Vec<(u64, String)>, Vec<Problem>) {
        let mut frames = Vec::new();
        let mut problems = Vec::new();
        let opts = DecodeOptions {
            max_record_bytes: 64,
            ..Default::default()
        };
        let _ = json_values(
            &mut &input[..],
            &opts,
            &mut |fr: Frame| {
                frames.push((fr.line, String::from_utf8_lossy(fr.bytes).into_owned()));
                Flow::Continue
            },
            &mut |p| {
                problems.push(p);
                Flow::Continue
            },
        );
        (frames, problems)
    }

    #[test]
    fn jsonl_lines_and_crlf() {
        let (f, p) = collect(b"{\"a\":1}\r\n\r\n{\"b\":2}\n{\"c\":\n");
        assert_eq!(f.len(), 3);
        assert_eq!(f[1], (3, "{\"b\":2}".to_string()));
        assert_eq!(f[2].0, 4);
        assert!(p.is_empty());
    }

    #[test]
    fn too_long_line_is_skipped() {
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1000));
        input.extend(b"\n{\"b\":2}\n");
        let (f, p) = collect(&input);
        assert_eq!(f.len(), 2);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 2);
        assert!(
            p[0].reason.contains("over the 64 byte limit"),
            "{}",
            p[0].reason
        );
    }

    #[test]
    fn pretty_array_and_object() {
        let (f, p) = collect(b"\xEF\xBB\xBF[\n {\"a\": 1},\n {\"b\": 2}\n]\n");
        assert_eq!(f.len(), 2, "{p:?}");
        let (f, p) = collect(b"{\n \"a\": [1,\n 2]\n}\n{\n\"b\":1}");
        assert_eq!(f.len(), 2, "{p:?}");
        assert_eq!(f[0].0, 1);
    }

    #[test]
    fn broken_document_is_a_problem() {
        let (f, p) = collect(b"[\n {\"a\": 1},\n {\"b\": \n");
        assert_eq!(f.len(), 1);
        assert_eq!(p.len(), 1);
    }
}
