//! CSV exports of posts: twarc-csv, coordination-network-toolkit,
//! CrowdTangle, CooRTweet, and any CSV whose header names its columns.
//!
//! # Reading
//!
//! RFC 4180 through the `csv` crate: quoted fields, embedded newlines, CRLF,
//! ragged rows. A UTF-8 byte order mark before the header is dropped. The
//! delimiter is `,` unless the header line has more tabs than commas (TSV),
//! or has no comma and no tab but semicolons. The first non-empty row is the
//! header; every later row is one post. Rows whose cells are all empty are
//! skipped. Each post keeps its row as a JSON object `{header: value}` in
//! `raw` (a repeated header name gets ` #2`, ` #3`…; cells beyond the header
//! are keyed `column N`).
//!
//! A row becomes a [`Problem`] (and decoding goes on) when it is not valid
//! UTF-8, when its fields add up to more than `max_record_bytes`, when its id
//! is empty, or when its time cell is non-empty and not a time
//! ([`time::flexible`]). A row whose raw bytes pass `2 × max_record_bytes +
//! 1 MiB` while still being read (an unbalanced quote, usually) is abandoned
//! without being held in memory; reading resumes at the next line.
//!
//! # Presets
//!
//! The header picks a preset (names compared trimmed and case-insensitively;
//! see [`preset_of`]), tried in this order:
//!
//! | preset | detected by | refs |
//! |---|---|---|
//! | `twarc-csv` | `id`, `text`, `author_id` and one of `referenced_tweets.*.id`, `author.username`, `public_metrics.like_count`, `__twarc.url` | `x:<id>` |
//! | `coordination-network-toolkit` | all of `message_id, user_id, username, repost_id, reply_id, message, timestamp, urls` | `csv:<source>:<id>`, or the `platform` column's |
//! | `crowdtangle` | dashboard: `Page Name` or `Facebook Id`, with `Post Created`, `Message`, `URL`, `User Name`, `Link` or `Likes`; API (`/links`, flattened with `_`): `platformId` or `postUrl`, with an `account_*` column | `facebook:<id>` (`instagram:` when `platform` says so) |
//! | `coortweet` | `object_id, account_id, content_id`; or `account_id, post_id, timestamp` with one of `url_id, hashtag_id, domain_id, phash_id` | `csv:<source>:<id>` |
//! | `generic` | an id column and a text column (synonyms below) | the `platform` column's, else `csv:<source>:<id>` |
//!
//! `<source>` is [`DecodeOptions::source_name`]. `csv:` refs belong to
//! [`Platform::Other`]; a `platform` cell that [`Platform::parse`] knows
//! (`twitter`, `telegram`, …) gives that platform's refs instead (`x:<id>`,
//! `telegram:<id>`), row by row.
//!
//! **twarc-csv** (DocNow/twarc-csv): author `x:<author_id>` with
//! `author.username`, `author.name`, `author.location`, `author.description`,
//! `author.public_metrics.followers_count`, seen at `__twarc.retrieved_at`.
//! `referenced_tweets.{replied_to,quoted,retweeted}.id` give reply/quote/repost
//! links, their authors `in_reply_to_user_id`, `quoted_user_id`,
//! `retweeted_user_id`. `entities.hashtags/mentions/urls` hold JSON lists:
//! strings (`"#tag"`, `"@user"`, expanded URL) by default, API objects with
//! `--no-process-entities`; an absent or unparsable cell falls back to the
//! text. A mention by handle only gets its `x:` ref when the row names that
//! handle's id elsewhere (author, replied-to, quoted or retweeted user),
//! otherwise an empty ref and the handle. Media from `attachments.media` and
//! `attachments.media_keys`; `edited_at` as in the twarc2 decoder. A missing
//! `created_at` falls back to the id's snowflake time. twarc-csv writes every
//! newline as the two characters `\n` (and drops `\r`); they are turned back
//! into newlines, so texts match the JSON (a tweet that really held a
//! backslash before an `n` cannot be told apart). With `--json-encode-text`/`-all`
//! (recognised by a quoted id) every cell is a JSON string and is decoded.
//! twarc-csv *merges retweets* by default: a retweet row carries the
//! retweeted tweet's text, entities and metrics. Such rows (a repost whose
//! text does not start with `RT @`) keep that text but get no metrics, since
//! those are the original tweet's. Rows of `--inline-referenced-tweets` are
//! ordinary posts.
//!
//! **coordination-network-toolkit** (QUT): author ref from `user_id` with
//! handle `username`; `repost_id` / `reply_id` are post ids in the same
//! namespace (no author); `timestamp` is float Unix seconds; `urls` is
//! space-separated (an empty cell means none). A cell written as a Python
//! list (`['http://a', 'http://b']`, as in the toolkit's `sample_data.csv`)
//! is read as that list.
//!
//! **crowdtangle**: text is `Message`/`message` and nothing else. The post id
//! is `platformId`, else it is read from the post URL (`URL`/`postUrl`):
//! `facebook.com/<page>/posts/<post>`, `…/videos/<post>`, `…/photos/…/<post>`,
//! `groups/<group>/permalink/<post>` and `permalink.php?story_fbid=<post>&id=<page>`
//! give `<page>_<post>` (CrowdTangle's own form; a non-numeric page name is
//! replaced by the row's account id when it has one), `instagram.com/p/<code>`
//! gives `<code>`. A URL that yields nothing gets the id `h` + 16 hex digits:
//! the 64-bit FNV-1a hash of `URL \x1f created \x1f page name`, stable across
//! runs. A file without any id or URL column gets refs `csv:<source>:<n>`,
//! `n` the 1-based data row (empty rows not counted). The author is
//! `Facebook Id`, `account_platformId` or `account_id` (the first present;
//! `account_platformId` is the Facebook id, `account_id` CrowdTangle's own),
//! else the numeric page of the post URL, else `User Name`/`account_handle`,
//! else `csv:<source>:<Page Name>`. Handle `User Name`/`account_handle`, name
//! `Page Name`/`account_name`, time `Post Created` (zone abbreviations such as
//! `EST`) or `date` (UTC), URLs `Link`/`link` expanded to `Final
//! Link`/`expanded`, metrics `Likes`, `Comments`, `Shares`, `Post Views` or
//! `statistics_actual_{like,comment,share}Count`. A CrowdTangle file without
//! a text column (a list of pages, say) is refused: one [`Problem`] for the
//! header naming the missing column, then [`DecodeError::NotFormat`].
//!
//! **coortweet** (CooRTweet's sample data): id `content_id` or `post_id`,
//! author `account_id`, time `timestamp_share` or `timestamp`, text empty
//! unless a text column exists. `object_id` (the shared object) becomes a URL
//! when it is one, else `repost_of` the post `csv:<source>:<object_id>`.
//! `url_id`, `hashtag_id`, … are anonymised keys and stay in `raw` only.
//!
//! **Files that are not posts** (twarc-csv `users`, `counts`, `lists`,
//! compliance output, or any header without id and text columns) give
//! [`DecodeError::NotFormat`] naming what they look like and listing the
//! header; nothing is emitted.
//!
//! # Generic synonyms
//!
//! Header names are compared lower-cased with `_`, `.`, `-` and spaces
//! removed, so `user_id`, `User ID`, `userId` and `user.id` are one name.
//! For each field the first synonym present wins.
//!
//! | field | synonyms |
//! |---|---|
//! | id | `id, post_id, tweet_id, message_id, status_id` |
//! | author (id) | `author_id, user_id, account_id, from_id` |
//! | author (id or handle) | `author, user, username, screen_name, handle, account` |
//! | handle | `username, screen_name, handle, user_name, author_username, user.screen_name` |
//! | name | `name, display_name, author_name, user_name` |
//! | created_at | `created_at, date, datetime, time, timestamp, published, posted_at, created_date, created` |
//! | text | `text, message, content, body, full_text, tweet, tweet_text` |
//! | reply_to | `reply_to, in_reply_to, reply_id, in_reply_to_status_id, reply_to_id` |
//! | repost_of | `repost_of, retweet_of, repost_id, retweeted_id, retweeted_status_id` |
//! | quote_of | `quote_of, quoted_id, quoted_status_id` |
//! | platform | `platform, network, source_platform` |
//! | lang | `lang, language` |
//! | urls | `urls, url, link, links` |
//! | hashtags | `hashtags` |
//! | metrics | likes `like_count, likes, favorite_count, favourite_count, like`; reposts `retweet_count, repost_count, share_count, retweets, reposts, shares, retweet`; replies `reply_count, comment_count, replies, comments, reply`; quotes `quote_count, quotes`; views `view_count, impression_count, views, impressions` |
//! | location | `location, user_location, author_location` |
//!
//! A column serves as handle or as name, not both (handle first). An author
//! column of the second kind whose cell is not all digits holds a handle: it
//! is both the id part of the actor ref and the handle. Hashtags, mentions
//! and URLs without a column are taken from the text.
//!
//! # `--map`
//!
//! [`DecodeOptions::csv_map`] pairs override the detected column of a field
//! (`id, author, handle, name, created_at, text, reply_to, repost_of,
//! quote_of, platform, lang, urls, hashtags`; `author_id` and `user` mean
//! `author`). With a map, a header that matches no preset is read as generic
//! and needs only an id column. A map naming a column the header lacks, or
//! an unknown field, is [`DecodeError::NotFormat`].

use super::util::{Counted, hashtags_in, mentions_in, urls_in};
use crate::{DecodeError, DecodeOptions, Decoder, Sniff, Summary, time};
use csv::ByteRecord;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufRead};
use tarjuman_model::{
    ActorRecord, Flow, MAX_PROBLEM_RAW, MediaRef, Metrics, Platform, PostLink, PostRecord, Problem,
    Record, RecordSink, UrlRef, actor_ref, post_ref,
};

/// The CSV decoder (see the module documentation for presets and synonyms).
pub struct Csv;

const FORMAT: &str = "csv";

impl Decoder for Csv {
    fn name(&self) -> &'static str {
        FORMAT
    }
    fn about(&self) -> &'static str {
        "CSV of posts: twarc-csv, coordination-network-toolkit, CrowdTangle, CooRTweet, or any CSV with id and text columns (--map to choose columns)"
    }
    fn sniff(&self, head: &[u8], file_name: &str) -> Sniff {
        let h = head.strip_prefix(BOM).unwrap_or(head);
        let t = h.trim_ascii_start();
        if t.starts_with(b"{") || t.starts_with(b"[") {
            return Sniff::No;
        }
        if let Some(header) = header_of(h)
            && make_plan(header, &DecodeOptions::default()).is_ok()
        {
            return Sniff::Certain;
        }
        let lower = file_name.to_ascii_lowercase();
        let mut base = lower.as_str();
        for ext in [".gz", ".zst", ".zstd"] {
            base = base.strip_suffix(ext).unwrap_or(base);
        }
        if base.ends_with(".csv") || base.ends_with(".tsv") {
            return Sniff::Maybe;
        }
        Sniff::No
    }
    fn decode(
        &self,
        input: &mut dyn BufRead,
        opts: &DecodeOptions,
        out: &mut dyn RecordSink,
    ) -> Result<Summary, DecodeError> {
        let delim = match input.fill_buf() {
            Ok(b) => delimiter_of(b.strip_prefix(BOM).unwrap_or(b)),
            Err(source) => return Err(DecodeError::Io { line: 1, source }),
        };
        let mut run = Run {
            opts,
            delim,
            plan: None,
            rows: 0,
            c: Counted::new(out),
        };
        let limit = (opts.max_record_bytes as u64)
            .saturating_mul(2)
            .saturating_add(1 << 20);
        let mut src = Source::new(input, limit);
        src.skip_bom()
            .map_err(|source| DecodeError::Io { line: 1, source })?;
        loop {
            // A segment restarts the CSV reader after an abandoned row.
            let base = src.t.offset;
            src.t.mark = base;
            let mut next = (1 + src.t.newlines, base);
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .delimiter(delim)
                .from_reader(src);
            let mut rec = ByteRecord::new();
            let outcome = loop {
                match rdr.read_byte_record(&mut rec) {
                    Ok(true) => {}
                    Ok(false) => break None,
                    Err(e) => break Some(e),
                }
                let start = base + rec.position().map_or(0, |p| p.byte());
                let end = base + rdr.position().byte();
                let embedded = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
                let t = &mut rdr.get_mut().t;
                let (line, byte) = t.locate(start, end, embedded);
                next = t.after(end);
                t.mark = t.offset;
                run.record(&rec, line, byte)?;
            };
            src = rdr.into_inner();
            let Some(err) = outcome else { break };
            if !src.t.tripped {
                let source = match err.into_kind() {
                    csv::ErrorKind::Io(e) => e,
                    other => io::Error::other(format!("{other:?}")),
                };
                return Err(DecodeError::Io {
                    line: next.0,
                    source,
                });
            }
            let reason = format!(
                "row is longer than {limit} bytes (an unbalanced quote?); it is skipped and reading resumes at the next line"
            );
            if run.plan.is_none() {
                return Err(DecodeError::NotFormat {
                    format: FORMAT,
                    line: next.0,
                    reason: format!("header {reason}"),
                });
            }
            if run.c.problem(Problem::new(next.0, next.1, reason, b"")) == Flow::Stop {
                return Err(DecodeError::Stopped { line: next.0 });
            }
            src.t.tripped = false;
            src.skip_line().map_err(|source| DecodeError::Io {
                line: next.0,
                source,
            })?;
        }
        if run.plan.is_none() {
            return Err(DecodeError::NotFormat {
                format: FORMAT,
                line: 1,
                reason: "empty input: no header row".into(),
            });
        }
        Ok(Summary {
            records: run.c.records,
            problems: run.c.problems,
            lines: src.t.lines(),
        })
    }
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// How far back (bytes) the positions of line terminators are remembered:
/// much more than the CSV reader's look-ahead buffer.
const WINDOW: u64 = 1 << 18;

/// The input as the CSV reader sees it. It counts bytes and newlines and
/// remembers where recent `\r` and `\n` bytes are: the `csv` crate places a
/// record before the `\n` of a preceding CRLF and before skipped blank
/// lines, so lines and offsets are worked out here. It refuses to read more
/// than `limit` bytes past the start of a record.
struct Source<'a> {
    inner: &'a mut dyn BufRead,
    t: Track,
}

/// What [`Source`] has seen.
struct Track {
    /// Bytes handed out.
    offset: u64,
    /// `\n` bytes handed out.
    newlines: u64,
    last: Option<u8>,
    /// Recent `\r`/`\n` bytes: offset, newlines up to and including it, is `\n`.
    ends: VecDeque<(u64, u64, bool)>,
    /// Newlines up to the last entry dropped from `ends`.
    dropped: u64,
    /// Offset where reading of the current record began.
    mark: u64,
    limit: u64,
    /// Set when reading stopped at `limit`.
    tripped: bool,
}

impl Track {
    fn account(&mut self, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.newlines += u64::from(b == b'\n');
                self.ends
                    .push_back((self.offset + i as u64, self.newlines, b == b'\n'));
            }
        }
        self.offset += bytes.len() as u64;
        if let Some(&b) = bytes.last() {
            self.last = Some(b);
        }
        let keep = self.offset.saturating_sub(WINDOW);
        while let Some(&(o, n, _)) = self.ends.front() {
            if o >= keep {
                break;
            }
            self.dropped = n;
            self.ends.pop_front();
        }
    }

    /// Newlines before offset `x` (which must lie inside the window).
    fn newlines_before(&self, x: u64) -> u64 {
        match self.ends.partition_point(|e| e.0 < x) {
            0 => self.dropped,
            i => self.ends.get(i - 1).map_or(self.dropped, |e| e.1),
        }
    }

    /// `Some(is_newline)` when the byte at `x` is `\r` or `\n` (inside the window).
    fn terminator_at(&self, x: u64) -> Option<bool> {
        let i = self.ends.binary_search_by(|e| e.0.cmp(&x)).ok()?;
        self.ends.get(i).map(|e| e.2)
    }

    /// Line and offset of a record the CSV reader placed at `start` and
    /// finished at `end`, whose fields hold `embedded` newlines.
    fn locate(&self, start: u64, end: u64, embedded: u64) -> (u64, u64) {
        let term = u64::from(end > 0 && self.terminator_at(end - 1) == Some(true));
        let line = 1 + self.newlines_before(end).saturating_sub(embedded + term);
        let mut byte = start;
        while byte < end && self.terminator_at(byte).is_some() {
            byte += 1;
        }
        (line, byte)
    }

    /// Line and offset where the record after one ending at `end` starts.
    fn after(&self, end: u64) -> (u64, u64) {
        let (mut nl, mut byte) = (self.newlines_before(end), end);
        while let Some(is_nl) = self.terminator_at(byte) {
            nl += u64::from(is_nl);
            byte += 1;
        }
        (1 + nl, byte)
    }

    /// Lines seen: newlines, plus one for a last line without a newline.
    fn lines(&self) -> u64 {
        self.newlines + u64::from(self.last.is_some_and(|b| b != b'\n'))
    }
}

impl<'a> Source<'a> {
    fn new(inner: &'a mut dyn BufRead, limit: u64) -> Self {
        Source {
            inner,
            t: Track {
                offset: 0,
                newlines: 0,
                last: None,
                ends: VecDeque::new(),
                dropped: 0,
                mark: 0,
                limit,
                tripped: false,
            },
        }
    }

    fn skip_bom(&mut self) -> io::Result<()> {
        if self.inner.fill_buf()?.starts_with(BOM) {
            self.inner.consume(BOM.len());
            self.t.account(BOM);
        }
        Ok(())
    }

    /// Consumes input up to and including the next newline.
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let (n, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            self.t.account(&buf[..n]);
            self.inner.consume(n);
            if done {
                return Ok(());
            }
        }
    }
}

impl io::Read for Source<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.t.tripped || self.t.offset.saturating_sub(self.t.mark) > self.t.limit {
            self.t.tripped = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "CSV row longer than the limit",
            ));
        }
        let buf = self.inner.fill_buf()?;
        let n = buf.len().min(out.len());
        out[..n].copy_from_slice(&buf[..n]);
        self.t.account(&buf[..n]);
        self.inner.consume(n);
        Ok(n)
    }
}

/// Picks the delimiter from the first line: tab when it has more tabs than
/// commas, `;` when it has neither commas nor tabs but semicolons, else `,`.
fn delimiter_of(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let (mut commas, mut tabs, mut semis, mut quoted) = (0, 0, 0, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b'\t' if !quoted => tabs += 1,
            b';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if tabs > commas {
        b'\t'
    } else if commas == 0 && semis > 0 {
        b';'
    } else {
        b','
    }
}

/// The header row of `head` (BOM already removed), when its first line parses as CSV.
fn header_of(head: &[u8]) -> Option<Vec<String>> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter_of(line))
        .from_reader(line);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => Some(header_names(&rec)),
        _ => None,
    }
}

fn header_names(rec: &ByteRecord) -> Vec<String> {
    rec.iter()
        .enumerate()
        .map(|(i, f)| {
            let s = String::from_utf8_lossy(f);
            let s = if i == 0 {
                s.trim_start_matches('\u{feff}')
            } else {
                &s
            };
            s.trim().to_string()
        })
        .collect()
}

/// The name of the preset a header row matches (`twarc-csv`,
/// `coordination-network-toolkit`, `crowdtangle`, `coortweet`, `generic`),
/// or `None`. A match does not promise the file decodes: a CrowdTangle
/// export without a text column matches `crowdtangle` and is then refused.
pub fn preset_of(header: &[String]) -> Option<&'static str> {
    detect(&Header::new(header.to_vec())).map(Preset::name)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Preset {
    TwarcCsv,
    Cnt,
    CrowdTangle,
    CooRTweet,
    Generic,
}

impl Preset {
    fn name(self) -> &'static str {
        match self {
            Preset::TwarcCsv => "twarc-csv",
            Preset::Cnt => "coordination-network-toolkit",
            Preset::CrowdTangle => "crowdtangle",
            Preset::CooRTweet => "coortweet",
            Preset::Generic => "generic",
        }
    }
}

const SYN_ID: &[&str] = &["id", "post_id", "tweet_id", "message_id", "status_id"];
const SYN_AUTHOR_ID: &[&str] = &["author_id", "user_id", "account_id", "from_id"];
const SYN_AUTHOR_ANY: &[&str] = &[
    "author",
    "user",
    "username",
    "screen_name",
    "handle",
    "account",
];
const SYN_HANDLE: &[&str] = &[
    "username",
    "screen_name",
    "handle",
    "user_name",
    "author_username",
    "user.screen_name",
];
const SYN_NAME: &[&str] = &["name", "display_name", "author_name", "user_name"];
const SYN_CREATED: &[&str] = &[
    "created_at",
    "date",
    "datetime",
    "time",
    "timestamp",
    "published",
    "posted_at",
    "created_date",
    "created",
];
const SYN_TEXT: &[&str] = &[
    "text",
    "message",
    "content",
    "body",
    "full_text",
    "tweet",
    "tweet_text",
];
const SYN_REPLY: &[&str] = &[
    "reply_to",
    "in_reply_to",
    "reply_id",
    "in_reply_to_status_id",
    "reply_to_id",
];
const SYN_REPOST: &[&str] = &[
    "repost_of",
    "retweet_of",
    "repost_id",
    "retweeted_id",
    "retweeted_status_id",
];
const SYN_QUOTE: &[&str] = &["quote_of", "quoted_id", "quoted_status_id"];
const SYN_PLATFORM: &[&str] = &["platform", "network", "source_platform"];
const SYN_LANG: &[&str] = &["lang", "language"];
const SYN_URLS: &[&str] = &["urls", "url", "link", "links"];
const SYN_HASHTAGS: &[&str] = &["hashtags"];
const SYN_LIKES: &[&str] = &[
    "like_count",
    "likes",
    "favorite_count",
    "favourite_count",
    "like",
];
const SYN_REPOSTS: &[&str] = &[
    "retweet_count",
    "repost_count",
    "share_count",
    "retweets",
    "reposts",
    "shares",
    "retweet",
];
const SYN_REPLIES: &[&str] = &[
    "reply_count",
    "comment_count",
    "replies",
    "comments",
    "reply",
];
const SYN_QUOTES: &[&str] = &["quote_count", "quotes"];
const SYN_VIEWS: &[&str] = &["view_count", "impression_count", "views", "impressions"];
const SYN_LOCATION: &[&str] = &["location", "user_location", "author_location"];

const CNT_COLUMNS: &[&str] = &[
    "message_id",
    "user_id",
    "username",
    "repost_id",
    "reply_id",
    "message",
    "timestamp",
    "urls",
];

/// A header name compared loosely: lower-case, without `_`, `.`, `-`, spaces.
fn norm(s: &str) -> String {
    s.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, '_' | '.' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

struct Header {
    names: Vec<String>,
    lower: Vec<String>,
    norm: Vec<String>,
}

impl Header {
    fn new(names: Vec<String>) -> Header {
        let names: Vec<String> = names
            .into_iter()
            .map(|n| n.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let lower = names.iter().map(|n| n.to_lowercase()).collect();
        let norm = names.iter().map(|n| norm(n)).collect();
        Header { names, lower, norm }
    }
    /// The column named exactly `name` (case-insensitive).
    fn exact(&self, name: &str) -> Option<usize> {
        self.lower.iter().position(|n| n == name)
    }
    /// The first of `names` present, compared exactly (case-insensitive).
    fn first(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.exact(n))
    }
    fn has(&self, name: &str) -> bool {
        self.exact(name).is_some()
    }
    /// The first synonym present, compared loosely.
    fn syn(&self, syns: &[&str]) -> Option<usize> {
        syns.iter().find_map(|s| {
            let k = norm(s);
            self.norm.iter().position(|n| *n == k)
        })
    }
    /// The header, listed for error messages.
    fn list(&self) -> String {
        const MAX: usize = 40;
        let mut s: Vec<String> = self
            .names
            .iter()
            .take(MAX)
            .map(|n| format!("{n:?}"))
            .collect();
        if self.names.len() > MAX {
            s.push(format!("… ({} more)", self.names.len() - MAX));
        }
        s.join(", ")
    }
}

fn detect(h: &Header) -> Option<Preset> {
    let twarc_marks = [
        "referenced_tweets.replied_to.id",
        "referenced_tweets.retweeted.id",
        "referenced_tweets.quoted.id",
        "author.username",
        "public_metrics.like_count",
        "__twarc.url",
    ];
    if h.has("id") && h.has("text") && h.has("author_id") && twarc_marks.iter().any(|m| h.has(m)) {
        return Some(Preset::TwarcCsv);
    }
    if CNT_COLUMNS.iter().all(|c| h.has(c)) {
        return Some(Preset::Cnt);
    }
    let dashboard = (h.has("page name") || h.has("facebook id"))
        && [
            "post created",
            "message",
            "url",
            "user name",
            "link",
            "likes",
        ]
        .iter()
        .any(|c| h.has(c));
    let api = (h.has("platformid") || h.has("posturl"))
        && h.lower.iter().any(|n| n.starts_with("account_"));
    if dashboard || api {
        return Some(Preset::CrowdTangle);
    }
    let coor_canonical = h.has("object_id") && h.has("account_id") && h.has("content_id");
    let coor_multi = h.has("account_id")
        && h.has("post_id")
        && h.has("timestamp")
        && ["url_id", "hashtag_id", "domain_id", "phash_id"]
            .iter()
            .any(|c| h.has(c));
    if coor_canonical || coor_multi {
        return Some(Preset::CooRTweet);
    }
    if h.syn(SYN_ID).is_some() && h.syn(SYN_TEXT).is_some() {
        return Some(Preset::Generic);
    }
    None
}

/// Which column feeds each part of a post.
#[derive(Clone, Debug, Default)]
struct Cols {
    id: Option<usize>,
    author: Option<usize>,
    /// The author column holds ids, never handles.
    author_is_id: bool,
    handle: Option<usize>,
    name: Option<usize>,
    location: Option<usize>,
    description: Option<usize>,
    followers: Option<usize>,
    seen_at: Option<usize>,
    created_at: Option<usize>,
    text: Option<usize>,
    lang: Option<usize>,
    platform: Option<usize>,
    reply_to: Option<usize>,
    reply_actor: Option<usize>,
    repost_of: Option<usize>,
    repost_actor: Option<usize>,
    quote_of: Option<usize>,
    quote_actor: Option<usize>,
    urls: Option<usize>,
    /// CrowdTangle: the expanded form of `urls` (`Final Link`, `expanded`).
    expanded: Option<usize>,
    hashtags: Option<usize>,
    mentions: Option<usize>,
    media: Option<usize>,
    media_keys: Option<usize>,
    edits: Option<usize>,
    likes: Option<usize>,
    reposts: Option<usize>,
    replies: Option<usize>,
    quotes: Option<usize>,
    views: Option<usize>,
    /// CrowdTangle: the post's URL, a source of its id.
    post_url: Option<usize>,
    /// CooRTweet: the shared object.
    object: Option<usize>,
    /// twarc-csv: (handle column, id column) pairs, to give mentions their ids.
    id_pairs: Vec<(usize, usize)>,
}

fn cols_for(p: Preset, h: &Header) -> Cols {
    let mut c = Cols::default();
    match p {
        Preset::TwarcCsv => {
            c.id = h.exact("id");
            c.author = h.first(&["author_id", "author.id"]);
            c.author_is_id = true;
            c.handle = h.exact("author.username");
            c.name = h.exact("author.name");
            c.location = h.exact("author.location");
            c.description = h.exact("author.description");
            c.followers = h.exact("author.public_metrics.followers_count");
            c.seen_at = h.exact("__twarc.retrieved_at");
            c.created_at = h.exact("created_at");
            c.text = h.exact("text");
            c.lang = h.exact("lang");
            c.reply_to = h.exact("referenced_tweets.replied_to.id");
            c.reply_actor = h.exact("in_reply_to_user_id");
            c.repost_of = h.exact("referenced_tweets.retweeted.id");
            c.repost_actor = h.exact("retweeted_user_id");
            c.quote_of = h.exact("referenced_tweets.quoted.id");
            c.quote_actor = h.exact("quoted_user_id");
            c.urls = h.exact("entities.urls");
            c.hashtags = h.exact("entities.hashtags");
            c.mentions = h.exact("entities.mentions");
            c.media = h.exact("attachments.media");
            c.media_keys = h.exact("attachments.media_keys");
            c.edits = h.exact("edit_history_tweet_ids");
            c.likes = h.exact("public_metrics.like_count");
            c.reposts = h.exact("public_metrics.retweet_count");
            c.replies = h.exact("public_metrics.reply_count");
            c.quotes = h.exact("public_metrics.quote_count");
            c.views = h.exact("public_metrics.impression_count");
            for (hc, ic) in [
                ("author.username", "author_id"),
                ("in_reply_to_username", "in_reply_to_user_id"),
                ("retweeted_username", "retweeted_user_id"),
                ("quoted_username", "quoted_user_id"),
            ] {
                if let (Some(a), Some(b)) = (h.exact(hc), h.exact(ic)) {
                    c.id_pairs.push((a, b));
                }
            }
        }
        Preset::Cnt => {
            c.id = h.exact("message_id");
            c.author = h.exact("user_id");
            c.author_is_id = true;
            c.handle = h.exact("username");
            c.repost_of = h.exact("repost_id");
            c.reply_to = h.exact("reply_id");
            c.text = h.exact("message");
            c.created_at = h.exact("timestamp");
            c.urls = h.exact("urls");
            c.platform = h.syn(SYN_PLATFORM);
        }
        Preset::CrowdTangle => {
            c.id = h.exact("platformid");
            c.post_url = h.first(&["url", "posturl"]);
            c.author = h.first(&["facebook id", "account_platformid", "account_id"]);
            c.author_is_id = true;
            c.handle = h.first(&["user name", "account_handle"]);
            c.name = h.first(&["page name", "account_name"]);
            c.description = h.exact("page description");
            c.followers = h.first(&["followers at posting", "account_subscribercount"]);
            c.created_at = h.first(&["post created", "date"]);
            c.text = h.exact("message");
            c.lang = h.first(&["languagecode", "language"]);
            c.platform = h.exact("platform");
            c.urls = h.exact("link");
            c.expanded = h.first(&["final link", "expanded"]);
            c.likes = h.first(&["likes", "statistics_actual_likecount"]);
            c.replies = h.first(&["comments", "statistics_actual_commentcount"]);
            c.reposts = h.first(&["shares", "statistics_actual_sharecount"]);
            c.views = h.exact("post views");
        }
        Preset::CooRTweet => {
            c.id = h.first(&["content_id", "post_id"]);
            c.author = h.exact("account_id");
            c.author_is_id = true;
            c.created_at = h.first(&["timestamp_share", "timestamp"]);
            c.object = h.exact("object_id");
            c.text = h.syn(SYN_TEXT);
        }
        Preset::Generic => {
            c.id = h.syn(SYN_ID);
            match h.syn(SYN_AUTHOR_ID) {
                Some(a) => {
                    c.author = Some(a);
                    c.author_is_id = true;
                }
                None => c.author = h.syn(SYN_AUTHOR_ANY),
            }
            c.handle = h.syn(SYN_HANDLE);
            c.name = h.syn(SYN_NAME).filter(|n| Some(*n) != c.handle);
            c.location = h.syn(SYN_LOCATION);
            c.created_at = h.syn(SYN_CREATED);
            c.text = h.syn(SYN_TEXT);
            c.reply_to = h.syn(SYN_REPLY);
            c.repost_of = h.syn(SYN_REPOST);
            c.quote_of = h.syn(SYN_QUOTE);
            c.platform = h.syn(SYN_PLATFORM);
            c.lang = h.syn(SYN_LANG);
            c.urls = h.syn(SYN_URLS);
            c.hashtags = h.syn(SYN_HASHTAGS);
            c.likes = h.syn(SYN_LIKES);
            c.reposts = h.syn(SYN_REPOSTS);
            c.replies = h.syn(SYN_REPLIES);
            c.quotes = h.syn(SYN_QUOTES);
            c.views = h.syn(SYN_VIEWS);
        }
    }
    c
}

/// Why a header cannot be decoded; `problem` asks for a header [`Problem`] too.
struct Reject {
    reason: String,
    problem: bool,
}

impl Reject {
    fn new(reason: String) -> Reject {
        Reject {
            reason,
            problem: false,
        }
    }
}

/// How to read the rows of one file.
struct Plan {
    preset: Preset,
    names: Vec<String>,
    /// JSON keys of `raw`, one per header column, unique.
    keys: Vec<String>,
    c: Cols,
    source: String,
}

const MAP_FIELDS: &str = "id, author, handle, name, created_at, text, reply_to, repost_of, quote_of, platform, lang, urls, hashtags";

fn make_plan(header: Vec<String>, opts: &DecodeOptions) -> Result<Plan, Reject> {
    let h = Header::new(header);
    let detected = detect(&h);
    let mut c = cols_for(detected.unwrap_or(Preset::Generic), &h);
    for (field, column) in &opts.csv_map {
        let col = column.trim();
        let Some(i) = h.names.iter().position(|n| n == col).or_else(|| {
            let l = col.to_lowercase();
            h.lower.iter().position(|n| *n == l)
        }) else {
            return Err(Reject::new(format!(
                "--map {field}={column}: the header has no column {col:?}; columns: {}",
                h.list()
            )));
        };
        match norm(field).as_str() {
            "id" => c.id = Some(i),
            "author" | "authorid" | "user" => {
                c.author = Some(i);
                c.author_is_id =
                    SYN_AUTHOR_ID.iter().any(|s| norm(s) == h.norm[i]) || h.norm[i].ends_with("id");
            }
            "handle" => c.handle = Some(i),
            "name" => c.name = Some(i),
            "createdat" => c.created_at = Some(i),
            "text" => c.text = Some(i),
            "replyto" => c.reply_to = Some(i),
            "repostof" => c.repost_of = Some(i),
            "quoteof" => c.quote_of = Some(i),
            "platform" => c.platform = Some(i),
            "lang" => c.lang = Some(i),
            "urls" => {
                c.urls = Some(i);
                c.expanded = None;
            }
            "hashtags" => c.hashtags = Some(i),
            _ => {
                return Err(Reject::new(format!(
                    "--map: unknown field {field:?}; fields are {MAP_FIELDS}"
                )));
            }
        }
    }
    let preset = match detected {
        Some(p) => p,
        None if !opts.csv_map.is_empty() => Preset::Generic,
        None => {
            return Err(Reject::new(format!(
                "{}; columns: {}",
                not_posts(&h),
                h.list()
            )));
        }
    };
    if preset == Preset::CrowdTangle {
        if c.text.is_none() {
            let mut missing = vec!["`Message` (or `message`): the post text"];
            if c.id.is_none() && c.post_url.is_none() {
                missing.push("`platformId` or `URL`/`postUrl`: the post id");
            }
            return Err(Reject {
                reason: format!(
                    "a CrowdTangle export without posts: missing {}; columns: {}",
                    missing.join(", "),
                    h.list()
                ),
                problem: true,
            });
        }
    } else if c.id.is_none() {
        return Err(Reject::new(format!(
            "no id column (map one with --map id=<column>); columns: {}",
            h.list()
        )));
    }
    let mut seen = HashSet::new();
    let keys = h
        .names
        .iter()
        .map(|n| {
            let mut k = n.clone();
            let mut i = 1;
            while !seen.insert(k.clone()) {
                i += 1;
                k = format!("{n} #{i}");
            }
            k
        })
        .collect();
    Ok(Plan {
        preset,
        names: h.names,
        keys,
        c,
        source: opts.source_name.clone(),
    })
}

/// What a header without posts looks like, for the error message.
fn not_posts(h: &Header) -> &'static str {
    if h.has("tweet_count") && h.has("start") && h.has("end") {
        "a tweet-counts file (twarc-csv counts), not posts"
    } else if h.has("action") && h.has("reason") && h.has("id") {
        "a compliance file (twarc-csv compliance: deletion notices), not posts; decode the compliance JSONL with twarc2 instead"
    } else if h.has("owner_id") && h.has("member_count") {
        "a file of lists (twarc-csv lists), not posts"
    } else if h.has("username")
        && (h.has("pinned_tweet_id") || h.has("public_metrics.followers_count"))
    {
        "a file of user profiles (twarc-csv users), not posts"
    } else {
        "no id and text columns (name them with --map id=<column> --map text=<column>)"
    }
}

/// The decoding state of one run.
struct Run<'a> {
    opts: &'a DecodeOptions,
    delim: u8,
    plan: Option<Plan>,
    rows: u64,
    c: Counted<'a>,
}

impl Run<'_> {
    fn record(&mut self, rec: &ByteRecord, line: u64, byte: u64) -> Result<(), DecodeError> {
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            return Ok(());
        }
        let Some(plan) = &self.plan else {
            return match make_plan(header_names(rec), self.opts) {
                Ok(p) => {
                    self.plan = Some(p);
                    Ok(())
                }
                Err(r) => {
                    if r.problem {
                        let _ = self.c.problem(Problem::new(
                            line,
                            byte,
                            r.reason.clone(),
                            &csv_bytes(rec, self.delim),
                        ));
                    }
                    Err(DecodeError::NotFormat {
                        format: FORMAT,
                        line,
                        reason: r.reason,
                    })
                }
            };
        };
        self.rows += 1;
        let flow = match row(plan, rec, self.rows, self.opts.max_record_bytes) {
            Ok(p) => self.c.record(line, Record::Post(Box::new(p))),
            Err(reason) => self.c.problem(Problem::new(
                line,
                byte,
                reason,
                &csv_bytes(rec, self.delim),
            )),
        };
        if flow == Flow::Stop {
            Err(DecodeError::Stopped { line })
        } else {
            Ok(())
        }
    }
}

/// The row written back as CSV, for a [`Problem`]'s `raw` (at most [`MAX_PROBLEM_RAW`] bytes).
fn csv_bytes(rec: &ByteRecord, delim: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in rec.iter().enumerate() {
        if out.len() > MAX_PROBLEM_RAW {
            break;
        }
        if i > 0 {
            out.push(delim);
        }
        if f.iter()
            .any(|&b| b == delim || b == b'"' || b == b'\n' || b == b'\r')
        {
            out.push(b'"');
            for &b in f.iter().take(MAX_PROBLEM_RAW) {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(&f[..f.len().min(MAX_PROBLEM_RAW)]);
        }
    }
    out
}

/// One data row to a post, or the reason it is a problem.
fn row(plan: &Plan, rec: &ByteRecord, n: u64, max: usize) -> Result<PostRecord, String> {
    let size: usize = rec.iter().map(<[u8]>::len).sum();
    if size > max {
        return Err(format!(
            "row is {size} bytes, more than the {max}-byte limit"
        ));
    }
    let mut cells = Vec::with_capacity(rec.len());
    for (i, f) in rec.iter().enumerate() {
        match std::str::from_utf8(f) {
            Ok(s) => cells.push(s),
            Err(e) => {
                return Err(format!(
                    "column {:?}: not valid UTF-8 (bad byte at {})",
                    plan.col_name(i),
                    e.valid_up_to()
                ));
            }
        }
    }
    let json = plan.preset == Preset::TwarcCsv
        && plan
            .c
            .id
            .and_then(|i| cells.get(i))
            .is_some_and(|s| s.trim_start().starts_with('"'));
    let r = Row {
        cells,
        twarc: plan.preset == Preset::TwarcCsv,
        json,
    };
    plan.post(&r, n)
}

/// The cells of one row, read the way its preset needs.
struct Row<'a> {
    cells: Vec<&'a str>,
    /// twarc-csv: `\n` in cells stands for a newline.
    twarc: bool,
    /// twarc-csv `--json-encode-text`: string cells are JSON strings.
    json: bool,
}

impl<'a> Row<'a> {
    /// The cell as written.
    fn raw(&self, col: Option<usize>) -> Option<&'a str> {
        col.and_then(|i| self.cells.get(i).copied())
    }
    /// The cell, untrimmed, with twarc-csv escapes undone.
    fn text(&self, col: Option<usize>) -> Option<Cow<'a, str>> {
        let s = self.raw(col)?;
        if self.json
            && let Ok(Value::String(v)) = serde_json::from_str::<Value>(s)
        {
            return Some(Cow::Owned(v));
        }
        if self.twarc && s.contains("\\n") {
            return Some(Cow::Owned(s.replace("\\n", "\n")));
        }
        Some(Cow::Borrowed(s))
    }
    /// The cell trimmed, when not empty.
    fn val(&self, col: Option<usize>) -> Option<String> {
        let s = self.text(col)?;
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_string())
    }
    /// A JSON list cell (twarc-csv entities); `None` when absent or empty,
    /// `Some(Err(()))` when it is not a JSON list.
    fn list(&self, col: Option<usize>) -> Option<Result<Vec<Value>, ()>> {
        let s = self.raw(col)?.trim();
        if s.is_empty() {
            return None;
        }
        Some(serde_json::from_str::<Vec<Value>>(s).map_err(|_| ()))
    }
}

impl Plan {
    fn col_name(&self, i: usize) -> String {
        self.names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1))
    }

    /// A post ref in `platform`'s namespace, or the file's own (`csv:<source>:<id>`).
    fn post_ref(&self, platform: Platform, id: &str) -> String {
        if platform == Platform::Other {
            format!("csv:{}:{}", self.source, id)
        } else {
            post_ref(platform, None, id)
        }
    }

    fn actor_ref(&self, platform: Platform, id: &str) -> String {
        if platform == Platform::Other {
            format!("csv:{}:{}", self.source, id)
        } else {
            actor_ref(platform, id)
        }
    }

    fn post(&self, r: &Row<'_>, n: u64) -> Result<PostRecord, String> {
        let c = &self.c;
        let named = |col: Option<usize>| col.map(|i| self.col_name(i)).unwrap_or_default();
        let row_platform = r.val(c.platform).and_then(|p| Platform::parse(&p));
        let post_url = r.val(c.post_url);
        let platform = match self.preset {
            Preset::TwarcCsv => Platform::X,
            Preset::CrowdTangle => row_platform.unwrap_or_else(|| {
                if post_url
                    .as_deref()
                    .is_some_and(|u| u.contains("instagram.com"))
                {
                    Platform::Instagram
                } else {
                    Platform::Facebook
                }
            }),
            _ => row_platform.unwrap_or(Platform::Other),
        };
        let text = r.text(c.text).map(Cow::into_owned).unwrap_or_default();
        let created_raw = r.val(c.created_at);
        let mut created_at = match &created_raw {
            Some(s) => match time::flexible(s) {
                Some(t) => Some(t),
                None => {
                    return Err(format!(
                        "column {:?}: {s:?} is not a time",
                        named(c.created_at)
                    ));
                }
            },
            None => None,
        };

        // The author.
        let author_val = r.val(c.author);
        let mut author = ActorRecord {
            handle: r
                .val(c.handle)
                .map(|h| h.trim_start_matches('@').to_string()),
            display_name: r.val(c.name),
            location: r.val(c.location),
            description: r
                .text(c.description)
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty()),
            followers: r.raw(c.followers).and_then(count),
            seen_at: r.val(c.seen_at).and_then(|s| time::flexible(&s)),
            ..ActorRecord::default()
        };
        if self.preset == Preset::CrowdTangle {
            let id = author_val
                .clone()
                .or_else(|| post_url.as_deref().and_then(fb_page_of));
            author.ref_ = match (id, &author.handle, &author.display_name) {
                (Some(i), _, _) => actor_ref(platform, &i),
                (None, Some(h), _) => actor_ref(platform, h),
                (None, None, Some(name)) => format!("csv:{}:{}", self.source, name),
                _ => String::new(),
            };
        } else if let Some(a) = author_val {
            let bare = a.trim_start_matches('@');
            let is_handle = !c.author_is_id && !bare.bytes().all(|b| b.is_ascii_digit());
            let id = if is_handle { bare } else { a.as_str() };
            author.ref_ = self.actor_ref(platform, id);
            if is_handle {
                author.handle = author.handle.or_else(|| Some(bare.to_string()));
            } else if c.handle == c.author {
                // The one column holds an id in this row, not a handle.
                author.handle = None;
            }
        } else if let Some(h) = &author.handle {
            author.ref_ = self.actor_ref(platform, h);
        }

        // The id and ref.
        let (native_id, ref_) = match self.preset {
            Preset::CrowdTangle if c.id.is_none() && c.post_url.is_none() => {
                let id = n.to_string();
                (id.clone(), format!("csv:{}:{}", self.source, id))
            }
            Preset::CrowdTangle if c.id.is_none() => {
                let Some(u) = &post_url else {
                    return Err(format!(
                        "column {:?} is empty: a row needs a post URL or id",
                        named(c.post_url)
                    ));
                };
                let account = author_val_numeric(r.val(c.author));
                let id = fb_post_id(u, account.as_deref()).unwrap_or_else(|| {
                    let key = format!(
                        "{u}\x1f{}\x1f{}",
                        created_raw.as_deref().unwrap_or(""),
                        author.display_name.as_deref().unwrap_or("")
                    );
                    format!("h{:016x}", fnv1a(key.as_bytes()))
                });
                (id.clone(), post_ref(platform, None, &id))
            }
            _ => {
                let Some(id) = r.val(c.id) else {
                    return Err(format!(
                        "column {:?} is empty: a row needs an id",
                        named(c.id)
                    ));
                };
                if platform == Platform::X
                    && self.preset == Preset::TwarcCsv
                    && !id.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(format!(
                        "column {:?}: {id:?} is not a tweet id",
                        named(c.id)
                    ));
                }
                let rf = if self.preset == Preset::CrowdTangle {
                    post_ref(platform, None, &id)
                } else {
                    self.post_ref(platform, &id)
                };
                (id, rf)
            }
        };
        if created_at.is_none() && self.preset == Preset::TwarcCsv {
            created_at = native_id
                .parse()
                .ok()
                .and_then(time::snowflake_ms)
                .map(|ms| ms / 1000);
        }

        let mut p = PostRecord::new(platform, ref_, native_id, author);
        p.created_at = created_at;
        p.lang = r.val(c.lang);
        let link = |col: Option<usize>, actor: Option<usize>| {
            r.val(col).map(|id| PostLink {
                post: self.post_ref(platform, &id),
                actor: r.val(actor).map(|a| self.actor_ref(platform, &a)),
            })
        };
        p.reply_to = link(c.reply_to, c.reply_actor);
        p.repost_of = link(c.repost_of, c.repost_actor);
        p.quote_of = link(c.quote_of, c.quote_actor);
        if let Some(o) = r.val(c.object) {
            if o.starts_with("http://") || o.starts_with("https://") {
                p.urls.push(UrlRef {
                    given: o,
                    expanded: None,
                });
            } else if p.repost_of.is_none() {
                p.repost_of = Some(PostLink {
                    post: self.post_ref(platform, &o),
                    actor: None,
                });
            }
        }
        p.metrics = Metrics {
            likes: r.raw(c.likes).and_then(count),
            reposts: r.raw(c.reposts).and_then(count),
            replies: r.raw(c.replies).and_then(count),
            quotes: r.raw(c.quotes).and_then(count),
            views: r.raw(c.views).and_then(count),
        };
        if self.preset == Preset::TwarcCsv {
            self.twarc_extras(r, &mut p, &text);
        } else {
            self.plain_entities(r, &mut p, &text);
        }
        p.text = text;
        p.raw = self.raw_json(r);
        Ok(p)
    }

    /// Hashtags, mentions and URLs from plain columns or the text.
    fn plain_entities(&self, r: &Row<'_>, p: &mut PostRecord, text: &str) {
        let c = &self.c;
        p.hashtags = match r.raw(c.hashtags) {
            Some(cell) => split_list(cell)
                .iter()
                .flat_map(|t| t.split([',', ';']))
                .map(|t| t.trim().trim_start_matches(['#', '＃']).to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            None => hashtags_in(text),
        };
        if self.preset != Preset::CrowdTangle {
            p.mentions = mentions_in(text)
                .into_iter()
                .map(|h| ActorRecord {
                    handle: Some(h),
                    ..ActorRecord::default()
                })
                .collect();
        }
        match (r.raw(c.urls), self.preset) {
            (Some(_), Preset::CrowdTangle) => {
                let given = r.val(c.urls);
                let expanded = r.val(c.expanded);
                match (given, expanded) {
                    (Some(g), e) => {
                        let e = e.filter(|e| *e != g);
                        p.urls.push(UrlRef {
                            given: g,
                            expanded: e,
                        });
                    }
                    (None, Some(e)) => p.urls.push(UrlRef {
                        given: e,
                        expanded: None,
                    }),
                    (None, None) => {}
                }
            }
            (Some(cell), _) => {
                p.urls.extend(split_list(cell).into_iter().map(|u| UrlRef {
                    given: u,
                    expanded: None,
                }));
            }
            (None, _) => {
                if p.urls.is_empty() {
                    p.urls = urls_in(text)
                        .into_iter()
                        .map(|u| UrlRef {
                            given: u,
                            expanded: None,
                        })
                        .collect();
                }
            }
        }
    }

    /// twarc-csv: entities from their JSON lists, media, edits, merged retweets.
    fn twarc_extras(&self, r: &Row<'_>, p: &mut PostRecord, text: &str) {
        let c = &self.c;
        let known: HashMap<String, String> = c
            .id_pairs
            .iter()
            .filter_map(|&(hc, ic)| Some((r.val(Some(hc))?.to_lowercase(), r.val(Some(ic))?)))
            .collect();
        p.hashtags = match r.list(c.hashtags) {
            Some(Ok(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.trim_start_matches(['#', '＃']).to_string()),
                    Value::Object(o) => o.get("tag").and_then(Value::as_str).map(str::to_string),
                    _ => None,
                })
                .filter(|t| !t.is_empty())
                .collect(),
            None if c.hashtags.is_some() => Vec::new(),
            _ => hashtags_in(text),
        };
        let mention = |handle: Option<String>, id: Option<String>| -> Option<ActorRecord> {
            let handle = handle
                .map(|h| h.trim_start_matches('@').to_string())
                .filter(|h| !h.is_empty());
            let id = id.or_else(|| {
                handle
                    .as_ref()
                    .and_then(|h| known.get(&h.to_lowercase()).cloned())
            });
            if handle.is_none() && id.is_none() {
                return None;
            }
            Some(ActorRecord {
                ref_: id.map(|i| actor_ref(Platform::X, &i)).unwrap_or_default(),
                handle,
                ..ActorRecord::default()
            })
        };
        let mentions: Vec<ActorRecord> = match r.list(c.mentions) {
            Some(Ok(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => mention(Some(s.clone()), None),
                    Value::Object(o) => mention(
                        o.get("username")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        o.get("id").and_then(json_id),
                    ),
                    _ => None,
                })
                .collect(),
            None if c.mentions.is_some() => Vec::new(),
            _ => mentions_in(text)
                .into_iter()
                .filter_map(|h| mention(Some(h), None))
                .collect(),
        };
        for m in mentions {
            let dup = p.mentions.iter().any(|x| {
                (!m.ref_.is_empty() && x.ref_ == m.ref_)
                    || (m.ref_.is_empty() && x.ref_.is_empty() && x.handle == m.handle)
            });
            if !dup {
                p.mentions.push(m);
            }
        }
        p.urls = match r.list(c.urls) {
            Some(Ok(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) if !s.is_empty() => Some(UrlRef {
                        given: s.clone(),
                        expanded: None,
                    }),
                    Value::Object(o) => {
                        let get = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
                        let expanded = get("unwound_url").or(get("expanded_url"));
                        match get("url") {
                            Some(u) => Some(UrlRef { given: u, expanded }),
                            None => expanded.map(|e| UrlRef {
                                given: e,
                                expanded: None,
                            }),
                        }
                    }
                    _ => None,
                })
                .collect(),
            None if c.urls.is_some() => Vec::new(),
            _ => urls_in(text)
                .into_iter()
                .map(|u| UrlRef {
                    given: u,
                    expanded: None,
                })
                .collect(),
        };
        if let Some(Ok(items)) = r.list(c.media) {
            for o in items.iter().filter_map(Value::as_object) {
                let get = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
                if let Some(k) = get("media_key") {
                    p.media.push(MediaRef {
                        kind: get("type").unwrap_or_else(|| "media".into()),
                        key: media_key(&k),
                        url: get("url").or(get("preview_image_url")),
                    });
                }
            }
        }
        if let Some(Ok(keys)) = r.list(c.media_keys) {
            for k in keys.iter().filter_map(json_id) {
                let key = media_key(&k);
                if !p.media.iter().any(|m| m.key == key) {
                    p.media.push(MediaRef {
                        kind: "media".into(),
                        key,
                        url: None,
                    });
                }
            }
        }
        if let Some(Ok(ids)) = r.list(c.edits) {
            let ids: Vec<String> = ids.iter().filter_map(json_id).collect();
            if ids.len() > 1 && ids.last() == Some(&p.native_id) {
                p.edited_at = p.created_at;
            }
        }
        if p.repost_of.is_some() && !text.starts_with("RT @") {
            // twarc-csv merged the retweeted tweet into this row: its metrics are
            // the original's, and its text is not the retweet's own.
            p.metrics = Metrics::default();
            p.partial = true;
        }
    }

    /// The row as a JSON object `{header: value}`.
    fn raw_json(&self, r: &Row<'_>) -> Vec<u8> {
        let mut m = serde_json::Map::with_capacity(r.cells.len());
        for (i, cell) in r.cells.iter().enumerate() {
            let k = self
                .keys
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("column {}", i + 1));
            m.insert(k, Value::String((*cell).to_string()));
        }
        serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
    }
}

fn author_val_numeric(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// A JSON string or integer as an id string.
fn json_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `3_123` (v2 media key) and `123` (v1.1 id) name the same item.
fn media_key(k: &str) -> String {
    k.split_once('_').map_or(k, |(_, id)| id).to_string()
}

/// A count written as `12`, `12.0` or `1,234`; anything else is unknown.
fn count(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    let t: Cow<str> = if t.contains(',') {
        Cow::Owned(t.replace(',', ""))
    } else {
        Cow::Borrowed(t)
    };
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && f.abs() < 9.0e18)
        .map(|f| f as i64)
}

/// The items of a list cell: a JSON list, a Python list (`['a', 'b']`), or
/// words separated by white space.
fn split_list(cell: &str) -> Vec<String> {
    let t = cell.trim();
    if t.is_empty() {
        return Vec::new();
    }
    if t.starts_with('[') && t.ends_with(']') {
        if let Ok(items) = serde_json::from_str::<Vec<Value>>(t) {
            return items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.trim().to_string()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Object(o) => ["expanded_url", "url", "tag"]
                        .iter()
                        .find_map(|k| o.get(*k).and_then(Value::as_str))
                        .map(str::to_string),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
                .collect();
        }
        let inner = &t[1..t.len() - 1];
        return inner
            .split(',')
            .map(|s| s.trim().trim_matches(['\'', '"']).trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    t.split_whitespace()
        .map(|s| s.trim_matches([',', ';']).to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The numeric page (or group) id in a Facebook post URL.
fn fb_page_of(u: &str) -> Option<String> {
    let url = url::Url::parse(u.trim()).ok()?;
    if !url
        .host_str()?
        .to_ascii_lowercase()
        .ends_with("facebook.com")
    {
        return None;
    }
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let page = match segs.as_slice() {
        ["groups", g, ..] => (*g).to_string(),
        ["permalink.php" | "story.php", ..] => url
            .query_pairs()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.into_owned())?,
        [p, ..] => (*p).to_string(),
        [] => return None,
    };
    (!page.is_empty() && page.bytes().all(|b| b.is_ascii_digit())).then_some(page)
}

/// CrowdTangle's post id (`<page>_<post>`, or an Instagram shortcode) from a
/// post URL. A non-numeric page is replaced by `account` when given.
fn fb_post_id(u: &str, account: Option<&str>) -> Option<String> {
    let url = url::Url::parse(u.trim()).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    if host.ends_with("instagram.com") {
        return match segs.as_slice() {
            ["p" | "reel" | "tv", code, ..] => Some((*code).to_string()),
            _ => None,
        };
    }
    if !host.ends_with("facebook.com") {
        return None;
    }
    let q = |k: &str| {
        url.query_pairs()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.into_owned())
    };
    let (page, post): (Option<String>, String) = match segs.as_slice() {
        ["permalink.php" | "story.php", ..] => (q("id"), q("story_fbid")?),
        ["groups", g, "permalink" | "posts", p, ..] => (Some((*g).to_string()), (*p).to_string()),
        [page, "posts" | "videos" | "reels", p, ..] => {
            (Some((*page).to_string()), (*p).to_string())
        }
        [page, "photos", rest @ ..] => (Some((*page).to_string()), rest.last()?.to_string()),
        _ => return None,
    };
    if post.is_empty() || !post.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let page = page
        .filter(|p| numeric(p))
        .or_else(|| account.filter(|a| numeric(a)).map(str::to_string))?;
    Some(format!("{page}_{post}"))
}

/// 64-bit FNV-1a: a small, stable hash for ids made from row content.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarjuman_model::VecSink;

    fn run_opts(input: &[u8], opts: &DecodeOptions) -> (VecSink, Result<Summary, DecodeError>) {
        let mut sink = VecSink::default();
        let r = Csv.decode(&mut &input[..], opts, &mut sink);
        (sink, r)
    }

    fn run(input: &[u8]) -> (VecSink, Result<Summary, DecodeError>) {
        run_opts(
            input,
            &DecodeOptions {
                source_name: "t".into(),
                ..DecodeOptions::default()
            },
        )
    }

    fn posts(s: &VecSink) -> Vec<&PostRecord> {
        s.posts().collect()
    }

    #[test]
    fn bom_crlf_and_embedded_newline() {
        let input = b"\xef\xbb\xbfid,text,created_at\r\n1,\"a, \"\"b\"\"\r\nc\",2023-01-01T00:00:00Z\r\n2,plain,\r\n";
        let (s, r) = run(input);
        let sum = r.unwrap();
        let p = posts(&s);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].ref_, "csv:t:1");
        assert_eq!(p[0].text, "a, \"b\"\r\nc");
        assert_eq!(p[0].created_at, Some(1672531200));
        assert_eq!(p[1].text, "plain");
        assert_eq!(p[1].created_at, None);
        assert_eq!(s.records[1].0, 4, "line of the second row");
        assert_eq!(sum.lines, 4);
        let raw: Value = serde_json::from_slice(&p[0].raw).unwrap();
        assert_eq!(raw["id"], "1");
        assert_eq!(raw["created_at"], "2023-01-01T00:00:00Z");
    }

    #[test]
    fn empty_rows_skipped_and_empty_input() {
        let (s, r) = run(b"id,text\n\n,\n1,x\n");
        assert_eq!(r.unwrap().records, 1);
        assert!(s.problems.is_empty());
        let (_, r) = run(b"");
        assert!(matches!(r, Err(DecodeError::NotFormat { .. })));
        let (s, r) = run(b"id,text\n");
        assert_eq!(r.unwrap().records, 0);
        assert!(s.records.is_empty());
    }

    #[test]
    fn twarc_csv_preset() {
        let header = "id,conversation_id,referenced_tweets.replied_to.id,referenced_tweets.retweeted.id,referenced_tweets.quoted.id,author_id,in_reply_to_user_id,in_reply_to_username,retweeted_user_id,retweeted_username,quoted_user_id,quoted_username,created_at,text,lang,public_metrics.like_count,public_metrics.retweet_count,entities.hashtags,entities.mentions,entities.urls,attachments.media_keys,author.username,author.name,author.location,__twarc.retrieved_at";
        let rows = [
            r##"10,10,5,,,1,2,bob,,,,,2021-09-22T16:37:29.000Z,"hi @bob\nsee #غزة",en,3,4,"[""#غزة""]","[""@bob""]","[""https://example.com/a""]","[""3_99""]",alice,Alice A,Here,2021-09-22T16:38:09+00:00"##,
            r##"11,11,,7,,1,,,3,carol,,,2021-09-22T16:37:30.000Z,merged original text,en,9,9,,,,,alice,Alice A,,"##,
            r##"12,12,,8,,1,,,3,carol,,,2021-09-22T16:37:31.000Z,RT @carol: not merged,en,0,9,,,,,alice,Alice A,,"##,
        ];
        let input = format!("{header}\n{}\n", rows.join("\n"));
        assert_eq!(
            preset_of(&header.split(',').map(String::from).collect::<Vec<_>>()),
            Some("twarc-csv")
        );
        let (s, r) = run(input.as_bytes());
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p.len(), 3);
        let a = p[0];
        assert_eq!(a.platform, Platform::X);
        assert_eq!(a.ref_, "x:10");
        assert_eq!(a.text, "hi @bob\nsee #غزة");
        assert_eq!(a.author.ref_, "x:1");
        assert_eq!(a.author.handle.as_deref(), Some("alice"));
        assert_eq!(a.author.display_name.as_deref(), Some("Alice A"));
        assert_eq!(a.author.location.as_deref(), Some("Here"));
        assert_eq!(a.author.seen_at, Some(1632328689));
        assert_eq!(
            a.reply_to,
            Some(PostLink {
                post: "x:5".into(),
                actor: Some("x:2".into())
            })
        );
        assert_eq!(a.hashtags, vec!["غزة"]);
        assert_eq!(a.mentions.len(), 1);
        assert_eq!(
            a.mentions[0].ref_, "x:2",
            "handle resolved through in_reply_to_username"
        );
        assert_eq!(
            a.urls,
            vec![UrlRef {
                given: "https://example.com/a".into(),
                expanded: None
            }]
        );
        assert_eq!(a.media[0].key, "99");
        assert_eq!(a.metrics.likes, Some(3));
        assert_eq!(a.created_at, Some(1632328649));
        let b = p[1];
        assert_eq!(
            b.repost_of,
            Some(PostLink {
                post: "x:7".into(),
                actor: Some("x:3".into())
            })
        );
        assert!(
            b.metrics.is_empty(),
            "merged retweet: metrics belong to the original"
        );
        assert_eq!(p[2].metrics.reposts, Some(9));
    }

    #[test]
    fn twarc_csv_raw_entities_and_json_text() {
        let header = "id,author_id,text,created_at,referenced_tweets.quoted.id,quoted_user_id,entities.hashtags,entities.mentions,entities.urls";
        let row = r#""""20""","""1""","""a \""quoted\"" line\nnext""",,30,4,"[{""start"": 0, ""end"": 2, ""tag"": ""x""}]","[{""username"": ""u"", ""id"": ""44""}]","[{""url"": ""https://t.co/a"", ""expanded_url"": ""https://e.com/""}]""#;
        let input = format!("{header}\n{row}\n");
        let (s, r) = run(input.as_bytes());
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].ref_, "x:20");
        assert_eq!(p[0].text, "a \"quoted\" line\nnext");
        assert_eq!(p[0].author.ref_, "x:1");
        assert_eq!(p[0].hashtags, vec!["x"]);
        assert_eq!(p[0].mentions[0].ref_, "x:44");
        assert_eq!(
            p[0].urls[0],
            UrlRef {
                given: "https://t.co/a".into(),
                expanded: Some("https://e.com/".into())
            }
        );
        assert_eq!(
            p[0].quote_of,
            Some(PostLink {
                post: "x:30".into(),
                actor: Some("x:4".into())
            })
        );
        // No created_at: the snowflake gives none for a small id.
        assert_eq!(p[0].created_at, None);
    }

    #[test]
    fn cnt_preset() {
        let input = b"\xef\xbb\xbfmessage_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n0,uid0,username0,rtid0,,\"Example tweet\",59.5,\"\"\n1,uid1,u1,,m0,hi #x,1606451170.518101,http://a.com http://b.com\n2,uid2,u2,,,x,0,\"['http://example.com/4', 'http://example.com/6']\"\n";
        let (s, r) = run(input);
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].platform, Platform::Other);
        assert_eq!(p[0].ref_, "csv:t:0");
        assert_eq!(p[0].author.ref_, "csv:t:uid0");
        assert_eq!(p[0].author.handle.as_deref(), Some("username0"));
        assert_eq!(
            p[0].repost_of,
            Some(PostLink {
                post: "csv:t:rtid0".into(),
                actor: None
            })
        );
        assert_eq!(p[0].created_at, Some(59));
        assert!(p[0].urls.is_empty());
        assert_eq!(
            p[1].reply_to.as_ref().map(|l| l.post.as_str()),
            Some("csv:t:m0")
        );
        assert_eq!(p[1].created_at, Some(1606451170));
        assert_eq!(p[1].urls.len(), 2);
        assert_eq!(p[1].hashtags, vec!["x"]);
        let u: Vec<&str> = p[2].urls.iter().map(|u| u.given.as_str()).collect();
        assert_eq!(u, vec!["http://example.com/4", "http://example.com/6"]);
    }

    #[test]
    fn cnt_with_platform_column() {
        let input = b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls,platform\n5,9,u,4,,t,1,,twitter\n";
        let (s, _) = run(input);
        let p = posts(&s);
        assert_eq!(p[0].platform, Platform::X);
        assert_eq!(p[0].ref_, "x:5");
        assert_eq!(p[0].author.ref_, "x:9");
        assert_eq!(
            p[0].repost_of.as_ref().map(|l| l.post.as_str()),
            Some("x:4")
        );
    }

    #[test]
    fn crowdtangle_dashboard() {
        let input = "Page Name,User Name,Facebook Id,Post Created,Likes,Comments,Shares,URL,Message,Link,Final Link\nWAFA,wafa,100063488323012,2023-11-13 04:30:36 EST,5,6,\"1,234\",https://www.facebook.com/100063488323012/posts/858420086284261,نص #غزة,https://bit.ly/x,https://e.com/x\n";
        let (s, r) = run(input.as_bytes());
        r.unwrap();
        let p = posts(&s)[0];
        assert_eq!(p.platform, Platform::Facebook);
        assert_eq!(p.ref_, "facebook:100063488323012_858420086284261");
        assert_eq!(p.author.ref_, "facebook:100063488323012");
        assert_eq!(p.author.handle.as_deref(), Some("wafa"));
        assert_eq!(p.author.display_name.as_deref(), Some("WAFA"));
        assert_eq!(p.created_at, Some(1699867836));
        assert_eq!(p.text, "نص #غزة");
        assert_eq!(p.hashtags, vec!["غزة"]);
        assert_eq!(p.metrics.likes, Some(5));
        assert_eq!(p.metrics.replies, Some(6));
        assert_eq!(p.metrics.reposts, Some(1234));
        assert_eq!(
            p.urls,
            vec![UrlRef {
                given: "https://bit.ly/x".into(),
                expanded: Some("https://e.com/x".into())
            }]
        );
    }

    #[test]
    fn crowdtangle_subsets() {
        // Page name, time, text and URL only: ids and authors from the URL.
        let (s, r) = run(b"Page Name,Post Created,Shares,Message,URL\nP,2023-10-27 15:00:03 EDT,3,hi,https://www.facebook.com/1/posts/2\nQ,2023-10-27 15:00:03 EDT,3,hi,https://www.facebook.com/someone/posts/2\n");
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].ref_, "facebook:1_2");
        assert_eq!(p[0].author.ref_, "facebook:1");
        assert_eq!(p[0].created_at, Some(1698433203));
        assert!(
            p[1].native_id.starts_with('h') && p[1].native_id.len() == 17,
            "{}",
            p[1].native_id
        );
        assert_eq!(p[1].author.ref_, "csv:t:Q");
        // No id or URL column: row numbers.
        let (s, r) = run(b"Page Name,Message\nP,one\n\nP,two\n");
        r.unwrap();
        let refs: Vec<&str> = s.posts().map(|p| p.ref_.as_str()).collect();
        assert_eq!(refs, vec!["csv:t:1", "csv:t:2"]);
        // No text column: one problem for the header, then NotFormat.
        let (s, r) =
            run(b"Page Name,Page Category,URL\nP,MEDIA,https://www.facebook.com/1/posts/2\n");
        match r {
            Err(DecodeError::NotFormat { reason, .. }) => {
                assert!(reason.contains("Message"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.problems.len(), 1);
        assert!(s.records.is_empty());
    }

    #[test]
    fn crowdtangle_api() {
        let input = "platformId,platform,date,message,link,postUrl,expanded,account_id,account_name,account_handle,account_platformId,statistics_actual_likeCount,statistics_actual_shareCount,statistics_actual_commentCount\n\
            975609145786075_2363806866966289,Facebook,2018-11-03 22:26:37,,https://l.com,https://www.facebook.com/southantrimsf/posts/2363806866966289,https://l.com/x,3292449,South Antrim,southantrimsf,975609145786075,2,1,0\n\
            ,Instagram,2018-11-03 22:26:37,pic,,https://www.instagram.com/p/Bq0abc/,,7,Insta,insta,,1,0,0\n";
        let (s, r) = run(input.as_bytes());
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].ref_, "facebook:975609145786075_2363806866966289");
        assert_eq!(p[0].author.ref_, "facebook:975609145786075");
        assert_eq!(p[0].author.handle.as_deref(), Some("southantrimsf"));
        assert_eq!(p[0].created_at, Some(1541283997));
        assert_eq!(p[0].text, "");
        assert_eq!(p[0].metrics.likes, Some(2));
        assert_eq!(p[0].metrics.reposts, Some(1));
        assert_eq!(p[0].urls[0].expanded.as_deref(), Some("https://l.com/x"));
        // platformId empty in this row: the id column exists, so the row is a problem.
        assert_eq!(s.problems.len(), 1);
        assert!(
            s.problems[0].reason.contains("platformId"),
            "{}",
            s.problems[0].reason
        );
        // Without a platformId column the Instagram URL gives the id.
        let input = "platform,date,message,postUrl,account_id\nInstagram,2018-11-03 22:26:37,pic,https://www.instagram.com/p/Bq0abc/,7\n";
        let (s, _) = run(input.as_bytes());
        let p = posts(&s);
        assert_eq!(p[0].platform, Platform::Instagram);
        assert_eq!(p[0].ref_, "instagram:Bq0abc");
        assert_eq!(p[0].author.ref_, "instagram:7");
    }

    #[test]
    fn coortweet_presets() {
        let (s, r) = run(b"object_id,account_id,content_id,timestamp_share\nobj1,acc1,c1,1623881091\nhttps://x.org/a,acc2,c2,1623881092\n");
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].ref_, "csv:t:c1");
        assert_eq!(p[0].author.ref_, "csv:t:acc1");
        assert_eq!(
            p[0].repost_of,
            Some(PostLink {
                post: "csv:t:obj1".into(),
                actor: None
            })
        );
        assert_eq!(p[0].created_at, Some(1623881091));
        assert_eq!(p[1].urls[0].given, "https://x.org/a");
        assert!(p[1].repost_of.is_none());
        let (s, r) = run(b"account_id,post_id,url_id,hashtag_id,domain_id,phash_id,timestamp\nfb_1,129235,23678,,3498,,1629589836\n");
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].ref_, "csv:t:129235");
        assert_eq!(p[0].author.ref_, "csv:t:fb_1");
        assert_eq!(p[0].text, "");
    }

    #[test]
    fn generic_synonyms() {
        let input = "Tweet ID,Screen Name,Display Name,Date,Full Text,In Reply To,Platform,Language,Links,Hashtags,Likes\n\
            7,@someone,Some One,2023-11-13 04:30:36,hello @x,6,Twitter,ar,https://a.com https://b.com,\"#a,#b\",4\n\
            8,123,N,,bye,,telegram,,,,\n\
            9,who,N,,t,,somewhere,,,,\n";
        let (s, r) = run(input.as_bytes());
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].platform, Platform::X);
        assert_eq!(p[0].ref_, "x:7");
        assert_eq!(
            p[0].author.ref_, "x:someone",
            "a handle serves as the id part"
        );
        assert_eq!(p[0].author.handle.as_deref(), Some("someone"));
        assert_eq!(p[0].author.display_name.as_deref(), Some("Some One"));
        assert_eq!(p[0].reply_to.as_ref().map(|l| l.post.as_str()), Some("x:6"));
        assert_eq!(p[0].lang.as_deref(), Some("ar"));
        assert_eq!(p[0].urls.len(), 2);
        assert_eq!(p[0].hashtags, vec!["a", "b"]);
        assert_eq!(p[0].mentions[0].handle.as_deref(), Some("x"));
        assert_eq!(p[0].metrics.likes, Some(4));
        assert_eq!(p[1].ref_, "telegram:8");
        assert_eq!(p[1].author.ref_, "telegram:123");
        assert_eq!(p[2].ref_, "csv:t:9");
        assert_eq!(p[2].author.ref_, "csv:t:who");
        // TSV.
        let (s, r) = run(b"post_id\tuser_id\tcontent\n1\t2\ta,b\n");
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].text, "a,b");
        assert_eq!(p[0].author.ref_, "csv:t:2");
    }

    #[test]
    fn map_overrides_and_errors() {
        let opts = DecodeOptions {
            source_name: "m".into(),
            csv_map: vec![
                ("id".into(), "Key".into()),
                ("text".into(), "Body2".into()),
                ("user".into(), "who".into()),
            ],
            ..DecodeOptions::default()
        };
        let (s, r) = run_opts(b"Key,Body2,who,text\n1,mapped,ann,other\n", &opts);
        r.unwrap();
        let p = posts(&s);
        assert_eq!(p[0].ref_, "csv:m:1");
        assert_eq!(p[0].text, "mapped");
        assert_eq!(p[0].author.ref_, "csv:m:ann");
        assert_eq!(p[0].author.handle.as_deref(), Some("ann"));
        // Unknown column.
        let opts = DecodeOptions {
            csv_map: vec![("text".into(), "nope".into())],
            ..DecodeOptions::default()
        };
        match run_opts(b"id,text\n1,x\n", &opts).1 {
            Err(DecodeError::NotFormat { reason, .. }) => {
                assert!(
                    reason.contains("\"nope\"") && reason.contains("\"id\", \"text\""),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
        // Unknown field.
        let opts = DecodeOptions {
            csv_map: vec![("colour".into(), "id".into())],
            ..DecodeOptions::default()
        };
        assert!(matches!(
            run_opts(b"id,text\n1,x\n", &opts).1,
            Err(DecodeError::NotFormat { .. })
        ));
        // A header that matches nothing.
        match run(b"a,b\n1,2\n").1 {
            Err(DecodeError::NotFormat { reason, .. }) => {
                assert!(reason.contains("\"a\", \"b\""), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn row_problems() {
        let mut input = b"id,text,timestamp\n1,ok,1\n2,bad time,abc\n,no id,1\n4,".to_vec();
        input.extend_from_slice(b"\xff\xfe,1\n5,fine,\n");
        let (s, r) = run(&input);
        let sum = r.unwrap();
        assert_eq!(sum.records, 2);
        assert_eq!(sum.problems, 3);
        assert_eq!(s.problems[0].line, 3);
        assert_eq!(
            s.problems[0].reason,
            r#"column "timestamp": "abc" is not a time"#
        );
        assert_eq!(s.problems[0].raw, b"2,bad time,abc");
        assert_eq!(s.problems[1].line, 4);
        assert!(
            s.problems[1].reason.contains("id"),
            "{}",
            s.problems[1].reason
        );
        assert_eq!(s.problems[2].line, 5);
        assert!(
            s.problems[2].reason.contains("UTF-8"),
            "{}",
            s.problems[2].reason
        );
        assert_eq!(s.problems[2].raw, b"4,\xff\xfe,1");
    }

    #[test]
    fn size_cap() {
        let opts = DecodeOptions {
            max_record_bytes: 10,
            ..DecodeOptions::default()
        };
        let (s, r) = run_opts(b"id,text\n1,short\n2,this one is long\n3,ok\n", &opts);
        assert_eq!(r.unwrap().records, 2);
        assert!(s.problems[0].reason.contains("limit"));
        // An unbalanced quote runs away: the row is dropped while reading.
        let mut input = b"id,text\n1,a\n2,\"never closed\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 3 << 20));
        input.extend_from_slice(b"\n3,after\n");
        let (s, r) = run_opts(&input, &opts);
        let sum = r.unwrap();
        assert_eq!(s.posts().next().map(|p| p.text.as_str()), Some("a"));
        assert_eq!(s.problems[0].line, 3);
        assert!(
            s.problems[0].reason.contains("unbalanced"),
            "{}",
            s.problems[0].reason
        );
        assert_eq!(s.posts().last().map(|p| p.text.as_str()), Some("after"));
        assert_eq!(s.records.last().map(|r| r.0), Some(5));
        assert_eq!(sum.lines, 5);
    }

    #[test]
    fn stop_is_honoured() {
        struct StopSink;
        impl RecordSink for StopSink {
            fn record(&mut self, _: u64, _: Record) -> Flow {
                Flow::Continue
            }
            fn problem(&mut self, _: Problem) -> Flow {
                Flow::Stop
            }
        }
        let r = Csv.decode(
            &mut &b"id,text,time\n1,a,x\n2,b,\n"[..],
            &DecodeOptions::default(),
            &mut StopSink,
        );
        assert!(matches!(r, Err(DecodeError::Stopped { line: 2 })));
    }

    #[test]
    fn sniffing() {
        assert_eq!(Csv.sniff(b"\xef\xbb\xbfmessage_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n0,", ""), Sniff::Certain);
        assert_eq!(Csv.sniff(b"id,text\n", "x"), Sniff::Certain);
        assert_eq!(
            Csv.sniff(b"Page Name,Post Created,Shares,Message,URL\n", ""),
            Sniff::Certain
        );
        assert_eq!(Csv.sniff(b"a,b\n", "x.CSV.gz"), Sniff::Maybe);
        assert_eq!(Csv.sniff(b"a\tb\n", "x.tsv"), Sniff::Maybe);
        assert_eq!(Csv.sniff(b"a,b\n", "x.txt"), Sniff::No);
        assert_eq!(Csv.sniff(b"{\"id\":1,\"text\":2}", "x.csv"), Sniff::No);
        assert_eq!(Csv.sniff(b"[1]", "x.csv"), Sniff::No);
        assert_eq!(Csv.sniff(b"post_id\ttext\n", ""), Sniff::Certain);
    }

    #[test]
    fn preset_names() {
        let h = |s: &str| s.split(',').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            preset_of(&h(
                "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls"
            )),
            Some("coordination-network-toolkit")
        );
        assert_eq!(
            preset_of(&h("Page Name,Page Category,URL")),
            Some("crowdtangle")
        );
        assert_eq!(
            preset_of(&h("object_id,account_id,content_id,timestamp_share")),
            Some("coortweet")
        );
        assert_eq!(
            preset_of(&h("id,userid,username,createdDate,tweetText")),
            Some("generic")
        );
        assert_eq!(preset_of(&h("start,end,tweet_count")), None);
    }

    #[test]
    fn url_ids() {
        assert_eq!(
            fb_post_id("https://www.facebook.com/groups/145/permalink/2100/", None).as_deref(),
            Some("145_2100")
        );
        assert_eq!(
            fb_post_id("https://www.facebook.com/name/posts/99", Some("12")).as_deref(),
            Some("12_99")
        );
        assert_eq!(
            fb_post_id("https://www.facebook.com/name/posts/99", None),
            None
        );
        assert_eq!(
            fb_post_id(
                "https://www.facebook.com/permalink.php?story_fbid=5&id=4",
                None
            )
            .as_deref(),
            Some("4_5")
        );
        assert_eq!(
            fb_post_id("https://www.facebook.com/4/photos/a.1/77/", None).as_deref(),
            Some("4_77")
        );
        assert_eq!(
            fb_post_id("https://www.facebook.com/4/videos/88/", None).as_deref(),
            Some("4_88")
        );
        assert_eq!(fb_post_id("not a url", None), None);
        assert_eq!(
            fb_page_of("https://www.facebook.com/groups/145/permalink/2100/").as_deref(),
            Some("145")
        );
        assert_eq!(split_list("['a', \"b\"]"), vec!["a", "b"]);
        assert_eq!(split_list("[]"), Vec::<String>::new());
        assert_eq!(split_list(" x  y "), vec!["x", "y"]);
        assert_eq!(count("12.0"), Some(12));
        assert_eq!(count("n/a"), None);
    }

    // ---- The real corpus -------------------------------------------------

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/real");

    /// Decodes a corpus file (streamed through an 8 KiB buffer).
    fn real(rel: &str) -> Option<(VecSink, Result<Summary, DecodeError>)> {
        let path = std::path::Path::new(CORPUS).join(rel);
        let f = std::fs::File::open(&path).ok()?;
        let mut r = io::BufReader::new(f);
        let mut sink = VecSink::default();
        let opts = DecodeOptions {
            source_name: rel.to_string(),
            ..DecodeOptions::default()
        };
        let res = Csv.decode(&mut r, &opts, &mut sink);
        Some((sink, res))
    }

    /// What decoding a real file must give.
    enum Want {
        /// This many posts and no problems.
        Posts(u64),
        /// This many posts and this many problems.
        Mixed(u64, usize),
        /// `NotFormat`, after this many header problems.
        NotFormat(usize),
    }

    #[test]
    fn real_corpus() {
        if !std::path::Path::new(CORPUS).is_dir() {
            eprintln!("corpus not found at {CORPUS}; skipped");
            return;
        }
        // Expected counts: data rows per Python's `csv` module
        // (`len(list(csv.reader(open(f, encoding="utf-8-sig", newline="")))) - 1`;
        // no data row is empty), counted independently of this decoder.
        let want: &[(&str, Want)] = &[
            ("twitter-v2-twarc-csv/brexit.csv", Want::Posts(100)), // python csv: 100 rows
            (
                "twitter-v2-twarc-csv/brexit.inline-referenced.csv",
                Want::Posts(155),
            ), // python csv: 155
            (
                "twitter-v2-twarc-csv/brexit.raw-entities-no-merge.csv",
                Want::Posts(100),
            ), // python csv: 100
            ("twitter-v2-twarc-csv/2sets.csv", Want::Posts(200)),  // python csv: 200
            ("twitter-v2-twarc-csv/edited.csv", Want::Posts(1)),   // python csv: 1
            ("twitter-v2-twarc-csv/entities_test.csv", Want::Posts(474)), // python csv: 474
            ("twitter-v2-twarc-csv/geo_tweets.csv", Want::Posts(2)), // python csv: 2
            ("twitter-v2-twarc-csv/kpop.csv", Want::Posts(100)),   // python csv: 100
            ("twitter-v2-twarc-csv/many_urls.csv", Want::Posts(1)), // python csv: 1
            (
                "twitter-v2-twarc-csv/media_policy_violation_off.csv",
                Want::Posts(100),
            ), // python csv: 100
            ("twitter-v2-twarc-csv/noflat.csv", Want::Posts(100)), // python csv: 100
            ("twitter-v2-twarc-csv/quoted_edit.csv", Want::Posts(1)), // python csv: 1
            (
                "twitter-v2-twarc-csv/streaming_output_with_error.csv",
                Want::Posts(7),
            ), // python csv: 7
            ("twitter-v2-twarc-csv/two_tweets.csv", Want::Posts(2)), // python csv: 2 (twarc-csv's own test says 2)
            ("twitter-v2-twarc-csv/withheld.csv", Want::Posts(215)), // python csv: 215
            // Not posts: user profiles, tweet counts, lists, compliance notices.
            ("twitter-v2-twarc-csv/users.csv", Want::NotFormat(0)),
            ("twitter-v2-twarc-csv/counts.csv", Want::NotFormat(0)),
            ("twitter-v2-twarc-csv/lists.csv", Want::NotFormat(0)),
            (
                "twitter-v2-twarc-csv/tweets_compliance.csv",
                Want::NotFormat(0),
            ),
            (
                "coordination-network-toolkit/input/coretweet_test_input.csv",
                Want::Posts(15),
            ), // python csv: 15 (BOM)
            (
                "coordination-network-toolkit/input/coretweet_test_input.v1.5.2.csv",
                Want::Posts(14),
            ), // python csv: 14
            (
                "coordination-network-toolkit/input/sample_data.csv",
                Want::Posts(100),
            ), // python csv: 100
            ("crowdtangle/pycoornet/ct_output.csv", Want::Posts(160)), // python csv: 160 (183 physical lines)
            (
                "crowdtangle/pycoornet/sample_source_links.csv",
                Want::NotFormat(0),
            ), // a URL list, not posts
            (
                "crowdtangle/crowdtangle-jupyter-nb/db1_rows_with_genocide.csv",
                Want::Posts(2203),
            ), // python csv: 2203
            (
                "crowdtangle/crowdtangle-jupyter-nb/db2_rows_with_genocide.csv",
                Want::Posts(382),
            ), // python csv: 382
            // Page name, category and a URL per row: no text column.
            (
                "crowdtangle/crowdtangle-jupyter-nb/media_outlets_with_fb_page_admin_in_palestine.csv",
                Want::NotFormat(1),
            ),
            (
                "coortweet/input/russian_coord_tweets.csv",
                Want::Posts(35125),
            ), // python csv: 35125
            // python csv: 218971 rows, of which 3 have an empty post_id
            // (`sum(1 for r in rows if not r[1])` == 3): problems.
            (
                "coortweet/input/german_elections.csv",
                Want::Mixed(218968, 3),
            ),
            (
                "twitter-v2-twarc2/third-party/twarc2ToCSV_snow.custom.csv",
                Want::Posts(648),
            ), // python csv: 648 (1473 physical lines)
        ];
        let mut checked = HashSet::new();
        for (rel, w) in want {
            let Some((sink, res)) = real(rel) else {
                eprintln!("{rel}: absent; skipped");
                continue;
            };
            checked.insert(rel.to_string());
            let head: Vec<u8> = std::fs::read(std::path::Path::new(CORPUS).join(rel))
                .map(|b| b.into_iter().take(crate::SNIFF_BYTES).collect())
                .unwrap_or_default();
            let sniffed = Csv.sniff(&head, rel);
            match w {
                Want::Posts(n) => {
                    let sum = res.unwrap_or_else(|e| panic!("{rel}: {e}"));
                    assert_eq!(sum.records, *n, "{rel}");
                    assert_eq!(sink.posts().count() as u64, *n, "{rel}");
                    assert!(
                        sink.problems.is_empty(),
                        "{rel}: {:?}",
                        sink.problems.first()
                    );
                    assert!(
                        sink.posts()
                            .all(|p| !p.ref_.is_empty() && !p.raw.is_empty()),
                        "{rel}"
                    );
                    assert_eq!(sniffed, Sniff::Certain, "{rel}");
                }
                Want::Mixed(n, k) => {
                    let sum = res.unwrap_or_else(|e| panic!("{rel}: {e}"));
                    assert_eq!(sum.records, *n, "{rel}");
                    assert_eq!(sink.problems.len(), *k, "{rel}");
                    assert_eq!(sum.problems, *k as u64, "{rel}");
                }
                Want::NotFormat(k) => {
                    assert_eq!(sniffed, Sniff::Maybe, "{rel}");
                    assert!(
                        matches!(res, Err(DecodeError::NotFormat { .. })),
                        "{rel}: {res:?}"
                    );
                    assert_eq!(sink.problems.len(), *k, "{rel}");
                    assert!(sink.records.is_empty(), "{rel}");
                }
            }
        }
        // Every other CSV under the folders decodes without panicking.
        for dir in [
            "twitter-v2-twarc-csv",
            "crowdtangle/pycoornet",
            "crowdtangle/crowdtangle-jupyter-nb",
            "coordination-network-toolkit/input",
            "coortweet/input",
        ] {
            let Ok(rd) = std::fs::read_dir(std::path::Path::new(CORPUS).join(dir)) else {
                continue;
            };
            for e in rd.flatten() {
                let name = format!("{dir}/{}", e.file_name().to_string_lossy());
                if name.ends_with(".csv") && !checked.contains(&name) {
                    let _ = real(&name);
                    eprintln!("{name}: decoded without assertions");
                }
            }
        }
    }

    #[test]
    fn real_spot_checks() {
        let Some((s, _)) = real("twitter-v2-twarc-csv/brexit.csv") else {
            return;
        };
        let p = posts(&s);
        assert_eq!(p[0].ref_, "x:1440716895355764743");
        assert_eq!(p[0].author.handle.as_deref(), Some("WarmongerHodges"));
        assert_eq!(p[0].hashtags, vec!["PeoplesVote", "Brexit"]);
        assert_eq!(p[0].created_at, Some(1632328649));
        assert!(p[0].text.contains("leader.\n\nTypical"), "{}", p[0].text);
        assert_eq!(
            p[1].repost_of.as_ref().map(|l| l.actor.as_deref()),
            Some(Some("x:711945679"))
        );
        // The texts of non-retweets match the twarc2 JSON they were made from.
        let json = std::fs::read_to_string(
            std::path::Path::new(CORPUS).join("twitter-v2-twarc2/brexit.jsonl"),
        );
        if let Ok(json) = json {
            let mut texts = HashMap::new();
            for line in json.lines() {
                let Ok(v) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                let mut all: Vec<&Value> = v["data"]
                    .as_array()
                    .map(|a| a.iter().collect())
                    .unwrap_or_default();
                all.extend(
                    v["includes"]["tweets"]
                        .as_array()
                        .map(|a| a.iter().collect::<Vec<_>>())
                        .unwrap_or_default(),
                );
                for t in all {
                    if let (Some(id), Some(text)) = (t["id"].as_str(), t["text"].as_str()) {
                        texts.insert(id.to_string(), text.replace('\r', ""));
                    }
                }
            }
            let mut compared = 0;
            for p in p.iter().filter(|p| p.repost_of.is_none()) {
                assert_eq!(Some(&p.text), texts.get(&p.native_id), "{}", p.ref_);
                compared += 1;
            }
            assert_eq!(compared, 33);
        }
        // Start lines per Python's csv module (`reader.line_num` of the row before, plus one).
        let Some((s, r)) = real("twitter-v2-twarc2/third-party/twarc2ToCSV_snow.custom.csv") else {
            return;
        };
        assert_eq!(r.map(|s| s.lines).ok(), Some(1473));
        assert_eq!(s.records[9].0, 24);
        assert_eq!(s.records.last().map(|r| r.0), Some(1473));
        let Some((s, r)) = real("crowdtangle/pycoornet/ct_output.csv") else {
            return;
        };
        assert_eq!(r.map(|s| s.lines).ok(), Some(183));
        assert_eq!(s.records[9].0, 12);
        assert_eq!(s.records.last().map(|r| r.0), Some(183));
        assert!(s.posts().all(|p| p.platform == Platform::Facebook
            && p.ref_.starts_with("facebook:")
            && p.created_at.is_some()));
        let p = posts(&s);
        assert_eq!(p[0].ref_, "facebook:145547835465271_2100804073272961");
        assert_eq!(p[0].author.ref_, "facebook:145547835465271");
        let Some((s, _)) = real("crowdtangle/crowdtangle-jupyter-nb/db1_rows_with_genocide.csv")
        else {
            return;
        };
        let p = posts(&s);
        assert_eq!(p[0].ref_, "facebook:100069351265250_660862489568787");
        assert_eq!(p[0].author.ref_, "facebook:100069351265250");
        assert_eq!(p[0].created_at, Some(1699867836)); // 2023-11-13 04:30:36 EST
        let Some((s, _)) = real("coordination-network-toolkit/input/coretweet_test_input.csv")
        else {
            return;
        };
        let p = posts(&s);
        assert_eq!(
            p[0].ref_,
            "csv:coordination-network-toolkit/input/coretweet_test_input.csv:0"
        );
        assert!(
            p.iter().all(|p| p.repost_of.is_some()),
            "all rows are reposts"
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000), prefix in 0usize..3) {
                let heads: [&[u8]; 3] = [b"", b"id,text,timestamp,urls,hashtags\n", b"\xef\xbb\xbfmessage_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"];
                let mut input = heads[prefix].to_vec();
                input.extend_from_slice(&bytes);
                let opts = DecodeOptions { max_record_bytes: 64, ..DecodeOptions::default() };
                let mut sink = VecSink::default();
                let _ = Csv.decode(&mut &input[..], &opts, &mut sink);
                let _ = Csv.sniff(&input, "x.csv");
            }

            #[test]
            fn text_round_trips(texts in proptest::collection::vec("[a-z \",\n\r'#@\\\\\u{0600}-\u{06ff}\u{200c}]{0,30}", 1..12)) {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(["id", "text"]).unwrap();
                for (i, t) in texts.iter().enumerate() {
                    w.write_record([i.to_string().as_str(), t.as_str()]).unwrap();
                }
                let input = w.into_inner().unwrap();
                let (s, r) = run(&input);
                prop_assert!(r.is_ok());
                let got: Vec<&str> = s.posts().map(|p| p.text.as_str()).collect();
                let want: Vec<&str> = texts.iter().map(String::as_str).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
