//! The per-item counts `surge` reads (tables `detect_items`,
//! `detect_counts`, `detect_counted` and `detect_volume`, migration
//! `0003_detect_counts.sql`), kept up to date from the store's change
//! sequence.
//!
//! A post is counted once under each item it carries (a hashtag,
//! case-folded; a canonical URL; a link domain; a watched term named in its
//! latest text), in the 15-minute bin of its time, and once in the store's
//! overall volume. A first run (`since` = 0) counts the whole store in one
//! pass. Later runs read only the posts whose seq moved (new posts, new
//! versions, richer records of known posts): each is taken out of the
//! counts it was under (`detect_counted` remembers them) and counted again
//! as it now is, so a run costs what changed, and its counts equal those of
//! a full pass.

use crate::Error;
use crate::matcher::Names;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Seconds per bin.
pub(crate) const BIN: i64 = 900;

/// Which items to count.
pub(crate) struct Kinds<'a> {
    pub hashtag: bool,
    pub url: bool,
    pub domain: bool,
    /// Watched terms (name, what to look for); empty when terms are off.
    pub terms: &'a [(String, Names)],
}

impl Kinds<'_> {
    /// The items of one post, deduplicated and sorted.
    fn items(
        &self,
        tags: &[String],
        urls: &[(String, Option<String>)],
        text: Option<&str>,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if self.hashtag {
            for t in tags {
                out.insert(format!("#{}", t.to_lowercase()));
            }
        }
        for (canonical, domain) in urls {
            if self.url {
                out.insert(format!("url:{canonical}"));
            }
            if let (true, Some(d)) = (self.domain, domain) {
                out.insert(format!("domain:{d}"));
            }
        }
        if let Some(text) = text {
            for (term, names) in self.terms {
                if names.found_in(text) {
                    out.insert(format!("term:{term}"));
                }
            }
        }
        out
    }
}

/// Items with their series: id, name, bin → posts.
pub(crate) type ItemSeries = Vec<(i64, String, BTreeMap<i64, u32>)>;

/// What an update changed.
#[derive(Debug, Default)]
pub(crate) struct Update {
    /// Items a changed post was or is counted under (their counts, or at
    /// least which posts they hold, changed).
    pub touched: BTreeSet<i64>,
    /// The bins whose overall volume changed (lowest, highest).
    pub volume: Option<(i64, i64)>,
    /// After a full pass: every item with at least the asked number of
    /// posts, with its series (so they need not be read back).
    pub full: Option<ItemSeries>,
}

/// Brings the counts up to date with the changes in `(since, upto]`; with
/// `since` = 0, recounts the whole store. `min_posts`: a full pass returns
/// the series of the items with at least that many posts.
pub(crate) fn update(
    conn: &Connection,
    since: i64,
    upto: i64,
    kinds: &Kinds<'_>,
    min_posts: u32,
) -> Result<Update, Error> {
    if since == 0 {
        return full(conn, kinds, min_posts);
    }
    let changed: Vec<i64> = conn
        .prepare("SELECT DISTINCT post_id FROM post_versions WHERE seq > ?1 AND seq <= ?2 ORDER BY post_id")?
        .query_map(params![since, upto], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut post_st = conn.prepare_cached("SELECT created_at, text FROM posts WHERE id = ?1")?;
    let mut old_st =
        conn.prepare_cached("SELECT bin, items FROM detect_counted WHERE post_id = ?1")?;
    let mut tag_st = conn.prepare_cached("SELECT tag FROM hashtags WHERE post_id = ?1")?;
    let mut url_st =
        conn.prepare_cached("SELECT canonical, domain FROM urls WHERE post_id = ?1")?;
    let mut item_st = conn.prepare_cached("SELECT id FROM detect_items WHERE item = ?1")?;
    let mut new_item_st = conn.prepare_cached(
        "INSERT INTO detect_items (item, posts, first_bin, last_bin) VALUES (?1, 0, ?2, ?2)",
    )?;
    let mut put_st = conn.prepare_cached(
        "INSERT INTO detect_counted (post_id, bin, items) VALUES (?1, ?2, ?3)
         ON CONFLICT (post_id) DO UPDATE SET bin = excluded.bin, items = excluded.items",
    )?;
    let mut del_st = conn.prepare_cached("DELETE FROM detect_counted WHERE post_id = ?1")?;
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut delta: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut volume_bins: BTreeSet<i64> = BTreeSet::new();
    let mut touched: BTreeSet<i64> = BTreeSet::new();
    for id in changed {
        let old: Option<(i64, String)> = old_st
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((bin, items)) = &old {
            volume_bins.insert(*bin);
            for it in parse_ids(items) {
                *delta.entry((it, *bin)).or_default() -= 1;
                touched.insert(it);
            }
        }
        let Some((at, text)) = post_st
            .query_row([id], |r| {
                Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?
        else {
            continue;
        };
        let Some(at) = at else {
            if old.is_some() {
                del_st.execute([id])?;
            }
            continue;
        };
        let bin = at.div_euclid(BIN);
        volume_bins.insert(bin);
        let tags: Vec<String> = if kinds.hashtag {
            tag_st
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let urls: Vec<(String, Option<String>)> = if kinds.url || kinds.domain {
            url_st
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let text = (!kinds.terms.is_empty()).then_some(text.as_str());
        let items = kinds.items(&tags, &urls, text);
        if items.is_empty() {
            if old.is_some() {
                del_st.execute([id])?;
            }
            continue;
        }
        let mut list = Vec::with_capacity(items.len());
        for item in items {
            let item_id = match ids.get(&item) {
                Some(&i) => i,
                None => {
                    let i = match item_st
                        .query_row([&item], |r| r.get::<_, i64>(0))
                        .optional()?
                    {
                        Some(i) => i,
                        None => {
                            new_item_st.execute(params![item, bin])?;
                            conn.last_insert_rowid()
                        }
                    };
                    ids.insert(item, i);
                    i
                }
            };
            *delta.entry((item_id, bin)).or_default() += 1;
            touched.insert(item_id);
            list.push(item_id);
        }
        put_st.execute(params![id, bin, join_ids(&list)])?;
    }
    let mut out = Update {
        touched,
        ..Default::default()
    };
    let mut up_st = conn.prepare_cached(
        "INSERT INTO detect_counts (item_id, bin, posts) VALUES (?1, ?2, ?3)
         ON CONFLICT (item_id, bin) DO UPDATE SET posts = posts + excluded.posts",
    )?;
    let mut zero_st = conn.prepare_cached(
        "DELETE FROM detect_counts WHERE item_id = ?1 AND bin = ?2 AND posts <= 0",
    )?;
    let mut item_up = conn.prepare_cached(
        "UPDATE detect_items SET posts = posts + ?2, first_bin = min(first_bin, ?3), last_bin = max(last_bin, ?3) WHERE id = ?1",
    )?;
    for ((item, bin), d) in delta {
        if d == 0 {
            continue;
        }
        up_st.execute(params![item, bin, d])?;
        if d < 0 {
            zero_st.execute(params![item, bin])?;
        }
        item_up.execute(params![item, d, bin])?;
    }
    let mut count_st = conn
        .prepare_cached("SELECT count(*) FROM posts WHERE created_at >= ?1 AND created_at < ?2")?;
    let mut vol_put = conn.prepare_cached(
        "INSERT INTO detect_volume (bin, posts) VALUES (?1, ?2)
         ON CONFLICT (bin) DO UPDATE SET posts = excluded.posts",
    )?;
    let mut vol_del = conn.prepare_cached("DELETE FROM detect_volume WHERE bin = ?1")?;
    for &b in &volume_bins {
        let n: i64 = count_st.query_row(params![b * BIN, (b + 1) * BIN], |r| r.get(0))?;
        if n > 0 {
            vol_put.execute(params![b, n])?;
        } else {
            vol_del.execute([b])?;
        }
    }
    out.volume = volume_bins
        .first()
        .copied()
        .zip(volume_bins.last().copied());
    Ok(out)
}

/// Recounts the whole store: one pass over posts, hashtags and URLs in
/// post order (and post text when terms are watched).
fn full(conn: &Connection, kinds: &Kinds<'_>, min_posts: u32) -> Result<Update, Error> {
    conn.execute_batch(
        "DELETE FROM detect_counted; DELETE FROM detect_counts; DELETE FROM detect_items; DELETE FROM detect_volume;",
    )?;
    // Post times through the created_at index (covering), then in id order.
    let mut posts: Vec<(i64, i64)> = conn
        .prepare("SELECT id, created_at FROM posts WHERE created_at IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    posts.sort_unstable();
    let mut volume: BTreeMap<i64, u32> = BTreeMap::new();
    for (_, at) in &posts {
        *volume.entry(at.div_euclid(BIN)).or_default() += 1;
    }
    // Tags and URLs in post order (their primary keys start with post_id).
    let mut tag_st = conn.prepare("SELECT post_id, tag FROM hashtags ORDER BY post_id")?;
    let mut tags = tag_st.query([])?;
    let mut url_st =
        conn.prepare("SELECT post_id, canonical, domain FROM urls ORDER BY post_id, pos")?;
    let mut urls = url_st.query([])?;
    let mut text_st = conn.prepare("SELECT id, text FROM posts ORDER BY id")?;
    let mut texts = if kinds.terms.is_empty() {
        None
    } else {
        Some(text_st.query([])?)
    };
    let mut next_tag: Option<(i64, String)> = None;
    let mut next_url: Option<(i64, String, Option<String>)> = None;
    let mut next_text: Option<(i64, String)> = None;
    let mut tags_done = !kinds.hashtag;
    let mut urls_done = !(kinds.url || kinds.domain);
    let mut texts_done = texts.is_none();
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut stats: Vec<(u32, i64, i64)> = Vec::new();
    let mut counts: HashMap<(i64, i64), u32> = HashMap::new();
    let mut counted: Vec<(i64, i64, String)> = Vec::new();
    let mut post_tags: Vec<String> = Vec::new();
    let mut post_urls: Vec<(String, Option<String>)> = Vec::new();
    for &(id, at) in &posts {
        post_tags.clear();
        post_urls.clear();
        while !tags_done {
            if next_tag.is_none() {
                match tags.next()? {
                    Some(r) => next_tag = Some((r.get(0)?, r.get(1)?)),
                    None => {
                        tags_done = true;
                        break;
                    }
                }
            }
            match next_tag.take() {
                Some((p, _)) if p < id => {}
                Some((p, t)) if p == id => post_tags.push(t),
                other => {
                    next_tag = other;
                    break;
                }
            }
        }
        while !urls_done {
            if next_url.is_none() {
                match urls.next()? {
                    Some(r) => next_url = Some((r.get(0)?, r.get(1)?, r.get(2)?)),
                    None => {
                        urls_done = true;
                        break;
                    }
                }
            }
            match next_url.take() {
                Some((p, ..)) if p < id => {}
                Some((p, c, d)) if p == id => post_urls.push((c, d)),
                other => {
                    next_url = other;
                    break;
                }
            }
        }
        let mut text: Option<String> = None;
        while !texts_done {
            if next_text.is_none() {
                match texts.as_mut().map(|t| t.next()).transpose()?.flatten() {
                    Some(r) => next_text = Some((r.get(0)?, r.get(1)?)),
                    None => {
                        texts_done = true;
                        break;
                    }
                }
            }
            match next_text.take() {
                Some((p, _)) if p < id => {}
                Some((p, t)) if p == id => {
                    text = Some(t);
                    break;
                }
                other => {
                    next_text = other;
                    break;
                }
            }
        }
        let items = kinds.items(&post_tags, &post_urls, text.as_deref());
        if items.is_empty() {
            continue;
        }
        let bin = at.div_euclid(BIN);
        let mut list = Vec::with_capacity(items.len());
        for item in items {
            let item_id = match ids.get(&item) {
                Some(&i) => i,
                None => {
                    let i = names.len() as i64 + 1;
                    ids.insert(item.clone(), i);
                    names.push(item);
                    stats.push((0, bin, bin));
                    i
                }
            };
            let s = &mut stats[(item_id - 1) as usize];
            s.0 += 1;
            s.1 = s.1.min(bin);
            s.2 = s.2.max(bin);
            *counts.entry((item_id, bin)).or_default() += 1;
            list.push(item_id);
        }
        counted.push((id, bin, join_ids(&list)));
    }
    drop(ids);
    {
        let mut st = conn.prepare(
            "INSERT INTO detect_items (id, item, posts, first_bin, last_bin) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (i, (name, s)) in names.iter().zip(&stats).enumerate() {
            st.execute(params![i as i64 + 1, name, s.0, s.1, s.2])?;
        }
        let mut keys: Vec<((i64, i64), u32)> = counts.into_iter().collect();
        keys.sort_unstable();
        let mut st =
            conn.prepare("INSERT INTO detect_counts (item_id, bin, posts) VALUES (?1, ?2, ?3)")?;
        let mut series: ItemSeries = Vec::new();
        for ((item, bin), n) in keys {
            st.execute(params![item, bin, n])?;
            let idx = (item - 1) as usize;
            if stats[idx].0 >= min_posts {
                if series.last().is_none_or(|s| s.0 != item) {
                    series.push((item, names[idx].clone(), BTreeMap::new()));
                }
                if let Some(s) = series.last_mut() {
                    s.2.insert(bin, n);
                }
            }
        }
        let mut st =
            conn.prepare("INSERT INTO detect_counted (post_id, bin, items) VALUES (?1, ?2, ?3)")?;
        for (id, bin, items) in &counted {
            st.execute(params![id, bin, items])?;
        }
        let mut st = conn.prepare("INSERT INTO detect_volume (bin, posts) VALUES (?1, ?2)")?;
        for (b, n) in &volume {
            st.execute(params![b, n])?;
        }
        Ok(Update {
            touched: BTreeSet::new(),
            volume: volume
                .keys()
                .next()
                .copied()
                .zip(volume.keys().last().copied()),
            full: Some(series),
        })
    }
}

/// The store's posts per bin.
pub(crate) fn volume(conn: &Connection) -> Result<BTreeMap<i64, u32>, Error> {
    let mut st = conn.prepare_cached("SELECT bin, posts FROM detect_volume")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An item's posts per bin.
pub(crate) fn series(conn: &Connection, item: i64) -> Result<BTreeMap<i64, u32>, Error> {
    let mut st = conn
        .prepare_cached("SELECT bin, posts FROM detect_counts WHERE item_id = ?1 AND posts > 0")?;
    let rows = st.query_map([item], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Items (id, name) with at least `min_posts` posts, some of them between
/// bins `lo` and `hi`.
pub(crate) fn busy_items(
    conn: &Connection,
    min_posts: u32,
    lo: i64,
    hi: i64,
) -> Result<Vec<(i64, String)>, Error> {
    let mut st = conn.prepare_cached(
        "SELECT id, item FROM detect_items WHERE posts >= ?1 AND last_bin >= ?2 AND first_bin <= ?3",
    )?;
    let rows = st.query_map(params![min_posts, lo, hi], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The names of items.
pub(crate) fn names(conn: &Connection, ids: &BTreeSet<i64>) -> Result<Vec<(i64, String)>, Error> {
    let mut st = conn.prepare_cached("SELECT item FROM detect_items WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(n) = st.query_row([id], |r| r.get(0)).optional()? {
            out.push((id, n));
        }
    }
    Ok(out)
}

/// The posts counted under item `id` (named `item`, with `total` posts in
/// all) between times `from` and `to` (inclusive): time, post ref, author
/// ref; by time, then ref. Rare hashtags and URLs are looked up through
/// their indexes; busy items, domains and terms by the posts of the time
/// range.
pub(crate) fn posts(
    conn: &Connection,
    (id, item, total): (i64, &str, u32),
    from: i64,
    to: i64,
) -> Result<Vec<(i64, String, Option<String>)>, Error> {
    const COLS: &str = "SELECT DISTINCT p.created_at, p.ref, a.ref FROM posts p LEFT JOIN actors a ON a.id = p.author_id";
    let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    let mut out: Vec<(i64, String, Option<String>)> = Vec::new();
    let rare = total <= 5_000;
    if let Some(tag) = item.strip_prefix('#').filter(|t| {
        // SQLite's lower() folds ASCII only: tags with other cased
        // letters take the general path.
        rare && t.chars().all(|c| c.is_ascii() || !c.is_lowercase())
    }) {
        let mut st = conn.prepare_cached(&format!(
            "{COLS} JOIN hashtags h ON h.post_id = p.id WHERE lower(h.tag) = ?1 AND p.created_at BETWEEN ?2 AND ?3"
        ))?;
        for r in st.query_map(params![tag, from, to], map)? {
            out.push(r?);
        }
    } else if let Some(url) = item.strip_prefix("url:").filter(|_| rare) {
        let mut st = conn.prepare_cached(&format!(
            "{COLS} JOIN urls u ON u.post_id = p.id WHERE u.canonical = ?1 AND p.created_at BETWEEN ?2 AND ?3"
        ))?;
        for r in st.query_map(params![url, from, to], map)? {
            out.push(r?);
        }
    } else {
        let mut st = conn.prepare_cached(
            "SELECT p.created_at, p.ref, a.ref, c.items FROM posts p
             JOIN detect_counted c ON c.post_id = p.id LEFT JOIN actors a ON a.id = p.author_id
             WHERE p.created_at BETWEEN ?1 AND ?2",
        )?;
        let mut rows = st.query(params![from, to])?;
        while let Some(r) = rows.next()? {
            let items: String = r.get(3)?;
            if parse_ids(&items).any(|i| i == id) {
                out.push((r.get(0)?, r.get(1)?, r.get(2)?));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn join_ids(ids: &[i64]) -> String {
    let mut s = String::with_capacity(ids.len() * 7);
    for (k, i) in ids.iter().enumerate() {
        if k > 0 {
            s.push(' ');
        }
        s.push_str(&i.to_string());
    }
    s
}

fn parse_ids(s: &str) -> impl Iterator<Item = i64> + '_ {
    s.split(' ').filter_map(|x| x.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Fx, T0};

    /// Item → bin → posts, by item name (ids differ between passes), with
    /// the overall volume as item "*".
    fn snapshot(conn: &Connection) -> BTreeMap<String, BTreeMap<i64, i64>> {
        let mut out: BTreeMap<String, BTreeMap<i64, i64>> = BTreeMap::new();
        let mut st = conn
            .prepare("SELECT i.item, c.bin, c.posts FROM detect_counts c JOIN detect_items i ON i.id = c.item_id WHERE c.posts != 0")
            .unwrap();
        for r in st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
        {
            let (i, b, n): (String, i64, i64) = r.unwrap();
            out.entry(i).or_default().insert(b, n);
        }
        let mut st = conn
            .prepare("SELECT bin, posts FROM detect_volume")
            .unwrap();
        for r in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap() {
            let (b, n) = r.unwrap();
            out.entry("*".into()).or_default().insert(b, n);
        }
        out
    }

    fn seq(fx: &Fx) -> i64 {
        crate::store_seq(fx.conn()).unwrap()
    }

    #[test]
    fn incremental_counts_equal_a_full_pass() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        let terms = [("ceasefire".to_string(), Names::new(["ceasefire", "هدنة"]))];
        let kinds = Kinds {
            hashtag: true,
            url: true,
            domain: true,
            terms: &terms,
        };
        let tag = |fx: &mut Fx, id: i64, t: &str| {
            fx.conn()
                .execute(
                    "INSERT INTO hashtags (post_id, tag) VALUES (?1, ?2)",
                    params![id, t],
                )
                .unwrap();
        };
        let p1 = fx.post("x:10", a, T0, "#News and a ceasefire");
        tag(&mut fx, p1, "News");
        tag(&mut fx, p1, "news");
        let p2 = fx.post("x:11", a, T0 + 100, "a link");
        fx.conn()
            .execute(
                "INSERT INTO urls (post_id, pos, url, canonical, domain) VALUES (?1, 0, 'https://t.co/x', 'https://bbc.co.uk/a', 'bbc.co.uk')",
                [p2],
            )
            .unwrap();
        update(fx.conn(), 0, seq(&fx), &kinds, 1).unwrap();
        let first = snapshot(fx.conn());
        assert_eq!(
            first["#news"],
            BTreeMap::from([(T0 / BIN, 1)]),
            "once per post"
        );
        assert_eq!(first["term:ceasefire"].values().sum::<i64>(), 1);
        assert_eq!(first["*"].values().sum::<i64>(), 2);
        let since = seq(&fx);
        // A new post; a new version that drops the term and names it in
        // Arabic instead; a richer record that replaces p2's entities.
        let p3 = fx.post("x:12", a, T0 + 5000, "#Other");
        tag(&mut fx, p3, "Other");
        fx.edit(p1, "#News هدنة", None);
        fx.edit(p2, "no link now", None);
        fx.conn()
            .execute("DELETE FROM urls WHERE post_id = ?1", [p2])
            .unwrap();
        tag(&mut fx, p2, "late");
        let u = update(fx.conn(), since, seq(&fx), &kinds, 1).unwrap();
        let inc = snapshot(fx.conn());
        assert!(!inc.contains_key("url:https://bbc.co.uk/a"), "{inc:?}");
        assert_eq!(inc["#late"].values().sum::<i64>(), 1);
        assert_eq!(u.volume, Some((T0 / BIN, (T0 + 5000) / BIN)));
        let names: BTreeSet<String> = names(fx.conn(), &u.touched)
            .unwrap()
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        for i in [
            "#news",
            "term:ceasefire",
            "#other",
            "url:https://bbc.co.uk/a",
            "domain:bbc.co.uk",
            "#late",
        ] {
            assert!(names.contains(i), "{i} touched: {names:?}");
        }
        update(fx.conn(), 0, seq(&fx), &kinds, 1).unwrap();
        assert_eq!(snapshot(fx.conn()), inc, "a full pass counts the same");
    }
}
