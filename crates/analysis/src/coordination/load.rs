//! The messages of one coordination run.
//!
//! [`load`] turns the store's primary posts (`posts.embedded = 0`: a tweet
//! only ever seen inside another record is not a message, as in the
//! toolkit) into a [`Corpus`]: compact [`Msg`] records sorted by time, the
//! accounts as dense integer ids, and what the chosen [`Network`] compares,
//! interned as integers: the shared *keys* of each message (the retweeted
//! post, the normalised text, the URL, the replied-to post, the hashtag) or
//! its token set for co-similar. Everything later works on those integers.
//!
//! # What a message is made of, per mode
//!
//! | field | `--compat cnt` | default |
//! |---|---|---|
//! | account (node id) | the CNT CSV's raw `user_id` cell; else `actors.native_id` | the actor; its node id is `actors.native_id` (for CSV actors without the `<file>:` prefix the store adds) |
//! | time `t` (seconds) | CNT CSV: the raw `timestamp` cell as a float; X: `(id >> 22) / 1000` (the toolkit's snowflake seconds, with the record's numeric `id` when it has one); else `created_at` | CNT CSV: the raw `timestamp`; X: the snowflake's Unix milliseconds when they agree with `created_at`; else `created_at` |
//! | repost of | CNT CSV: the raw `repost_id` cell; else `posts.repost_of` without its platform prefix | `posts.repost_of`; a Telegram forward without it is keyed by its source and text |
//! | reply to | CNT CSV: the raw `reply_id` cell; else `posts.reply_to` without its prefix | `posts.reply_to` |
//! | text | CNT CSV: the raw `message`; X: the raw record's `full_text` › `extended_tweet.full_text` › `text`; else `posts.text` | `posts.text` through `tarjuman_text::normalize` |
//! | URLs | CNT CSV: the raw `urls` cell split on single spaces (an empty cell is one URL `""`); X: the raw `entities.urls[].expanded_url` (`extended_tweet`'s when present) | `urls.expanded`, else `urls.url` |
//! | hashtags | `hashtags.tag`, lower-cased | the same |
//!
//! A *repost* (anything with a repost key; in default mode also a Telegram
//! forward) records no URLs and takes no part in co-tweet, co-similar,
//! co-reply and co-hashtag. A message without a finite time is skipped.
//! "CNT CSV" means a post whose first version came from a CSV capture whose
//! raw row has the toolkit's `timestamp` column. In compat mode the text and
//! raw record are those of the post's first version, as the toolkit keeps
//! the first record of a message.
//!
//! These rules are applied once per post by [`super::extract`], whose
//! results [`super::features`] keeps on disk; [`load`] applies them to the
//! whole store in memory, for a run without a data folder.

use super::features;
use super::{CoordError, Mode, Network};
use rusqlite::Connection;
use tarjuman_model::Platform;

/// What to load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The network the messages are for: it decides which keys are read.
    pub network: Network,
    /// The toolkit's text, time and URL rules, or tarjuman's.
    pub mode: Mode,
    /// Only posts of this platform.
    pub platform: Option<Platform>,
    /// Only posts created at or after this Unix time.
    pub since: Option<i64>,
    /// Only posts created before this Unix time.
    pub until: Option<i64>,
}

/// One message: a primary post, in compact form.
#[derive(Clone, Copy, Debug)]
pub struct Msg {
    /// `posts.id` in the store.
    pub post_id: i64,
    /// `posts.created_at`, Unix seconds (0 when unknown).
    pub created_at: i64,
    /// The time compared against the window, in seconds (see the module
    /// docs: in compat mode X posts use the toolkit's snowflake seconds).
    pub t: f64,
    /// The author, an index into [`Corpus::users`].
    pub user: u32,
}

/// An account taking part in the run.
#[derive(Clone, Debug)]
pub struct User {
    /// The node id written to exports: the native user id as a string.
    pub id: String,
    /// The actor (`actors.id`; in compat mode the first actor seen with
    /// this id).
    pub actor: i64,
    /// The actor's ref (`x:<id>`, `csv:<file>:<id>`); empty until
    /// [`resolve_actors`] reads it.
    pub actor_ref: String,
    /// The latest handle, when known (read by [`resolve_actors`]).
    pub handle: Option<String>,
}

impl User {
    /// An account with node id `id`, written by actor `actor`.
    pub fn new(id: String, actor: i64) -> User {
        User {
            id,
            actor,
            actor_ref: String::new(),
            handle: None,
        }
    }
}

/// The messages of one run, sorted by time, with their keys or tokens.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Messages sorted by (`t`, `post_id`); a message's index is its id below.
    pub msgs: Vec<Msg>,
    /// The accounts; [`Msg::user`] indexes this.
    pub users: Vec<User>,
    /// `(key, message)` pairs sorted by key then message (so by time within
    /// a key), one per distinct key of a message.
    pub events: Vec<(u32, u32)>,
    /// The text of each key: a post ref or id, a URL, a normalised text, a
    /// hashtag.
    pub key_names: Vec<String>,
    /// Co-similar: token ids of message `i` are
    /// `token_data[token_offsets[i]..token_offsets[i + 1]]`, distinct.
    pub token_offsets: Vec<u32>,
    /// See [`Corpus::token_offsets`].
    pub token_data: Vec<u32>,
    /// How many distinct tokens there are.
    pub n_tokens: u32,
}

impl Corpus {
    /// The tokens of message `i` (co-similar only; empty otherwise).
    pub fn tokens(&self, i: usize) -> &[u32] {
        match (self.token_offsets.get(i), self.token_offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.token_data.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Sorts the messages by (`t`, `post_id`), renumbers events and tokens to
/// match, and sorts and de-duplicates the events.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_corpus(
    msgs: Vec<Msg>,
    users: Vec<User>,
    mut events: Vec<(u32, u32)>,
    key_names: Vec<String>,
    token_offsets: Vec<u32>,
    token_data: Vec<u32>,
    n_tokens: u32,
    with_tokens: bool,
) -> Corpus {
    let before = |a: &Msg, b: &Msg| a.t.total_cmp(&b.t).then(a.post_id.cmp(&b.post_id));
    // Posts are often stored in time order already: then nothing moves.
    if msgs
        .windows(2)
        .all(|w| before(&w[0], &w[1]) != std::cmp::Ordering::Greater)
    {
        events.sort_unstable();
        events.dedup();
        let with = |v: Vec<u32>| if with_tokens { v } else { Vec::new() };
        return Corpus {
            msgs,
            users,
            events,
            key_names,
            token_offsets: with(token_offsets),
            token_data: with(token_data),
            n_tokens,
        };
    }
    let mut order: Vec<u32> = (0..msgs.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| before(&msgs[a as usize], &msgs[b as usize]));
    let mut new_of = vec![0u32; msgs.len()];
    for (new, &old) in order.iter().enumerate() {
        new_of[old as usize] = new as u32;
    }
    let sorted: Vec<Msg> = order.iter().map(|&o| msgs[o as usize]).collect();
    for e in &mut events {
        e.1 = new_of[e.1 as usize];
    }
    events.sort_unstable();
    events.dedup();
    let (token_offsets, token_data) = if with_tokens {
        let mut offs = Vec::with_capacity(order.len() + 1);
        let mut data = Vec::with_capacity(token_data.len());
        offs.push(0u32);
        for &old in &order {
            let (a, b) = (
                token_offsets[old as usize] as usize,
                token_offsets[old as usize + 1] as usize,
            );
            data.extend_from_slice(&token_data[a..b]);
            offs.push(data.len() as u32);
        }
        (offs, data)
    } else {
        (Vec::new(), Vec::new())
    };
    Corpus {
        msgs: sorted,
        users,
        events,
        key_names,
        token_offsets,
        token_data,
        n_tokens,
    }
}

/// Reads the messages for one run straight from the store, without a
/// features file: every post's features are worked out in memory.
pub fn load(conn: &Connection, o: &LoadOptions) -> Result<Corpus, CoordError> {
    let mut mem = features::in_memory(conn)?;
    features::select(&mut mem, o)
}

/// Fills in the ref and handle of the accounts `which` (indices into
/// `users`) from the store's `actors` table.
pub fn resolve_actors(
    conn: &Connection,
    users: &mut [User],
    which: impl IntoIterator<Item = u32>,
) -> Result<(), CoordError> {
    let mut st = conn.prepare_cached("SELECT ref, handle FROM actors WHERE id = ?1")?;
    for u in which {
        let Some(user) = users.get_mut(u as usize) else {
            continue;
        };
        if !user.actor_ref.is_empty() {
            continue;
        }
        let row: Option<(String, Option<String>)> = {
            use rusqlite::OptionalExtension;
            st.query_row([user.actor], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
        };
        if let Some((r, h)) = row {
            user.actor_ref = r;
            user.handle = h;
        }
    }
    Ok(())
}
