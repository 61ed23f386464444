//! Hits read back from the store: the original text and every model field.

use crate::Result;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::HashMap;

/// A post as search shows it: the store's fields, the original text of its
/// latest version, and its canonical URL. This is the `--json` object.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PostView {
    /// `x:<id>`, `telegram:<chat>/<msg>`, …
    #[serde(rename = "ref")]
    pub ref_: String,
    /// `x`, `telegram`, …
    pub platform: String,
    /// The platform's id of the post.
    pub native_id: String,
    /// Author actor ref.
    pub author: Option<String>,
    /// Author handle (latest known).
    pub author_handle: Option<String>,
    /// Author display name (latest known).
    pub author_name: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: Option<String>,
    /// `post`, `reply`, `quote`, `repost` or `forward`.
    pub kind: String,
    /// The platform's language label.
    pub lang: Option<String>,
    /// The latest version's text, unchanged.
    pub text: String,
    /// The latest version's number (1 for a post never edited).
    pub version: i64,
    /// When the latest version was edited, per the platform (RFC 3339).
    pub edited_at: Option<String>,
    /// The canonical URL of the post, when the platform has one.
    pub url: Option<String>,
    /// The post replied to.
    pub reply_to: Option<String>,
    /// The actor replied to (ref).
    pub reply_to_author: Option<String>,
    /// The actor replied to (handle).
    pub reply_to_handle: Option<String>,
    /// The post quoted.
    pub quote_of: Option<String>,
    /// The post reposted.
    pub repost_of: Option<String>,
    /// The actor a Telegram message was forwarded from (ref).
    pub forwarded_from: Option<String>,
    /// Hashtags, as written.
    pub hashtags: Vec<String>,
    /// Mentioned handles.
    pub mentions: Vec<String>,
    /// Canonical URLs.
    pub urls: Vec<String>,
    /// Media items.
    pub media: Vec<MediaView>,
    /// Whether the post was only ever seen embedded in another record.
    pub embedded: bool,
    /// First capture holding the post.
    pub first_capture: i64,
    /// Last capture holding the post.
    pub last_capture: i64,
    /// Relevance score, when sorted by relevance.
    pub score: Option<f32>,
    /// The store's row id.
    #[serde(skip)]
    pub id: i64,
    /// Unix seconds.
    #[serde(skip)]
    pub created_at_unix: Option<i64>,
}

/// A media item of a post.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MediaView {
    /// `photo`, `video`, …
    pub kind: String,
    /// Stable key.
    pub key: String,
    /// URL, when known.
    pub url: Option<String>,
}

/// Unix seconds as RFC 3339 UTC (`2023-10-07T06:30:00Z`).
pub fn rfc3339(t: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Reads the posts with the given row ids, in that order (ids not found
/// are left out).
pub fn fetch_posts(conn: &Connection, ids: &[i64]) -> Result<Vec<PostView>> {
    let mut out: Vec<PostView> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut found: HashMap<i64, PostView> = HashMap::new();
        let mut st = conn.prepare(&format!(
            "SELECT p.id, p.ref, p.platform, p.native_id, a.ref, a.handle, a.display_name, p.created_at, p.kind, p.lang,
                    p.text, p.versions, p.reply_to, p.quote_of, p.repost_of, f.ref, p.embedded, p.first_capture,
                    (SELECT edited_at FROM post_versions v WHERE v.post_id = p.id AND v.version = p.versions),
                    (SELECT max(capture_id) FROM sightings s WHERE s.post_id = p.id)
             FROM posts p LEFT JOIN actors a ON a.id = p.author_id LEFT JOIN actors f ON f.id = p.forwarded_from
             WHERE p.id IN ({list})"
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let created: Option<i64> = r.get(7)?;
            let edited: Option<i64> = r.get(18)?;
            let v = PostView {
                id: r.get(0)?,
                ref_: r.get(1)?,
                platform: r.get(2)?,
                native_id: r.get(3)?,
                author: r.get::<_, Option<String>>(4)?.filter(|s| !s.is_empty()),
                author_handle: r.get(5)?,
                author_name: r.get(6)?,
                created_at: created.and_then(rfc3339),
                created_at_unix: created,
                kind: r.get(8)?,
                lang: r.get(9)?,
                text: r.get(10)?,
                version: r.get(11)?,
                edited_at: edited.and_then(rfc3339),
                url: None,
                reply_to: r.get(12)?,
                reply_to_author: None,
                reply_to_handle: None,
                quote_of: r.get(13)?,
                repost_of: r.get(14)?,
                forwarded_from: r.get(15)?,
                hashtags: Vec::new(),
                mentions: Vec::new(),
                urls: Vec::new(),
                media: Vec::new(),
                embedded: r.get(16)?,
                first_capture: r.get(17)?,
                last_capture: r.get::<_, Option<i64>>(19)?.unwrap_or_default(),
                score: None,
            };
            found.insert(v.id, v);
        }
        let mut each =
            |sql: &str,
             f: &mut dyn FnMut(&mut PostView, &rusqlite::Row<'_>) -> rusqlite::Result<()>|
             -> Result<()> {
                let mut st = conn.prepare(&sql.replace("{list}", &list))?;
                let mut rows = st.query([])?;
                while let Some(r) = rows.next()? {
                    if let Some(v) = found.get_mut(&r.get::<_, i64>(0)?) {
                        f(v, r)?;
                    }
                }
                Ok(())
            };
        each(
            "SELECT post_id, tag FROM hashtags WHERE post_id IN ({list}) ORDER BY post_id, tag",
            &mut |v, r| {
                v.hashtags.push(r.get(1)?);
                Ok(())
            },
        )?;
        each(
            "SELECT m.post_id, coalesce(m.handle, a.handle) FROM mentions m LEFT JOIN actors a ON a.id = m.actor_id
             WHERE m.post_id IN ({list}) ORDER BY m.post_id, m.pos",
            &mut |v, r| {
                if let Some(h) = r.get::<_, Option<String>>(1)? {
                    v.mentions.push(h);
                }
                Ok(())
            },
        )?;
        each(
            "SELECT post_id, canonical FROM urls WHERE post_id IN ({list}) ORDER BY post_id, pos",
            &mut |v, r| {
                v.urls.push(r.get(1)?);
                Ok(())
            },
        )?;
        each(
            "SELECT post_id, kind, key, url FROM media WHERE post_id IN ({list}) ORDER BY post_id, pos",
            &mut |v, r| {
                v.media.push(MediaView {
                    kind: r.get(1)?,
                    key: r.get(2)?,
                    url: r.get(3)?,
                });
                Ok(())
            },
        )?;
        each(
            "SELECT i.post_id, a.ref, a.handle FROM interactions i JOIN actors a ON a.id = i.dst_actor
             WHERE i.kind = 'reply' AND i.post_id IN ({list})",
            &mut |v, r| {
                v.reply_to_author = r.get(1)?;
                v.reply_to_handle = r.get(2)?;
                Ok(())
            },
        )?;
        for v in found.values_mut() {
            v.url = post_url(conn, v);
        }
        for id in chunk {
            if let Some(v) = found.remove(id) {
                out.push(v);
            }
        }
    }
    Ok(out)
}

/// The canonical URL of a post: `https://x.com/<handle>/status/<id>`
/// (`i/web` when the handle is unknown); `https://t.me/<channel>/<msg>`
/// for a Telegram channel whose username is known, `https://t.me/c/<chat
/// id>/<msg>` for other channels and supergroups (members only); none for
/// private chats and other platforms.
pub fn post_url(conn: &Connection, v: &PostView) -> Option<String> {
    match v.platform.as_str() {
        "x" => {
            let id = v.ref_.strip_prefix("x:")?;
            let who = v
                .author_handle
                .as_deref()
                .filter(|h| !h.is_empty())
                .unwrap_or("i/web");
            Some(format!("https://x.com/{who}/status/{id}"))
        }
        "telegram" => {
            let (chat, msg) = v.ref_.strip_prefix("telegram:")?.split_once('/')?;
            if !msg.bytes().all(|b| b.is_ascii_digit()) || msg.is_empty() {
                return None;
            }
            let handle: Option<String> = conn
                .query_row(
                    "SELECT handle FROM actors WHERE ref = ?1",
                    [format!("telegram:{chat}")],
                    |r| r.get(0),
                )
                .ok()
                .flatten();
            if let Some(h) = handle.filter(|h| !h.is_empty()) {
                return Some(format!("https://t.me/{h}/{msg}"));
            }
            let label: Option<String> = conn
                .query_row(
                    "SELECT label FROM scopes WHERE key = ?1",
                    [format!("telegram-chat:{chat}")],
                    |r| r.get(0),
                )
                .ok();
            let public = label.is_some_and(|l| l.contains("channel") || l.contains("supergroup"));
            let id = chat.strip_prefix("-100").unwrap_or(chat);
            (public && id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty())
                .then(|| format!("https://t.me/c/{id}/{msg}"))
        }
        _ => None,
    }
}
