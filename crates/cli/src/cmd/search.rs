//! `tarjuman search`: the analyst's query language over the search index.

use crate::Ctx;
use crate::output::{json_line, thousands};
use anyhow::{Context, bail};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use tarjuman_search::{
    Freshness, Highlighter, PostView, Query, SearchIndex, Sort, StoreResolver, fetch_posts,
};
use tarjuman_store::SqliteStore;

/// Search posts: words, phrases, hashtags, accounts, dates, in any spelling.
///
/// Arabic, Persian, Hebrew and English are matched the way a native reader
/// would: ابو finds أبو, غزه finds غزة, میخواهم finds می‌خواهم, בחירות finds
/// בְּחִירוֹת.
///
/// QUERY: words and "phrases"; OR; -exclusion; ( ); #hashtag and @handle
/// (exact entity matches); from:HANDLE (author), to:HANDLE (reply target),
/// mentions:HANDLE; lang:ar; platform:x|telegram|…; since:DATE and
/// until:DATE (UTC, YYYY-MM-DD or YYYY-MM-DDTHH:MM; until is exclusive);
/// is:reply|quote|repost|forward; has:link|media; url:DOMAIN or url:URL.
/// The full reference is docs/QUERY.md.
///
/// The index lives in DATA/search/ and is updated by `tarjuman ingest`; if
/// the store has changed since (or the index is missing), it catches up
/// first. The text shown is always the original.
///
/// Exit codes: 0 posts found, 1 none found, 2 error (a bad query says
/// where: "position 14: unclosed quote").
///
/// Examples:
///   tarjuman search 'سفيرة #العراق lang:ar since:2023-04-01 -is:repost'
///   tarjuman search 'from:IDFSpokesperson to:AlqassamBrigade'
///   tarjuman search '"Israel is here to stay" OR #TerrorDoesntPay' --sort time --json
///   tarjuman search 'url:example.com platform:telegram has:media' --csv > hits.csv
///   tarjuman search '#غزة since:2023-10-07 until:2023-10-08' --count
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The query; quote it (one shell argument).
    #[arg(allow_hyphen_values = true, value_name = "QUERY")]
    pub query: String,
    /// Most posts to show; 0 for all.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Order: relevance (best text match first; newest first when the
    /// query has no words) or time (newest first).
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    pub sort: SortArg,
    /// One JSON object per post and line: ref, platform, native_id, author
    /// (actor ref), author_handle, author_name, created_at (RFC 3339 UTC),
    /// kind, lang, text (original), version, edited_at, url, reply_to,
    /// reply_to_author, reply_to_handle, quote_of, repost_of,
    /// forwarded_from, hashtags, mentions, urls, media, embedded,
    /// first_capture, last_capture, score.
    #[arg(long, conflicts_with_all = ["csv", "count"])]
    pub json: bool,
    /// CSV with a header: the same fields (lists joined by spaces).
    #[arg(long, conflicts_with = "count")]
    pub csv: bool,
    /// Print only the number of matching posts.
    #[arg(long)]
    pub count: bool,
    /// Highlight hits in the table: auto (on a terminal, unless NO_COLOR),
    /// always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// `--sort`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortArg {
    /// Best match first.
    Relevance,
    /// Newest first.
    Time,
}

/// `--color`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

pub fn run(a: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let source = a.query.clone();
    let query = match Query::parse(&source) {
        Ok(q) => q,
        Err(e) => bail!("{e}{}", caret(&source, e.position)),
    };
    if !ctx.data.join("tarjuman.db").exists() {
        bail!(
            "no store in {}: run `tarjuman ingest FILES` or `tarjuman demo` first",
            ctx.data.display()
        );
    }
    let store = super::open_store(&ctx.data)?;
    let mut index = SearchIndex::open(&ctx.data).context("opening the search index")?;
    match index
        .ensure_fresh(&store)
        .context("updating the search index")?
    {
        Freshness::CaughtUp(c) if c.indexed > 0 => {
            eprintln!(
                "search index: caught up with the store ({} posts indexed)",
                thousands(c.indexed)
            )
        }
        Freshness::Busy => eprintln!(
            "tarjuman: warning: another process is updating the search index; the newest posts may be missing"
        ),
        _ => {}
    }
    let resolver = StoreResolver::new(store.conn());
    if a.count {
        let n = index.count(&query, &resolver)?;
        println!("{n}");
        return Ok(if n > 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let sort = if a.sort == SortArg::Time {
        Sort::Time
    } else {
        Sort::Relevance
    };
    let res = index.search(&query, &resolver, sort, a.limit)?;
    let ids: Vec<i64> = res.hits.iter().map(|h| h.post_id).collect();
    let mut posts = fetch_posts(store.conn(), &ids).context("reading the hits from the store")?;
    for (p, h) in posts.iter_mut().zip(&res.hits) {
        p.score = h.score;
    }
    if a.json {
        for p in &posts {
            json_line(p)?;
        }
    } else if a.csv {
        write_csv(&posts)?;
    } else {
        let color = match a.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        print_table(
            &posts,
            &Highlighter::new(&query),
            color,
            res.total,
            res.sort,
        )?;
    }
    Ok(if res.total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Brings the search index up to date after an ingest. A failure is a
/// warning: the store is the source of truth, and the next search catches
/// up.
pub fn after_ingest(store: &SqliteStore, data: &Path) {
    match tarjuman_search::catch_up(store, data) {
        Ok(c) if c.indexed > 0 => eprintln!(
            "search index: {} posts indexed in {:.1} s",
            thousands(c.indexed),
            c.seconds
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "tarjuman: warning: search index not updated ({e}); the next search catches up"
        ),
    }
}

/// Under a query error: the query and a caret at the position (left-to-right
/// queries only, where the caret lines up).
fn caret(q: &str, position: usize) -> String {
    if q.chars().any(is_rtl) || q.contains('\n') {
        return String::new();
    }
    let before: usize = q
        .chars()
        .take(position.saturating_sub(1))
        .map(char_width)
        .sum();
    format!("\n  {q}\n  {}^", " ".repeat(before))
}

const CSV_FIELDS: &[&str] = &[
    "ref",
    "platform",
    "native_id",
    "author",
    "author_handle",
    "author_name",
    "created_at",
    "kind",
    "lang",
    "text",
    "version",
    "edited_at",
    "url",
    "reply_to",
    "reply_to_author",
    "reply_to_handle",
    "quote_of",
    "repost_of",
    "forwarded_from",
    "hashtags",
    "mentions",
    "urls",
    "media",
    "embedded",
    "first_capture",
    "last_capture",
    "score",
];

fn write_csv(posts: &[PostView]) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{}", CSV_FIELDS.join(","))?;
    for p in posts {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let row: Vec<String> = vec![
            p.ref_.clone(),
            p.platform.clone(),
            p.native_id.clone(),
            o(&p.author),
            o(&p.author_handle),
            o(&p.author_name),
            o(&p.created_at),
            p.kind.clone(),
            o(&p.lang),
            p.text.clone(),
            p.version.to_string(),
            o(&p.edited_at),
            o(&p.url),
            o(&p.reply_to),
            o(&p.reply_to_author),
            o(&p.reply_to_handle),
            o(&p.quote_of),
            o(&p.repost_of),
            o(&p.forwarded_from),
            p.hashtags.join(" "),
            p.mentions.join(" "),
            p.urls.join(" "),
            p.media
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            p.embedded.to_string(),
            p.first_capture.to_string(),
            p.last_capture.to_string(),
            p.score.map(|s| format!("{s:.4}")).unwrap_or_default(),
        ];
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    out.flush()?;
    Ok(())
}

/// RFC 4180 quoting.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn is_rtl(c: char) -> bool {
    tarjuman_text::is_arabic_letter(c) || tarjuman_text::is_hebrew_letter(c)
}

/// Approximate terminal columns of a character: 0 for marks and invisible
/// format characters, 2 for emoji and East Asian wide characters.
fn char_width(c: char) -> usize {
    let u = c as u32;
    if matches!(u, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x061C | 0x064B..=0x065F | 0x0670
        | 0x06D6..=0x06ED | 0x08D3..=0x08FF | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFE00..=0xFE0F | 0xFEFF
        | 0x1F3FB..=0x1F3FF)
    {
        0
    } else if tarjuman_text::is_emoji(c) && u >= 0x1F000
        || matches!(u, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
    {
        2
    } else {
        1
    }
}

fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` cut to `max` columns, with `…` when cut.
fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Wraps text holding right-to-left letters in a first-strong isolate
/// (U+2068 … U+2069), so a bidi terminal orders it on its own and the table
/// columns stay in place.
fn isolate(s: &str) -> String {
    if s.chars().any(is_rtl) {
        format!("\u{2068}{s}\u{2069}")
    } else {
        s.to_string()
    }
}

/// The text cell: one line, the hits highlighted, cut to `max` columns
/// (`None`: not cut) in a window that shows the first hit.
fn text_cell(text: &str, hits: &[(usize, usize)], color: bool, max: Option<usize>) -> String {
    let flat: String = text
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    // Newlines, CR and tabs are one byte each, like the space replacing them: offsets hold.
    let mut start = 0;
    if let (Some(max), Some(&(h, _))) = (max, hits.first())
        && width(&flat[..h]) > max / 3
    {
        // Start a few words before the first hit.
        let lead = max / 6;
        let mut w = 0;
        start = h;
        for (i, c) in flat[..h].char_indices().rev() {
            w += char_width(c);
            start = i;
            if w >= lead {
                break;
            }
        }
        while start < h && !flat[start..].starts_with(' ') && start > 0 {
            start += flat[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut w = usize::from(start > 0);
    let mut open = false;
    let mut cut = false;
    for (i, c) in flat[start..].char_indices() {
        let at = start + i;
        let inside = hits.iter().any(|&(a, b)| a <= at && at < b);
        let cw = char_width(c);
        if let Some(max) = max
            && w + cw + 1 > max
        {
            cut = true;
            break;
        }
        if color && inside != open {
            out.push_str(if inside { "\x1b[1;33m" } else { "\x1b[0m" });
            open = inside;
        }
        out.push(c);
        w += cw;
    }
    if open {
        out.push_str("\x1b[0m");
    }
    if cut {
        out.push('…');
    }
    isolate(out.trim_end())
}

fn print_table(
    posts: &[PostView],
    hl: &Highlighter,
    color: bool,
    total: usize,
    sort: Sort,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let term_width = std::io::stdout().is_terminal().then(|| {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(120)
    });
    let authors: Vec<String> = posts
        .iter()
        .map(|p| {
            let a = match (&p.author_handle, &p.author_name, &p.author) {
                (Some(h), _, _) if !h.is_empty() => format!("@{h}"),
                (_, Some(n), _) if !n.is_empty() => n.clone(),
                (_, _, Some(r)) => r.clone(),
                _ => "?".into(),
            };
            fit(&a, 22)
        })
        .collect();
    let aw = authors.iter().map(|a| width(a)).max().unwrap_or(6).max(6);
    let pw = posts
        .iter()
        .map(|p| p.platform.len())
        .max()
        .unwrap_or(8)
        .max(8);
    writeln!(
        out,
        "{:<16}  {:<pw$}  {:<aw$}  TEXT",
        "TIME (UTC)", "PLATFORM", "AUTHOR"
    )?;
    for (p, author) in posts.iter().zip(&authors) {
        let time = p
            .created_at
            .as_deref()
            .map(|t| t.get(..16).unwrap_or(t).replace('T', " "))
            .unwrap_or_else(|| "-".into());
        let pad = aw.saturating_sub(width(author));
        let max_text = term_width.map(|w| w.saturating_sub(16 + 2 + pw + 2 + aw + 2).max(20));
        writeln!(
            out,
            "{time:<16}  {:<pw$}  {}{}  {}",
            p.platform,
            isolate(author),
            " ".repeat(pad),
            text_cell(&p.text, &hl.ranges(&p.text), color, max_text)
        )?;
    }
    let order = if sort == Sort::Time {
        "newest first"
    } else {
        "best match first"
    };
    if posts.len() < total {
        writeln!(
            out,
            "{} of {} posts, {order} (--limit N to see more, --limit 0 for all)",
            thousands(posts.len() as u64),
            thousands(total as u64)
        )?;
    } else {
        let noun = if total == 1 { "post" } else { "posts" };
        writeln!(out, "{} {noun}, {order}", thousands(total as u64))?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    }

    #[test]
    fn rtl_text_is_isolated_and_hits_marked() {
        let text = "قال أبو عبيدة";
        let h = Highlighter::new(&Query::parse("ابو").unwrap());
        let cell = text_cell(text, &h.ranges(text), true, None);
        assert_eq!(cell, "\u{2068}قال \x1b[1;33mأبو\x1b[0m عبيدة\u{2069}");
        assert_eq!(text_cell("plain text", &[], true, None), "plain text");
    }

    #[test]
    fn long_text_is_cut_around_the_first_hit() {
        let text = format!("{} needle {}", "word ".repeat(40), "tail ".repeat(40));
        let h = Highlighter::new(&Query::parse("needle").unwrap());
        let cell = text_cell(&text, &h.ranges(&text), false, Some(40));
        assert!(cell.starts_with('…') && cell.ends_with('…'), "{cell}");
        assert!(cell.contains("needle"), "{cell}");
        assert!(width(&cell) <= 40, "{cell}");
    }

    #[test]
    fn caret_points_at_the_position() {
        assert_eq!(caret("from:IDF \"x", 10), "\n  from:IDF \"x\n           ^");
        assert_eq!(caret("غزة \"", 5), "");
    }

    #[test]
    fn hyphen_queries_and_flags_parse() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            a: Args,
        }
        let t = T::try_parse_from(["t", "-is:repost gaza", "--json"]).unwrap();
        assert_eq!(t.a.query, "-is:repost gaza");
        assert!(t.a.json);
        let t = T::try_parse_from(["t", "--count", "-is:repost"]).unwrap();
        assert_eq!(t.a.query, "-is:repost");
        assert!(t.a.count);
        let t = T::try_parse_from(["t", "gaza", "--limit", "3", "--sort", "time"]).unwrap();
        assert_eq!(
            (t.a.query.as_str(), t.a.limit, t.a.sort),
            ("gaza", 3, SortArg::Time)
        );
        assert!(T::try_parse_from(["t", "gaza", "city"]).is_err());
    }
}
