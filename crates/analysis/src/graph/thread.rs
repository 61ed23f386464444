//! Conversation threads: the tree of replies and quotes around one post.
//!
//! The root is found by walking up from the post: to the post it replies to,
//! else the post it quotes, until a post with neither. When a parent is not
//! in the store, the walk stops there and the root is a placeholder for it
//! (`missing`). The children of a post are the posts whose `reply_to`, or
//! (when they reply to nothing) `quote_of`, is that post; they come in time
//! order. Posts are one per ref whatever capture they came from, so a thread
//! spans captures and files.
//!
//! Finding children reads the `reply_to` / `quote_of` columns of every post
//! once (the schema has no index on them).

use super::time::{human, rfc3339};
use super::{GraphError, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Write;

/// How a post hangs from its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// The top of the thread.
    Root,
    /// A reply to its parent.
    Reply,
    /// A quote of its parent.
    Quote,
}

/// The author of a post in a thread.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Author {
    /// The actor ref.
    #[serde(rename = "ref")]
    pub ref_: String,
    /// The latest handle.
    pub handle: Option<String>,
    /// The latest display name.
    pub display_name: Option<String>,
}

/// One post of a thread.
#[derive(Clone, Debug, Serialize)]
pub struct ThreadPost {
    /// The post ref.
    #[serde(rename = "ref")]
    pub ref_: String,
    /// The parent's ref (none for the root).
    pub parent: Option<String>,
    /// How it hangs from its parent.
    pub relation: Relation,
    /// 0 for the root.
    pub depth: usize,
    /// Whether this is the post asked about.
    pub focus: bool,
    /// A placeholder for a post that other posts answer but that the store
    /// does not hold.
    pub missing: bool,
    /// Whether the store has evidence the post was deleted or went missing
    /// (table `gone`).
    pub gone: bool,
    /// Platform.
    pub platform: Option<String>,
    /// Post kind (`post`, `reply`, `quote`, …).
    pub kind: Option<String>,
    /// Creation time, RFC 3339 UTC.
    pub created_at: Option<String>,
    /// Creation time in Unix seconds.
    #[serde(skip)]
    pub at: Option<i64>,
    /// Author.
    pub author: Option<Author>,
    /// Latest text.
    pub text: Option<String>,
}

/// A thread, in depth-first order (each post before its children).
#[derive(Clone, Debug, Serialize)]
pub struct Thread {
    /// The root's ref.
    pub root: String,
    /// The ref asked about.
    pub focus: String,
    /// Whether posts were left out because of the size limit.
    pub truncated: bool,
    /// The posts.
    pub posts: Vec<ThreadPost>,
}

/// Limits for [`load`].
#[derive(Clone, Debug)]
pub struct ThreadOptions {
    /// Most posts to return.
    pub max_posts: usize,
}

impl Default for ThreadOptions {
    fn default() -> Self {
        ThreadOptions { max_posts: 10_000 }
    }
}

struct Row {
    platform: String,
    kind: String,
    at: Option<i64>,
    reply_to: Option<String>,
    quote_of: Option<String>,
    text: String,
    author: Option<Author>,
    gone: bool,
}

fn fetch(conn: &Connection, r: &str) -> Result<Option<Row>> {
    let mut st = conn.prepare_cached(
        "SELECT p.platform, p.kind, p.created_at, p.reply_to, p.quote_of, p.text, a.ref, a.handle, a.display_name,
                EXISTS (SELECT 1 FROM gone g WHERE g.post_id = p.id)
         FROM posts p LEFT JOIN actors a ON a.id = p.author_id WHERE p.ref = ?1",
    )?;
    let row = st
        .query_row([r], |x| {
            let aref: Option<String> = x.get(6)?;
            Ok(Row {
                platform: x.get(0)?,
                kind: x.get(1)?,
                at: x.get(2)?,
                reply_to: x.get(3)?,
                quote_of: x.get(4)?,
                text: x.get(5)?,
                author: match aref {
                    Some(ref_) => Some(Author {
                        ref_,
                        handle: x.get(7)?,
                        display_name: x.get(8)?,
                    }),
                    None => None,
                },
                gone: x.get(9)?,
            })
        })
        .optional()?;
    Ok(row)
}

/// Accepts a post ref, or an X/Twitter status URL (`…/status/123` → `x:123`).
pub fn normalize_ref(s: &str) -> String {
    let s = s.trim();
    let is_url = s.starts_with("http://") || s.starts_with("https://");
    if let Some(i) = s.find("/status/").filter(|_| is_url) {
        let id: String = s[i + "/status/".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !id.is_empty() {
            return format!("x:{id}");
        }
    }
    s.to_string()
}

/// Loads the thread around `post_ref`.
pub fn load(conn: &Connection, post_ref: &str, opts: &ThreadOptions) -> Result<Thread> {
    let focus = normalize_ref(post_ref);
    // parent ref -> children (time, ref, relation)
    let mut children: HashMap<String, Vec<(Option<i64>, String, Relation)>> = HashMap::new();
    {
        let mut st = conn.prepare(
            "SELECT ref, created_at, reply_to, quote_of FROM posts WHERE reply_to IS NOT NULL OR quote_of IS NOT NULL",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let child: String = r.get(0)?;
            let at: Option<i64> = r.get(1)?;
            let reply_to: Option<String> = r.get(2)?;
            let quote_of: Option<String> = r.get(3)?;
            let (parent, rel) = match (reply_to, quote_of) {
                (Some(p), _) => (p, Relation::Reply),
                (None, Some(q)) => (q, Relation::Quote),
                (None, None) => continue,
            };
            if parent != child {
                children.entry(parent).or_default().push((at, child, rel));
            }
        }
    }

    // Walk up to the root.
    let mut rows: HashMap<String, Option<Row>> = HashMap::new();
    let first = fetch(conn, &focus)?;
    if first.is_none() && !children.contains_key(&focus) {
        return Err(GraphError::NotFound(format!(
            "post {focus}: not in the store, and no stored post replies to or quotes it"
        )));
    }
    rows.insert(focus.clone(), first);
    let mut root = focus.clone();
    let mut seen: HashSet<String> = HashSet::from([focus.clone()]);
    loop {
        let parent = match rows.get(&root) {
            Some(Some(r)) => r.reply_to.clone().or_else(|| r.quote_of.clone()),
            _ => None, // a missing post: we cannot go higher
        };
        let Some(parent) = parent else { break };
        if !seen.insert(parent.clone()) || seen.len() > opts.max_posts.max(1) {
            break; // a cycle, or an absurdly long chain
        }
        let row = fetch(conn, &parent)?;
        rows.insert(parent.clone(), row);
        root = parent;
    }

    // Walk down, depth first, children in time order.
    let mut posts: Vec<ThreadPost> = Vec::new();
    let mut truncated = false;
    let mut visited: HashSet<String> = HashSet::new();
    let mut stack: Vec<(String, Option<String>, Relation, usize)> =
        vec![(root.clone(), None, Relation::Root, 0)];
    while let Some((r, parent, relation, depth)) = stack.pop() {
        if !visited.insert(r.clone()) {
            continue;
        }
        if posts.len() >= opts.max_posts.max(1) {
            truncated = true;
            break;
        }
        let row = match rows.remove(&r) {
            Some(x) => x,
            None => fetch(conn, &r)?,
        };
        let p = match row {
            Some(x) => ThreadPost {
                ref_: r.clone(),
                parent,
                relation,
                depth,
                focus: r == focus,
                missing: false,
                gone: x.gone,
                platform: Some(x.platform),
                kind: Some(x.kind),
                created_at: x.at.map(rfc3339),
                at: x.at,
                author: x.author,
                text: Some(x.text),
            },
            None => ThreadPost {
                ref_: r.clone(),
                parent,
                relation,
                depth,
                focus: r == focus,
                missing: true,
                gone: false,
                platform: r.split(':').next().map(str::to_string),
                kind: None,
                created_at: None,
                at: None,
                author: None,
                text: None,
            },
        };
        posts.push(p);
        if let Some(kids) = children.get_mut(&r) {
            kids.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            // Reverse onto the stack so the earliest child is visited first.
            for (_, k, rel) in kids.iter().rev() {
                if !visited.contains(k) {
                    stack.push((k.clone(), Some(r.clone()), *rel, depth + 1));
                }
            }
        }
    }
    Ok(Thread {
        root,
        focus,
        truncated,
        posts,
    })
}

/// Whether `c` is a right-to-left letter (Hebrew, Arabic, Syriac, Thaana,
/// N'Ko and their presentation forms, and the RTL supplementary blocks).
pub fn is_rtl(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One line of untrusted text made safe for a terminal: control characters
/// (escape sequences included) become U+FFFD, and a line with right-to-left
/// letters or bidi controls is wrapped in a first-strong isolate
/// (U+2068 … U+2069), so it cannot reorder the tree drawn around it.
pub fn terminal_line(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if c == '\t' {
                ' '
            } else if c.is_control() {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if clean.chars().any(|c| is_rtl(c) || is_bidi_control(c)) {
        format!("\u{2068}{clean}\u{2069}")
    } else {
        clean
    }
}

/// Deepest indentation drawn; deeper posts show their depth instead.
const MAX_INDENT: usize = 24;

/// Renders the thread as an indented tree for a terminal.
pub fn render<W: Write + ?Sized>(t: &Thread, w: &mut W) -> std::io::Result<()> {
    let n = t.posts.len();
    // Index of each post's parent in `posts`, to know which child is last.
    let mut pos: HashMap<&str, usize> = HashMap::new();
    for (i, p) in t.posts.iter().enumerate() {
        pos.insert(p.ref_.as_str(), i);
    }
    let mut last_child: HashMap<usize, usize> = HashMap::new();
    for (i, p) in t.posts.iter().enumerate() {
        if let Some(pi) = p.parent.as_deref().and_then(|r| pos.get(r)) {
            last_child.insert(*pi, i);
        }
    }
    let mut path_last: Vec<bool> = Vec::new();
    for (i, p) in t.posts.iter().enumerate() {
        path_last.truncate(p.depth.saturating_sub(1));
        let is_last = p
            .parent
            .as_deref()
            .and_then(|r| pos.get(r))
            .and_then(|pi| last_child.get(pi))
            .is_none_or(|&l| l == i);
        let has_children = i + 1 < n && t.posts[i + 1].depth == p.depth + 1;
        let mut prefix = String::new();
        let skip = path_last.len().saturating_sub(MAX_INDENT);
        if skip > 0 {
            prefix.push_str("┄ ");
        }
        for &l in &path_last[skip..] {
            prefix.push_str(if l { "   " } else { "│  " });
        }
        let (connector, cont) = if p.depth == 0 {
            ("", "")
        } else if is_last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        let mut head = String::new();
        if p.focus {
            head.push_str("▶ ");
        }
        match p.relation {
            Relation::Root => {}
            Relation::Reply => head.push_str("reply "),
            Relation::Quote => head.push_str("quote "),
        }
        if skip > 0 {
            head.push_str(&format!("[depth {}] ", p.depth));
        }
        head.push_str(&terminal_line(&p.ref_));
        if p.missing {
            head.push_str("  [not in the store]");
        } else {
            if let Some(at) = p.at {
                head.push_str(" · ");
                head.push_str(&human(at));
            }
            if let Some(a) = &p.author {
                head.push_str(" · ");
                match a.handle.as_deref().filter(|h| !h.is_empty()) {
                    Some(h) => head.push_str(&terminal_line(&format!("@{h}"))),
                    None => head.push_str(&terminal_line(&a.ref_)),
                }
                if let Some(d) = a.display_name.as_deref().filter(|d| !d.is_empty()) {
                    head.push(' ');
                    head.push_str(&format!("({})", terminal_line(d)));
                }
            }
            if p.gone {
                head.push_str("  [deleted or missing]");
            }
        }
        writeln!(w, "{prefix}{connector}{head}")?;
        let body = format!("{prefix}{cont}{}", if has_children { "│ " } else { "  " });
        if let Some(text) = &p.text {
            for line in text.lines() {
                writeln!(w, "{body}{}", terminal_line(line))?;
            }
        }
        if p.depth >= 1 {
            path_last.push(is_last);
        }
    }
    if t.truncated {
        writeln!(w, "… more posts left out (limit reached)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE actors (id INTEGER PRIMARY KEY, ref TEXT, platform TEXT, native_id TEXT, handle TEXT, display_name TEXT);
             CREATE TABLE posts (id INTEGER PRIMARY KEY, ref TEXT UNIQUE, platform TEXT, author_id INTEGER, created_at INTEGER,
                                 kind TEXT, reply_to TEXT, quote_of TEXT, text TEXT);
             CREATE TABLE gone (post_id INTEGER);
             INSERT INTO actors VALUES (1, 'x:100', 'x', '100', 'alice', 'Alice'), (2, 'x:200', 'x', '200', 'bob', 'بوب');
             INSERT INTO posts VALUES
               (1, 'x:1', 'x', 1, 1000, 'post', NULL, NULL, 'root post'),
               (2, 'x:2', 'x', 2, 1010, 'reply', 'x:1', NULL, 'first reply' || char(10) || 'second line'),
               (3, 'x:3', 'x', 1, 1020, 'reply', 'x:2', NULL, 'nested'),
               (4, 'x:4', 'x', 2, 1005, 'quote', NULL, 'x:1', 'مرحبا hello'),
               (5, 'x:5', 'x', 2, 1030, 'reply', 'x:99', NULL, 'answer to a missing post'),
               (6, 'x:6', 'x', 1, 1040, 'reply', 'x:5', NULL, 'esc ' || char(27) || '[2J'),
               (7, 'x:7', 'x', 1, 1050, 'reply', 'x:8', NULL, 'cycle a'),
               (8, 'x:8', 'x', 1, 1060, 'reply', 'x:7', NULL, 'cycle b');
             INSERT INTO gone VALUES (3);",
        )
        .unwrap();
        c
    }

    #[test]
    fn tree_from_a_leaf() {
        let c = db();
        let t = load(&c, "x:3", &ThreadOptions::default()).unwrap();
        assert_eq!(t.root, "x:1");
        let order: Vec<(&str, usize, Relation)> = t
            .posts
            .iter()
            .map(|p| (p.ref_.as_str(), p.depth, p.relation))
            .collect();
        assert_eq!(
            order,
            [
                ("x:1", 0, Relation::Root),
                ("x:4", 1, Relation::Quote),
                ("x:2", 1, Relation::Reply),
                ("x:3", 2, Relation::Reply)
            ]
        );
        assert!(t.posts[3].focus && t.posts[3].gone);
        let mut out = Vec::new();
        render(&t, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        let expected = "\
x:1 · 1970-01-01 00:16:40 · @alice (Alice)
│ root post
├─ quote x:4 · 1970-01-01 00:16:45 · @bob (\u{2068}بوب\u{2069})
│    \u{2068}مرحبا hello\u{2069}
└─ reply x:2 · 1970-01-01 00:16:50 · @bob (\u{2068}بوب\u{2069})
   │ first reply
   │ second line
   └─ ▶ reply x:3 · 1970-01-01 00:17:00 · @alice (Alice)  [deleted or missing]
        nested
";
        assert_eq!(s, expected);
    }

    #[test]
    fn missing_parent_is_a_placeholder() {
        let c = db();
        let t = load(&c, "x:6", &ThreadOptions::default()).unwrap();
        assert_eq!(t.root, "x:99");
        assert!(t.posts[0].missing);
        assert_eq!(t.posts.len(), 3);
        let mut out = Vec::new();
        render(&t, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("x:99  [not in the store]\n"));
        assert!(s.contains("esc \u{FFFD}[2J"));
        // Asking for the missing post itself works too.
        let t = load(&c, "x:99", &ThreadOptions::default()).unwrap();
        assert_eq!(t.posts.len(), 3);
        assert!(t.posts[0].focus);
    }

    #[test]
    fn cycles_and_unknown() {
        let c = db();
        let t = load(&c, "x:7", &ThreadOptions::default()).unwrap();
        assert_eq!(t.posts.len(), 2);
        assert!(matches!(
            load(&c, "x:12345", &ThreadOptions::default()),
            Err(GraphError::NotFound(_))
        ));
        let t = load(
            &c,
            "https://twitter.com/alice/status/2?s=20",
            &ThreadOptions { max_posts: 2 },
        )
        .unwrap();
        assert_eq!(t.focus, "x:2");
        assert!(t.truncated);
        assert_eq!(t.posts.len(), 2);
    }
}
