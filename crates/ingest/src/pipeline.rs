//! The ingest pipeline: files → decoder (its own thread) → bounded channel →
//! batched store writes. The only module that writes through the [`Store`].
//!
//! For each file:
//! 1. a quick key (size + sha256 of the first and last 64 KiB) finds an
//!    earlier capture of the same file; if one finished, the full sha256
//!    confirms it and the file is skipped (`--force` processes it again);
//!    if one was interrupted, it is resumed (everything is idempotent, so
//!    the rerun completes it and the counts come out exact);
//! 2. the decoder runs on a second thread and sends batches of records over a
//!    bounded channel, which keeps memory flat on files larger than RAM;
//! 3. each batch is written in one transaction;
//! 4. the capture is finished: its sha256 (hashed while reading) is stored
//!    and missing-since marks are inferred.

use crate::{DecodeError, DecodeOptions, Decoder, SNIFF_BYTES, compress, decoder_by_name, sniff};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tarjuman_model::{Flow, Problem, Record, RecordSink};
use tarjuman_store::{Batch, BatchOutcome, CaptureInfo, CaptureStart, Store, StoreError};

/// Options for [`ingest_paths`].
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Force a decoder by name instead of sniffing.
    pub format: Option<String>,
    /// Stop at the first problem.
    pub strict: bool,
    /// Process files again even when an identical file was ingested.
    pub force: bool,
    /// Options passed to decoders.
    pub decode: DecodeOptions,
    /// Records per store transaction.
    pub batch_size: usize,
    /// Where stdin is spooled before it is ingested (so that it is hashed and
    /// can be resumed like a file).
    pub spool_dir: PathBuf,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: None,
            strict: false,
            force: false,
            decode: DecodeOptions::default(),
            batch_size: 16_384,
            spool_dir: std::env::temp_dir(),
        }
    }
}

/// What happened to one file.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Ingested (possibly with problems).
    Ingested,
    /// An identical file was ingested before; nothing was done.
    AlreadyIngested,
    /// Not a supported format; skipped while walking a directory.
    Skipped,
    /// Could not be ingested; the reason is in `error`.
    Failed,
}

/// The report on one file.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// The path as given or found.
    pub path: String,
    /// The decoder used.
    pub format: Option<String>,
    /// The capture id in the store.
    pub capture: Option<i64>,
    /// What happened.
    pub status: FileStatus,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// Records decoded (posts, actors, notices).
    pub records_read: u64,
    /// Problems found in this run.
    pub problems: u64,
    /// What the store gained.
    #[serde(flatten)]
    pub outcome: BatchOutcome,
    /// Posts marked missing since this capture.
    pub missing_marked: u64,
    /// Records that repeated, unchanged, a post or profile record met
    /// earlier in the file and were not written again (counted in
    /// `records_read`).
    pub repeats: u64,
    /// Seconds the store spent writing (the rest is decoding, overlapped).
    pub write_seconds: f64,
    /// Seconds spent rebuilding secondary indexes after a bulk load (`None`
    /// when the file was written with every index maintained).
    pub index_rebuild_seconds: Option<f64>,
    /// Wall time.
    pub seconds: f64,
}

/// Called as ingest goes; all methods default to doing nothing.
pub trait Progress: Sync {
    /// A file starts; `bytes` is its size on disk.
    fn file_started(&self, _path: &str, _bytes: u64) {}
    /// Bytes read so far of the current file, and posts written so far in the run.
    fn advance(&self, _bytes_read: u64, _posts: u64) {}
    /// A bad record.
    fn problem(&self, _path: &str, _p: &Problem) {}
    /// A slow step of the current file begins, such as rebuilding indexes.
    fn step(&self, _path: &str, _what: &str) {}
    /// A file is done.
    fn file_done(&self, _r: &FileReport) {}
}

/// A [`Progress`] that reports nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Errors that stop the whole run (the store failed). A bad file is not one:
/// it is a [`FileReport`] with status `Failed`.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The store failed.
    #[error("{path}: store: {source}")]
    Store {
        /// The file being ingested.
        path: String,
        /// The cause.
        #[source]
        source: StoreError,
    },
    /// `--strict` and a problem was found.
    #[error("{path}:{line}: {reason} (stopped: --strict)")]
    Strict {
        /// The file.
        path: String,
        /// The line.
        line: u64,
        /// The problem.
        reason: String,
    },
}

/// Files under `paths`: directories are walked recursively in sorted order,
/// skipping hidden entries; `-` means stdin.
pub fn expand_paths(paths: &[PathBuf]) -> io::Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" || !p.is_dir() {
            out.push((p.clone(), true));
            continue;
        }
        let mut stack = vec![p.clone()];
        let mut found = Vec::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d)? {
                let e = e?;
                if e.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let ft = e.file_type()?;
                if ft.is_dir() {
                    stack.push(e.path());
                } else if ft.is_file() {
                    found.push(e.path());
                }
            }
        }
        found.sort();
        out.extend(found.into_iter().map(|f| (f, false)));
    }
    Ok(out)
}

/// Ingests every file under `paths` into `store`.
pub fn ingest_paths(
    store: &mut dyn Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<Vec<FileReport>, IngestError> {
    let files = expand_paths(paths).map_err(|e| IngestError::Store {
        path: paths
            .first()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        source: StoreError::Io {
            path: "walk".into(),
            source: e,
        },
    })?;
    let mut reports = Vec::new();
    let mut posts_so_far = 0;
    for (path, explicit) in files {
        let r = ingest_one(store, &path, explicit, opts, progress, &mut posts_so_far)?;
        progress.file_done(&r);
        reports.push(r);
    }
    Ok(reports)
}

fn failed(path: &str, error: String, status: FileStatus) -> FileReport {
    FileReport {
        path: path.to_string(),
        format: None,
        capture: None,
        status,
        error: Some(error),
        records_read: 0,
        problems: 0,
        outcome: BatchOutcome::default(),
        missing_marked: 0,
        repeats: 0,
        write_seconds: 0.0,
        index_rebuild_seconds: None,
        seconds: 0.0,
    }
}

/// Copies stdin into a file under `dir`, so it can be hashed and resumed.
fn spool_stdin(dir: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!(".stdin-{}.spool", std::process::id()));
    let mut f = File::create(&path)?;
    io::copy(&mut io::stdin().lock(), &mut f)?;
    Ok(path)
}

/// Size plus sha256 of the first and last 64 KiB.
fn quick_key(f: &mut File) -> io::Result<(String, u64)> {
    let len = f.metadata()?.len();
    let mut h = Sha256::new();
    h.update(len.to_le_bytes());
    let mut buf = vec![0u8; 64 * 1024];
    f.seek(SeekFrom::Start(0))?;
    let n = read_full(f, &mut buf)?;
    h.update(&buf[..n]);
    if len > 128 * 1024 {
        f.seek(SeekFrom::Start(len - 64 * 1024))?;
        let n = read_full(f, &mut buf)?;
        h.update(&buf[..n]);
    }
    f.seek(SeekFrom::Start(0))?;
    Ok((hex::encode(h.finalize()), len))
}

fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn full_sha256(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Hashes and counts the bytes read through it.
struct HashingReader<R> {
    inner: R,
    hash: Arc<Mutex<Sha256>>,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hash.lock() {
            h.update(&buf[..n]);
        }
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A batch on its way to the packer: the raw blocks are not compressed yet.
struct Unpacked {
    batch: Batch,
    /// Each block's raw bytes, and the index in `batch.records` just past its
    /// last record.
    blocks: Vec<(Vec<u8>, usize)>,
}

/// Sends decoded records, in batches, to the packer, which compresses their
/// raw blocks on a third thread (the writer's core has time to spare while
/// the decoder's has none) and passes them on to the writer.
struct ChannelSink {
    tx: crossbeam_channel::Sender<Unpacked>,
    done: crossbeam_channel::Receiver<Batch>,
    /// The raw records of the block being filled.
    block: Vec<u8>,
    /// The blocks of the batch being filled.
    blocks: Vec<(Vec<u8>, usize)>,
    batch: Batch,
    size: usize,
    strict: bool,
    closed: bool,
    repeats: crate::repeats::Repeats,
}

impl ChannelSink {
    /// Ends the block being filled.
    fn close_block(&mut self) {
        if self.block.is_empty() {
            return;
        }
        let plain = std::mem::replace(&mut self.block, Vec::with_capacity(RAW_BLOCK_BYTES + 4096));
        self.blocks.push((plain, self.batch.records.len()));
    }

    fn flush(&mut self) -> Flow {
        self.close_block();
        if self.batch.records.is_empty()
            && self.batch.problems.is_empty()
            && self.batch.repeats == 0
        {
            return Flow::Continue;
        }
        let b = Unpacked {
            batch: std::mem::take(&mut self.batch),
            blocks: std::mem::take(&mut self.blocks),
        };
        // Free the batches the writer has finished with.
        while let Ok(old) = self.done.try_recv() {
            drop(old);
        }
        if self.tx.send(b).is_err() {
            self.closed = true;
            return Flow::Stop;
        }
        Flow::Continue
    }
}

impl RecordSink for ChannelSink {
    fn record(&mut self, line: u64, r: Record) -> Flow {
        if self.closed {
            return Flow::Stop;
        }
        if self.repeats.is_repeat(&r) {
            self.batch.repeats += 1;
            return Flow::Continue;
        }
        // Raw records are gathered in blocks, compressed by the packer.
        let mut r = r;
        let at = match &mut r {
            Record::Post(p) if !p.raw.is_empty() => {
                let s = tarjuman_store::RawSlice {
                    block: self.blocks.len(),
                    offset: self.block.len(),
                    len: p.raw.len(),
                };
                self.block.extend_from_slice(&p.raw);
                p.raw = Vec::new();
                Some(s)
            }
            _ => None,
        };
        self.batch.raw_at.push(at);
        self.batch.records.push((line, r));
        if self.batch.records.len() >= self.size {
            return self.flush();
        }
        if self.block.len() >= RAW_BLOCK_BYTES {
            self.close_block();
        }
        Flow::Continue
    }
    fn problem(&mut self, p: Problem) -> Flow {
        if self.closed {
            return Flow::Stop;
        }
        self.batch.problems.push(p);
        if self.strict {
            self.flush();
            return Flow::Stop;
        }
        if self.batch.problems.len() >= self.size {
            return self.flush();
        }
        Flow::Continue
    }
}

/// Compresses the raw blocks of each batch from `rx` and sends it to `tx`,
/// until either side closes.
fn pack(rx: crossbeam_channel::Receiver<Unpacked>, tx: crossbeam_channel::Sender<Batch>) {
    let mut z = zstd::bulk::Compressor::new(RAW_ZSTD_LEVEL).ok();
    for Unpacked { mut batch, blocks } in rx {
        for (plain, end) in blocks {
            let n = batch.raw_blocks.len();
            let packed = match &mut z {
                Some(z) => z.compress(&plain),
                None => zstd::bulk::compress(&plain, RAW_ZSTD_LEVEL),
            };
            let zstd = packed.unwrap_or_else(|_| {
                // Not expected; the block's records then keep no raw bytes.
                for s in batch.raw_at.iter_mut() {
                    if s.is_some_and(|s| s.block == n) {
                        *s = None;
                    }
                }
                Vec::new()
            });
            batch.raw_blocks.push(tarjuman_store::RawBlock {
                zstd,
                len: plain.len(),
                end,
            });
        }
        if tx.send(batch).is_err() {
            return;
        }
    }
}

/// The zstd level of raw record blocks. On 256 KiB blocks of generated
/// tweets, level 3 is 6% slower than level 1 and 11% smaller
/// (`zstd -b1 -e3 -B262144`); it runs on the packer's thread.
const RAW_ZSTD_LEVEL: i32 = 3;

/// Raw records are compressed together in blocks of about this many bytes
/// (a reader decompresses a whole block to read one record).
const RAW_BLOCK_BYTES: usize = 256 << 10;

fn ingest_one(
    store: &mut dyn Store,
    path: &Path,
    explicit: bool,
    opts: &IngestOptions,
    progress: &dyn Progress,
    posts_so_far: &mut u64,
) -> Result<FileReport, IngestError> {
    let started = Instant::now();
    let shown = if path.as_os_str() == "-" {
        "-".to_string()
    } else {
        path.display().to_string()
    };
    let spooled = if path.as_os_str() == "-" {
        match spool_stdin(&opts.spool_dir) {
            Ok(p) => Some(p),
            Err(e) => {
                return Ok(failed(
                    &shown,
                    format!("reading stdin: {e}"),
                    FileStatus::Failed,
                ));
            }
        }
    } else {
        None
    };
    let real: &Path = spooled.as_deref().unwrap_or(path);
    let r = ingest_file(
        store,
        real,
        &shown,
        explicit,
        opts,
        progress,
        posts_so_far,
        started,
    );
    if let Some(s) = spooled {
        let _ = std::fs::remove_file(s);
    }
    r
}

#[allow(clippy::too_many_arguments)]
fn ingest_file(
    store: &mut dyn Store,
    path: &Path,
    shown: &str,
    explicit: bool,
    opts: &IngestOptions,
    progress: &dyn Progress,
    posts_so_far: &mut u64,
    started: Instant,
) -> Result<FileReport, IngestError> {
    let store_err = |e: StoreError| IngestError::Store {
        path: shown.to_string(),
        source: e,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return Ok(failed(
                shown,
                format!("cannot open: {e}"),
                FileStatus::Failed,
            ));
        }
    };
    let (qk, size) = match quick_key(&mut file) {
        Ok(k) => k,
        Err(e) => {
            return Ok(failed(
                shown,
                format!("cannot read: {e}"),
                FileStatus::Failed,
            ));
        }
    };
    let hash = Arc::new(Mutex::new(Sha256::new()));
    let bytes = Arc::new(AtomicU64::new(0));
    let hr = HashingReader {
        inner: file,
        hash: hash.clone(),
        bytes: bytes.clone(),
    };
    let (mut reader, _c) = match compress::decompress(Box::new(hr)) {
        Ok(r) => r,
        Err(e) => {
            return Ok(failed(
                shown,
                format!("cannot decompress: {e}"),
                FileStatus::Failed,
            ));
        }
    };
    let head = match fill_head(&mut reader) {
        Ok(h) => h,
        Err(e) => {
            return Ok(failed(
                shown,
                format!("cannot read: {e}"),
                FileStatus::Failed,
            ));
        }
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let decoder: &'static dyn Decoder = match &opts.format {
        Some(f) => match decoder_by_name(f) {
            Some(d) => d,
            None => {
                return Ok(failed(
                    shown,
                    format!("unknown format {f:?}"),
                    FileStatus::Failed,
                ));
            }
        },
        None => match sniff(&head, &name) {
            Some(d) => d,
            None if head.iter().all(|b| b.is_ascii_whitespace()) => {
                return Ok(failed(
                    shown,
                    "empty file: nothing to ingest".into(),
                    FileStatus::Skipped,
                ));
            }
            None => {
                let names: Vec<&str> = crate::DECODERS.iter().map(|d| d.name()).collect();
                let msg = format!(
                    "unknown format (not {}); use --format to choose one",
                    names.join(", ")
                );
                let st = if explicit {
                    FileStatus::Failed
                } else {
                    FileStatus::Skipped
                };
                return Ok(failed(shown, msg, st));
            }
        },
    };
    let info = CaptureInfo {
        file_name: shown.to_string(),
        bytes: size,
        quick_key: qk,
        format: decoder.name().into(),
    };
    let cap = match store.begin_capture(&info).map_err(store_err)? {
        CaptureStart::New(c) | CaptureStart::Resume(c) => c,
        CaptureStart::MaybeDone(c) => {
            let prior = store.capture_sha256(c).map_err(store_err)?;
            let now = full_sha256(path).map_err(|e| {
                store_err(StoreError::Io {
                    path: shown.into(),
                    source: e,
                })
            })?;
            if prior.as_deref() == Some(now.as_str()) {
                if opts.force {
                    store.reopen_capture(c).map_err(store_err)?;
                    c
                } else {
                    let mut r = failed(
                        shown,
                        format!("already ingested as capture {c}"),
                        FileStatus::AlreadyIngested,
                    );
                    r.error = None;
                    r.format = Some(decoder.name().into());
                    r.capture = Some(c);
                    r.seconds = started.elapsed().as_secs_f64();
                    return Ok(r);
                }
            } else {
                store.create_capture(&info).map_err(store_err)?
            }
        }
    };
    progress.file_started(shown, size);

    let (utx, urx) = crossbeam_channel::bounded::<Unpacked>(2);
    let (tx, rx) = crossbeam_channel::bounded::<Batch>(2);
    // Written batches go back to the decoder's thread to be freed there, off
    // the writer's critical path.
    let (done_tx, done_rx) = crossbeam_channel::bounded::<Batch>(2);
    let mut dopts = opts.decode.clone();
    if dopts.source_name.is_empty() || dopts.source_name == "stdin" {
        dopts.source_name = source_name(shown);
    }
    let strict = opts.strict;
    let size_cap = opts.batch_size.max(1);
    let spawned = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let mut sink = ChannelSink {
                done: done_rx,
                tx: utx,
                block: Vec::new(),
                blocks: Vec::new(),
                batch: Batch::default(),
                size: size_cap,
                strict,
                closed: false,
                repeats: crate::repeats::Repeats::new(),
            };
            let res = decoder.decode(&mut reader, &dopts, &mut sink);
            sink.flush();
            // Read what the decoder left, so the file hash covers every byte.
            let _ = io::copy(&mut reader, &mut io::sink());
            res
        });
    let worker = spawned.map_err(|e| {
        store_err(StoreError::Io {
            path: shown.into(),
            source: e,
        })
    })?;
    let packer = std::thread::Builder::new()
        .name("pack".into())
        .spawn(move || pack(urx, tx))
        .map_err(|e| {
            store_err(StoreError::Io {
                path: shown.into(),
                source: e,
            })
        })?;
    // A large file into a small store: secondary indexes are rebuilt by
    // sorting at the end, which is faster than maintaining them row by row.
    let bulk = match store.begin_bulk(size) {
        Ok(b) => b,
        Err(e) => {
            drop(rx);
            let _ = worker.join();
            return Err(store_err(e));
        }
    };
    let mut outcome = BatchOutcome::default();
    let mut records = 0u64;
    let mut repeats = 0u64;
    let mut write_time = std::time::Duration::ZERO;
    let mut problems = 0u64;
    let mut first_problem: Option<Problem> = None;
    let mut write_err = None;
    for batch in rx.iter() {
        records += batch.records.len() as u64 + batch.repeats;
        repeats += batch.repeats;
        problems += batch.problems.len() as u64;
        for p in &batch.problems {
            progress.problem(shown, p);
            if first_problem.is_none() {
                first_problem = Some(p.clone());
            }
        }
        let t0 = Instant::now();
        let written = store.write_batch(cap, shown, &batch);
        write_time += t0.elapsed();
        match written {
            Ok(o) => {
                *posts_so_far += o.new_posts;
                outcome += o;
            }
            Err(e) => {
                write_err = Some(e);
                break;
            }
        }
        progress.advance(bytes.load(Ordering::Relaxed), *posts_so_far);
        let _ = done_tx.try_send(batch);
    }
    drop(rx);
    drop(done_tx);
    if packer.join().is_err() {
        write_err.get_or_insert(StoreError::Conflict(
            "the thread compressing raw records panicked".into(),
        ));
    }
    let mut index_rebuild_seconds = None;
    if bulk {
        let t0 = Instant::now();
        progress.step(shown, "rebuilding indexes");
        if let Err(e) = store.end_bulk() {
            write_err.get_or_insert(e);
        }
        index_rebuild_seconds = Some(t0.elapsed().as_secs_f64());
    }
    let res = worker.join().unwrap_or(Err(DecodeError::NotFormat {
        format: decoder.name(),
        line: 0,
        reason: "the decoder thread panicked".into(),
    }));
    if let Some(e) = write_err {
        return Err(store_err(e));
    }
    let mut report = FileReport {
        path: shown.to_string(),
        format: Some(decoder.name().into()),
        capture: Some(cap),
        status: FileStatus::Ingested,
        error: None,
        records_read: records,
        problems,
        outcome,
        missing_marked: 0,
        repeats,
        write_seconds: write_time.as_secs_f64(),
        index_rebuild_seconds,
        seconds: 0.0,
    };
    match res {
        Ok(_) => {}
        Err(DecodeError::Stopped { .. }) if strict => {
            let p = first_problem.unwrap_or_else(|| Problem::new(0, 0, "stopped", b""));
            return Err(IngestError::Strict {
                path: shown.into(),
                line: p.line,
                reason: p.reason,
            });
        }
        Err(e) => {
            // The file as a whole is not what it claimed; what was decoded
            // stays. Met while walking a directory, a file with nothing
            // decoded is just not one of ours (a CSV of edges beside the
            // tweets, say): skipped, like a file no decoder claims.
            let not_ours = matches!(e, DecodeError::NotFormat { .. }) && records == 0;
            report.status = if not_ours && !explicit {
                FileStatus::Skipped
            } else {
                FileStatus::Failed
            };
            report.error = Some(e.to_string());
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
    }
    let sha = match hash.lock() {
        Ok(h) => hex::encode(h.clone().finalize()),
        Err(_) => String::new(),
    };
    let fin = store
        .finish_capture(cap, &sha, records)
        .map_err(store_err)?;
    report.missing_marked = fin.missing_marked + outcome.deletion_notices;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The source name used in CSV refs: the file name without directories
/// and without compression/format extensions.
pub fn source_name(shown: &str) -> String {
    let base = Path::new(shown)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stdin".into());
    let mut s = base.as_str();
    for ext in [".gz", ".zst", ".csv", ".tsv", ".jsonl", ".json"] {
        s = s.strip_suffix(ext).unwrap_or(s);
    }
    if s == "-" || s.is_empty() {
        "stdin".into()
    } else {
        s.to_string()
    }
}

fn fill_head(r: &mut Box<dyn BufRead + Send>) -> io::Result<Vec<u8>> {
    let b = r.fill_buf()?;
    Ok(b[..b.len().min(SNIFF_BYTES)].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarjuman_store::SqliteStore;

    #[test]
    fn same_file_twice_adds_nothing_and_missing_is_marked() {
        let d = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&d.path().join("data")).unwrap();
        let page = |ids: &[&str]| {
            let data: Vec<String> = ids
                .iter()
                .map(|i| format!(r#"{{"id":"{i}","text":"t{i}","author_id":"9","created_at":"2021-01-01T00:00:0{i}.000Z"}}"#))
                .collect();
            format!(
                "{{\"data\":[{}],\"includes\":{{\"users\":[{{\"id\":\"9\",\"username\":\"u\"}}]}},\"__twarc\":{{\"url\":\"https://api.twitter.com/2/tweets/search/all?query=a&start_time=2021-01-01T00:00:00Z&end_time=2021-01-02T00:00:00Z\"}}}}\n",
                data.join(",")
            )
        };
        let a = d.path().join("a.jsonl");
        std::fs::write(&a, page(&["1", "2", "3"])).unwrap();
        let opts = IngestOptions::default();
        let r = ingest_paths(&mut store, std::slice::from_ref(&a), &opts, &NoProgress).unwrap();
        assert_eq!(r[0].outcome.new_posts, 3);
        let r = ingest_paths(&mut store, std::slice::from_ref(&a), &opts, &NoProgress).unwrap();
        assert_eq!(r[0].status, FileStatus::AlreadyIngested);
        let r = ingest_paths(
            &mut store,
            &[a],
            &IngestOptions {
                force: true,
                ..opts.clone()
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!((r[0].outcome.new_posts, r[0].missing_marked), (0, 0));
        let b = d.path().join("b.jsonl");
        std::fs::write(&b, page(&["1", "3"])).unwrap();
        let r = ingest_paths(&mut store, &[b], &opts, &NoProgress).unwrap();
        assert_eq!((r[0].outcome.new_posts, r[0].missing_marked), (0, 1));
    }

    #[test]
    fn unknown_and_empty_files() {
        let d = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&d.path().join("data")).unwrap();
        let a = d.path().join("notes.txt");
        std::fs::write(&a, "hello world\n").unwrap();
        let e = d.path().join("empty.json");
        std::fs::write(&e, "").unwrap();
        let r = ingest_paths(&mut store, &[a, e], &IngestOptions::default(), &NoProgress).unwrap();
        assert_eq!(r[0].status, FileStatus::Failed);
        assert!(r[0].error.as_deref().unwrap().contains("unknown format"));
        assert_eq!(r[1].status, FileStatus::Skipped);
    }

    #[test]
    fn files_not_of_posts_are_skipped_in_a_directory_and_fail_when_named() {
        let d = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&d.path().join("data")).unwrap();
        let dir = d.path().join("exports");
        std::fs::create_dir(&dir).unwrap();
        // An edge list beside the tweets, as the coordination toolkit writes.
        let edges = dir.join("co_retweet.csv");
        std::fs::write(&edges, "user_1,user_2,weight\n1,2,3\n").unwrap();
        std::fs::write(
            dir.join("tweets.jsonl"),
            r#"{"data":[{"id":"1","text":"hi","author_id":"9"}]}"#,
        )
        .unwrap();
        let r = ingest_paths(&mut store, &[dir], &IngestOptions::default(), &NoProgress).unwrap();
        let by = |name: &str| r.iter().find(|f| f.path.ends_with(name)).unwrap();
        assert_eq!(by("tweets.jsonl").status, FileStatus::Ingested);
        assert_eq!(by("co_retweet.csv").status, FileStatus::Skipped);
        assert!(
            by("co_retweet.csv")
                .error
                .as_deref()
                .unwrap()
                .contains("no id and text")
        );
        let r = ingest_paths(&mut store, &[edges], &IngestOptions::default(), &NoProgress).unwrap();
        assert_eq!(r[0].status, FileStatus::Failed);
    }

    #[test]
    fn source_names() {
        assert_eq!(source_name("/x/posts.csv.gz"), "posts");
        assert_eq!(source_name("-"), "stdin");
    }
}
