//! Telegram Desktop "Export chat history" → JSON (`result.json`).
//!
//! # The format
//!
//! Telegram Desktop writes one pretty-printed JSON document. Two shapes:
//! - **one chat**: `{"name", "type", "id", "messages": [...]}`;
//! - **a full-account export**: `{"about", "personal_information", …,
//!   "chats": {"about", "list": [chat, …]}, "left_chats": {"list": [...]}}`,
//!   where every chat has the one-chat shape.
//!
//! Each element of `messages` is an object with `id` (per-chat integer),
//! `type` (`message`, `service`, rarely `unsupported`), `date` (the
//! exporting machine's *local* time, `2020-11-12T12:54:07`, no offset),
//! `date_unixtime` (a string of digits; exports since 2022), `from` (display
//! name, may be null) and `from_id` (`"user123"`, `"channel456"`, `"chat9"`;
//! a bare integer in 2020-era exports), `text`, and optionally
//! `text_entities`, `edited` / `edited_unixtime`, `reply_to_message_id`,
//! `reply_to_peer_id`, `forwarded_from` (a name) / `forwarded_from_id`,
//! `photo`, `file` / `file_name` / `media_type`, `reactions`.
//!
//! # Mapping
//!
//! - Every message of type `message` becomes a [`PostRecord`] with ref
//!   `telegram:<chat id>/<message id>`; the chat id is the chat's numeric `id`.
//! - Author: `from_id` with its `user`/`channel`/`chat` prefix stripped →
//!   `telegram:<n>`, display name `from`. Without `from_id`, the author of a
//!   post in a channel is the channel (`telegram:<chat id>`, the chat's name);
//!   elsewhere it is unknown (empty ref), with `from` as display name.
//! - `created_at` from `date_unixtime`; **fallback**: `date` read as if it
//!   were UTC. It is really the local time of the machine that exported the
//!   file, so such times may be off by that machine's UTC offset. `edited_at`
//!   likewise from `edited_unixtime`, else `edited`.
//! - `text` is a string, or an array of strings and entity objects
//!   (`{"type": "bold", "text": …}`) whose texts are concatenated.
//! - Hashtags, mentions and URLs come from the entities (`text_entities` when
//!   present, else the entity objects inside a `text` array): `hashtag`,
//!   `mention` (handle only), `mention_name` (`user_id` → ref), `link`
//!   (given as written), `text_link` (its `href`). A message with neither
//!   falls back to scanning the plain text.
//! - `reply_to_message_id` → `reply_to` in the same chat, or in the chat named
//!   by `reply_to_peer_id`. `forwarded_from_id` / `forwarded_from` →
//!   `forwarded_from` (`telegram:<id>`, else `telegram:name:<name>`).
//! - `photo` → media `photo`; `file` → media of kind `media_type` (else
//!   `file`), keyed by `file_name` when present, else by the path. Placeholders
//!   such as `(File not included. …)` are kept as keys.
//! - The sum of `reactions[].count` → `likes`.
//! - Before a chat's messages: a [`Scope`] `telegram-chat:<chat id>`, and for
//!   channels an [`ActorRecord`] for the channel itself.
//!
//! # Quirks
//!
//! - Service messages (joins, pins, calls, …) are skipped silently: they are
//!   not posts and not errors. Other non-`message` types (`unsupported`) are
//!   reported as problems, since their content is lost.
//! - A message without an integer `id` (hand-written exports) is a problem.
//! - A chat whose `id` does not come before its `messages` (or has none) is
//!   reported once and gets chat id `unknown`.
//! - A message that is not valid UTF-8 is a problem; the next one is read.
//! - Names may be mojibake in the file itself; they are kept as written.
//! - Peer ids of users, chats and channels share one namespace
//!   (`telegram:<n>`), as the model wants; `from_id` tells them apart only by
//!   its prefix, which is dropped.
//!
//! # Streaming
//!
//! The document is never held in memory: a [`serde_json::Deserializer`] walks
//! the top-level object, and each message is read as one raw JSON value (kept
//! as the post's `raw`) capped at [`DecodeOptions::max_record_bytes`]. A
//! syntax error (a truncated file) cannot be resynchronised: what was decoded
//! so far is kept, one problem is reported and the rest is skipped. So is a
//! message over the size cap, and JSON nested deeper than 256 levels. Parts of
//! a full-account export other than chats (contacts, sessions, …) are skipped
//! without being held, so they are not capped. Reading goes through
//! [`CountingReader`] one byte at a time (serde_json's reader interface), which
//! costs speed (about 35 MB/s in a release build) but gives exact lines.

use super::util::{Counted, hashtags_in, mentions_in, urls_in};
use crate::framing::{CountingReader, Position};
use crate::{DecodeError, DecodeOptions, Decoder, Sniff, Summary};
use chrono::NaiveDateTime;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::rc::Rc;
use tarjuman_model::{
    ActorRecord, Flow, MediaRef, Platform, PostLink, PostRecord, Problem, Record, RecordSink,
    Scope, UrlRef, actor_ref, post_ref,
};

const NAME: &str = "telegram-export";
/// The chat id used when a chat's `id` is missing or comes after `messages`:
/// `unknown-<FNV-1a 64 of the chat's name, hex>`, or `unknown` without a name.
const UNKNOWN_CHAT: &str = "unknown";

/// FNV-1a, 64 bits: a stable hash for fallback chat ids.
fn fnv64(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
        (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
    })
}
const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
/// Chat `type`s Telegram Desktop writes.
const CHAT_TYPES: &[&str] = &[
    "personal_chat",
    "bot_chat",
    "saved_messages",
    "replies",
    "verification_codes",
    "private_group",
    "private_supergroup",
    "public_supergroup",
    "private_channel",
    "public_channel",
];

/// The Telegram Desktop JSON export decoder.
pub struct TelegramExport;

impl Decoder for TelegramExport {
    fn name(&self) -> &'static str {
        NAME
    }

    fn about(&self) -> &'static str {
        "Telegram Desktop \"Export chat history\" JSON (result.json): one chat, or a full-account export of many"
    }

    fn sniff(&self, head: &[u8], _file_name: &str) -> Sniff {
        let h = String::from_utf8_lossy(head);
        let t = h.trim_start_matches('\u{feff}').trim_start();
        if !t.starts_with('{') {
            return Sniff::No;
        }
        let messages = key_then(&h, "messages", |r| r.starts_with('['));
        let account = key_then(&h, "chats", |r| r.starts_with('{'))
            && (key_then(&h, "about", |_| true) || key_then(&h, "list", |r| r.starts_with('[')));
        let hint = [
            "\"date_unixtime\"",
            "\"from_id\"",
            "\"text_entities\"",
            "\"reply_to_message_id\"",
            "\"forwarded_from\"",
        ]
        .iter()
        .any(|k| h.contains(k))
            || key_then(&h, "type", |r| {
                CHAT_TYPES.iter().chain(&["message", "service"]).any(|ct| {
                    r.strip_prefix('"')
                        .and_then(|r| r.strip_prefix(ct))
                        .is_some_and(|r| r.starts_with('"'))
                })
            });
        let x_api = [
            "\"id_str\"",
            "\"author_id\"",
            "\"__twarc\"",
            "\"edit_history_tweet_ids\"",
        ]
        .iter()
        .any(|k| h.contains(k));
        if x_api {
            return if messages && hint {
                Sniff::Maybe
            } else {
                Sniff::No
            };
        }
        if account || (messages && hint) {
            Sniff::Certain
        } else if messages {
            Sniff::Maybe
        } else {
            Sniff::No
        }
    }

    fn decode(
        &self,
        input: &mut dyn BufRead,
        opts: &DecodeOptions,
        out: &mut dyn RecordSink,
    ) -> Result<Summary, DecodeError> {
        let mut reader = CountingReader::new(input);
        let pos = reader.pos.clone();
        match reader.fill_buf() {
            Ok(b) if b.starts_with(BOM) => reader.consume(BOM.len()),
            Ok(_) => {}
            Err(e) => return Err(DecodeError::Io { line: 1, source: e }),
        }
        let ctl = Rc::new(Cell::new(Cap::Keep));
        let too_deep = Rc::new(Cell::new(false));
        let max = opts.max_record_bytes;
        let mut st = State {
            out: Counted::new(out),
            pos: pos.clone(),
            ctl: ctl.clone(),
            max,
            capped_at: None,
            stopped: None,
            saw_object: false,
            saw_content: false,
        };
        let res = {
            let mut de = serde_json::Deserializer::from_reader(Capped {
                inner: &mut reader,
                ctl,
                nest: Nesting::default(),
                too_deep: too_deep.clone(),
            });
            ChatSeed {
                st: &mut st,
                top: true,
            }
            .deserialize(&mut de)
            .and_then(|()| de.end())
        };
        let State {
            mut out,
            stopped,
            saw_object,
            saw_content,
            capped_at,
            ..
        } = st;
        if let Some(line) = stopped {
            return Err(DecodeError::Stopped { line });
        }
        let line = pos.line();
        match res {
            Ok(()) if !saw_content => {
                return Err(DecodeError::NotFormat {
                    format: NAME,
                    line,
                    reason: "a JSON object with neither `messages` nor `chats`".into(),
                });
            }
            Ok(()) => {}
            Err(e) => {
                let over = capped_at.filter(|c| pos.offset().saturating_sub(c.offset) > max as u64);
                if e.is_io() && over.is_none() && !too_deep.get() {
                    return Err(DecodeError::Io {
                        line,
                        source: e.into(),
                    });
                }
                if !saw_object {
                    return Err(DecodeError::NotFormat {
                        format: NAME,
                        line,
                        reason: format!("not a JSON object: {e}"),
                    });
                }
                if !saw_content {
                    return Err(DecodeError::NotFormat {
                        format: NAME,
                        line,
                        reason: format!("no `messages` or `chats` before the JSON broke off: {e}"),
                    });
                }
                let reason = match over {
                    _ if too_deep.get() => format!(
                        "JSON nested deeper than {MAX_DEPTH} levels at line {line}; the rest of the file is skipped"
                    ),
                    Some(c) => format!(
                        "{} starting near line {} is over the {max} byte limit; the rest of the file is skipped",
                        c.what, c.line
                    ),
                    None if e.is_data() => format!(
                        "unexpected JSON at line {line}: {e}; the rest of the file is skipped"
                    ),
                    None => {
                        format!("invalid JSON at line {line}: {e}; the rest of the file is skipped")
                    }
                };
                if out.problem(Problem::new(line, pos.offset(), reason, b"")) == Flow::Stop {
                    return Err(DecodeError::Stopped { line });
                }
            }
        }
        Ok(Summary {
            records: out.records,
            problems: out.problems,
            lines: pos.lines(),
        })
    }
}

/// True when `h` has `"key"`, a colon, and then a value for which `f` holds.
fn key_then(h: &str, key: &str, f: impl Fn(&str) -> bool) -> bool {
    let pat = format!("\"{key}\"");
    h.match_indices(&pat).any(|(i, _)| {
        let rest = h[i + pat.len()..].trim_start();
        rest.strip_prefix(':').is_some_and(|r| f(r.trim_start()))
    })
}

// ---------------------------------------------------------------------------
// Size cap: the deserializer owns the reader, so the visitors ask for a new
// mark through a shared cell, applied on the next read.
//
// Skipped values are read without a size cap (serde_json skips them without
// holding them), but serde_json keeps one byte per nesting level while it
// skips, so the reader also refuses JSON nested deeper than `MAX_DEPTH`.

/// The deepest JSON nesting accepted; Telegram exports are about 6 deep.
const MAX_DEPTH: u32 = 256;

/// Tracks JSON nesting depth over the bytes read.
#[derive(Default)]
struct Nesting {
    depth: u32,
    in_str: bool,
    escaped: bool,
}

impl Nesting {
    /// Feeds bytes; false when the nesting goes over [`MAX_DEPTH`].
    fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            if self.in_str {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_str = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_str = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return false;
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        true
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cap {
    /// Leave the limit as it is.
    Keep,
    /// Mark here and allow this many bytes.
    Start(usize),
    /// No limit (values that are skipped without being held).
    Off,
}

struct Capped<'r, R> {
    inner: &'r mut CountingReader<R>,
    ctl: Rc<Cell<Cap>>,
    nest: Nesting,
    too_deep: Rc<Cell<bool>>,
}

impl<R: BufRead> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.ctl.replace(Cap::Keep) {
            Cap::Start(n) => {
                self.inner.set_limit(n);
                self.inner.mark();
            }
            Cap::Off => self.inner.set_limit(usize::MAX),
            Cap::Keep => {}
        }
        let n = self.inner.read(buf)?;
        if !self.nest.feed(&buf[..n]) {
            self.too_deep.set(true);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "JSON nested too deeply",
            ));
        }
        Ok(n)
    }
}

#[derive(Clone, Copy)]
struct CapStart {
    line: u64,
    offset: u64,
    what: &'static str,
}

// ---------------------------------------------------------------------------
// The walk.

struct State<'o> {
    out: Counted<'o>,
    pos: Position,
    ctl: Rc<Cell<Cap>>,
    max: usize,
    /// Where the value read under the current cap started.
    capped_at: Option<CapStart>,
    /// Set when the sink asked to stop, with the line.
    stopped: Option<u64>,
    /// The top-level value is an object.
    saw_object: bool,
    /// A `messages` or `chats` key was seen.
    saw_content: bool,
}

impl State<'_> {
    fn cap(&mut self, what: &'static str) {
        self.ctl.set(Cap::Start(self.max));
        self.capped_at = Some(CapStart {
            line: self.pos.line(),
            offset: self.pos.offset(),
            what,
        });
    }

    fn uncap(&mut self) {
        self.ctl.set(Cap::Off);
        self.capped_at = None;
    }

    fn record<E: de::Error>(&mut self, line: u64, r: Record) -> Result<(), E> {
        if self.out.record(line, r) == Flow::Stop {
            self.stopped = Some(line);
            return Err(E::custom("stopped"));
        }
        Ok(())
    }

    fn problem<E: de::Error>(&mut self, p: Problem) -> Result<(), E> {
        let line = p.line;
        if self.out.problem(p) == Flow::Stop {
            self.stopped = Some(line);
            return Err(E::custom("stopped"));
        }
        Ok(())
    }

    /// The chat's `messages` begin: settle its id, emit its scope (and the
    /// channel as an actor).
    fn begin_chat<E: de::Error>(&mut self, head: &ChatHead) -> Result<Chat, E> {
        let line = self.pos.line();
        let id = head.id.as_ref().and_then(peer_of);
        // Chats without a usable id are told apart by their name, so that two
        // of them in one export do not share message refs.
        let fallback = match head.name.as_deref() {
            Some(n) => format!("{UNKNOWN_CHAT}-{:016x}", fnv64(n.as_bytes())),
            None => UNKNOWN_CHAT.to_string(),
        };
        if id.is_none() {
            let what = head
                .name
                .as_deref()
                .map(|n| format!("chat {:?}", short_str(n)))
                .unwrap_or_else(|| "the chat".into());
            let reason = match &head.id {
                Some(v) => format!(
                    "{what} has id {}, not an integer; its messages get chat id `{fallback}`",
                    short(v)
                ),
                None => format!(
                    "{what} has no `id` before its `messages`; its messages get chat id `{fallback}`"
                ),
            };
            self.problem(Problem::new(line, self.pos.offset(), reason, b""))?;
        }
        let known = id.is_some();
        let id = id.unwrap_or(fallback);
        let is_channel = head.kind.as_deref().is_some_and(|k| k.contains("channel"));
        let label = format!(
            "Telegram {} {:?}",
            head.kind.as_deref().unwrap_or("chat"),
            head.name.as_deref().unwrap_or("")
        );
        self.record(
            line,
            Record::Scope(Scope {
                key: format!("telegram-chat:{id}"),
                label,
                start: None,
                end: None,
            }),
        )?;
        if is_channel && known {
            let a = ActorRecord {
                ref_: actor_ref(Platform::Telegram, &id),
                display_name: head.name.clone(),
                ..ActorRecord::default()
            };
            self.record(line, Record::Actor(a))?;
        }
        Ok(Chat {
            id,
            known,
            name: head.name.clone(),
            is_channel,
        })
    }

    /// One raw message, just read: the reader is at its end.
    fn message<E: de::Error>(&mut self, chat: &Chat, bytes: &[u8]) -> Result<(), E> {
        let nl = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        let line = self.pos.line().saturating_sub(nl).max(1);
        let offset = self.pos.offset().saturating_sub(bytes.len() as u64);
        match to_post(chat, bytes) {
            Ok(Some(p)) => self.record(line, Record::Post(Box::new(p))),
            Ok(None) => Ok(()),
            Err(reason) => self.problem(Problem::new(line, offset, reason, bytes)),
        }
    }
}

/// What a chat object said before its `messages`.
#[derive(Default)]
struct ChatHead {
    name: Option<String>,
    kind: Option<String>,
    id: Option<Value>,
}

/// The chat its messages belong to.
struct Chat {
    id: String,
    known: bool,
    name: Option<String>,
    is_channel: bool,
}

enum Key {
    Name,
    Type,
    Id,
    Messages,
    Chats,
    List,
    Other,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "name" => Key::Name,
            "type" => Key::Type,
            "id" => Key::Id,
            "messages" => Key::Messages,
            "chats" | "left_chats" => Key::Chats,
            "list" => Key::List,
            _ => Key::Other,
        })
    }
}

/// A chat object, or (with `top`) the whole document.
struct ChatSeed<'s, 'o> {
    st: &'s mut State<'o>,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for ChatSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.top {
            d.deserialize_map(self)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for ChatSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.top {
            "a Telegram export object"
        } else {
            "a chat object"
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.st;
        if self.top {
            st.saw_object = true;
        }
        let mut head = ChatHead::default();
        loop {
            st.cap("a key");
            let Some(key) = map.next_key_seed(KeySeed)? else {
                break;
            };
            match key {
                Key::Name => head.name = map.next_value::<Value>()?.as_str().map(str::to_owned),
                Key::Type => head.kind = map.next_value::<Value>()?.as_str().map(str::to_owned),
                Key::Id => head.id = Some(map.next_value::<Value>()?).filter(|v| !v.is_null()),
                Key::Messages => {
                    st.saw_content = true;
                    let chat = st.begin_chat(&head)?;
                    map.next_value_seed(MessagesSeed {
                        st: &mut *st,
                        chat: &chat,
                    })?;
                }
                Key::Chats if self.top => {
                    st.saw_content = true;
                    st.uncap();
                    map.next_value_seed(SectionSeed { st: &mut *st })?;
                }
                _ => {
                    st.uncap();
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        st.uncap();
        Ok(())
    }
}

/// `chats` / `left_chats` of a full-account export: `{"about", "list": [...]}`.
struct SectionSeed<'s, 'o> {
    st: &'s mut State<'o>,
}

impl<'de> DeserializeSeed<'de> for SectionSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SectionSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with a `list` of chats")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.st;
        loop {
            st.cap("a key");
            let Some(key) = map.next_key_seed(KeySeed)? else {
                break;
            };
            st.uncap();
            match key {
                Key::List => map.next_value_seed(ChatListSeed { st: &mut *st })?,
                _ => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
        st.uncap();
        Ok(())
    }
}

struct ChatListSeed<'s, 'o> {
    st: &'s mut State<'o>,
}

impl<'de> DeserializeSeed<'de> for ChatListSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChatListSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of chats")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let st = self.st;
        loop {
            st.uncap();
            if seq
                .next_element_seed(ChatSeed {
                    st: &mut *st,
                    top: false,
                })?
                .is_none()
            {
                break;
            }
        }
        Ok(())
    }
}

struct MessagesSeed<'s, 'o, 'c> {
    st: &'s mut State<'o>,
    chat: &'c Chat,
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of messages")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let st = self.st;
        let mut last_bad: Option<u64> = None;
        loop {
            st.cap("a message");
            match seq.next_element::<Box<RawValue>>() {
                Ok(Some(raw)) => st.message(self.chat, raw.get().as_bytes())?,
                Ok(None) => break,
                // The whole value was read but is not UTF-8: the parser is
                // past it, so the next message can still be read.
                Err(e)
                    if e.to_string().starts_with("invalid unicode code point")
                        && last_bad != Some(st.pos.offset()) =>
                {
                    last_bad = Some(st.pos.offset());
                    let line = st.pos.line();
                    let p = Problem::new(
                        line,
                        st.pos.offset(),
                        format!("the message ending at line {line} is not valid UTF-8; skipped"),
                        b"",
                    );
                    st.problem(p)?;
                }
                Err(e) => return Err(e),
            }
        }
        st.uncap();
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// One message.

/// The post for one raw message; `Ok(None)` for a service message; `Err` with
/// the reason for anything that is not a post.
fn to_post(chat: &Chat, bytes: &[u8]) -> Result<Option<PostRecord>, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("message is not valid JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err(format!("message is {}, not an object", short(&v)));
    };
    match m.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == "message" => {}
        Some(Value::String(t)) if t == "service" => return Ok(None),
        Some(Value::String(t)) if t == "unsupported" => {
            return Err(
                "message of type \"unsupported\" (Telegram Desktop could not export it); skipped"
                    .into(),
            );
        }
        Some(Value::String(t)) => {
            return Err(format!(
                "message of type {:?} is not a post; skipped",
                short_str(t)
            ));
        }
        Some(t) => return Err(format!("message type {} is not a string", short(t))),
    }
    let id = match m.get("id") {
        None | Some(Value::Null) => return Err("message has no id".into()),
        Some(v) => int_of(v).ok_or_else(|| format!("message id {} is not an integer", short(v)))?,
    };
    let from = m.get("from").and_then(Value::as_str).map(str::to_owned);
    let author = match m.get("from_id").and_then(peer_of) {
        Some(peer) => ActorRecord {
            ref_: actor_ref(Platform::Telegram, &peer),
            display_name: from,
            ..ActorRecord::default()
        },
        None if chat.is_channel && chat.known => ActorRecord {
            ref_: actor_ref(Platform::Telegram, &chat.id),
            display_name: from.or_else(|| chat.name.clone()),
            ..ActorRecord::default()
        },
        None => ActorRecord {
            ref_: String::new(),
            display_name: from,
            ..ActorRecord::default()
        },
    };
    let mut p = PostRecord::new(
        Platform::Telegram,
        post_ref(Platform::Telegram, Some(&chat.id), &id),
        id,
        author,
    );
    p.created_at = m
        .get("date_unixtime")
        .and_then(unix_of)
        .or_else(|| m.get("date").and_then(local_of));
    p.edited_at = m
        .get("edited_unixtime")
        .and_then(unix_of)
        .or_else(|| m.get("edited").and_then(local_of));

    // Text and entities.
    let mut inline: Vec<&Map<String, Value>> = Vec::new();
    match m.get("text") {
        Some(Value::String(s)) => p.text = s.clone(),
        Some(Value::Array(parts)) => {
            for part in parts {
                match part {
                    Value::String(s) => p.text.push_str(s),
                    Value::Object(o) => {
                        if let Some(t) = o.get("text").and_then(Value::as_str) {
                            p.text.push_str(t);
                        }
                        inline.push(o);
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let entities: Option<Vec<&Map<String, Value>>> = match (m.get("text_entities"), m.get("text")) {
        (Some(Value::Array(te)), _) => Some(te.iter().filter_map(Value::as_object).collect()),
        (_, Some(Value::Array(_))) => Some(inline),
        _ => None,
    };
    match entities {
        Some(ents) => entities_into(&mut p, &ents),
        None => {
            p.hashtags = hashtags_in(&p.text);
            for h in mentions_in(&p.text) {
                push_mention(
                    &mut p.mentions,
                    ActorRecord {
                        handle: Some(h),
                        ..ActorRecord::default()
                    },
                );
            }
            p.urls = urls_in(&p.text)
                .into_iter()
                .map(|u| UrlRef {
                    given: u,
                    expanded: None,
                })
                .collect();
        }
    }

    if let Some(rid) = m.get("reply_to_message_id").and_then(int_of) {
        let peer = m
            .get("reply_to_peer_id")
            .and_then(peer_of)
            .unwrap_or_else(|| chat.id.clone());
        p.reply_to = Some(PostLink {
            post: post_ref(Platform::Telegram, Some(&peer), &rid),
            actor: None,
        });
    }
    let fwd_name = m.get("forwarded_from");
    let fwd_id = m.get("forwarded_from_id");
    if fwd_name.is_some() || fwd_id.is_some() {
        let name = fwd_name
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let ref_ = match (fwd_id.and_then(peer_of), &name) {
            (Some(id), _) => actor_ref(Platform::Telegram, &id),
            (None, Some(n)) => actor_ref(Platform::Telegram, &format!("name:{n}")),
            (None, None) => String::new(),
        };
        p.forwarded_from = Some(ActorRecord {
            ref_,
            display_name: name,
            ..ActorRecord::default()
        });
    }

    if let Some(photo) = m.get("photo").and_then(Value::as_str) {
        p.media.push(MediaRef {
            kind: "photo".into(),
            key: photo.to_owned(),
            url: None,
        });
    }
    if let Some(file) = m.get("file").and_then(Value::as_str) {
        let kind = m
            .get("media_type")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .unwrap_or("file");
        let key = m
            .get("file_name")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .unwrap_or(file);
        p.media.push(MediaRef {
            kind: kind.to_owned(),
            key: key.to_owned(),
            url: None,
        });
    }
    if let Some(Value::Array(rs)) = m.get("reactions") {
        let sum = rs
            .iter()
            .filter_map(|r| r.get("count").and_then(count_of))
            .fold(0i64, i64::saturating_add);
        p.metrics.likes = Some(sum);
    }
    p.raw = bytes.to_vec();
    Ok(Some(p))
}

fn entities_into(p: &mut PostRecord, ents: &[&Map<String, Value>]) {
    for e in ents {
        let t = e.get("text").and_then(Value::as_str).unwrap_or("");
        match e.get("type").and_then(Value::as_str) {
            Some("hashtag") => {
                let tag = t
                    .strip_prefix('#')
                    .or_else(|| t.strip_prefix('＃'))
                    .unwrap_or(t);
                if !tag.is_empty() {
                    p.hashtags.push(tag.to_owned());
                }
            }
            Some("mention") => {
                let h = t.strip_prefix('@').unwrap_or(t);
                if !h.is_empty() {
                    push_mention(
                        &mut p.mentions,
                        ActorRecord {
                            handle: Some(h.to_owned()),
                            ..ActorRecord::default()
                        },
                    );
                }
            }
            Some("mention_name") => {
                let ref_ = e
                    .get("user_id")
                    .and_then(peer_of)
                    .map(|u| actor_ref(Platform::Telegram, &u))
                    .unwrap_or_default();
                let display_name = Some(t.to_owned()).filter(|t| !t.is_empty());
                if !ref_.is_empty() || display_name.is_some() {
                    push_mention(
                        &mut p.mentions,
                        ActorRecord {
                            ref_,
                            display_name,
                            ..ActorRecord::default()
                        },
                    );
                }
            }
            Some("link") if !t.is_empty() => p.urls.push(UrlRef {
                given: t.to_owned(),
                expanded: None,
            }),
            Some("text_link") => {
                if let Some(h) = e
                    .get("href")
                    .and_then(Value::as_str)
                    .filter(|h| !h.is_empty())
                {
                    p.urls.push(UrlRef {
                        given: h.to_owned(),
                        expanded: Some(h.to_owned()),
                    });
                }
            }
            _ => {}
        }
    }
}

fn push_mention(ms: &mut Vec<ActorRecord>, a: ActorRecord) {
    if !ms.contains(&a) {
        ms.push(a);
    }
}

/// A message id: a non-negative JSON integer, or a string of digits.
fn int_of(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_u64().map(|u| u.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        _ => None,
    }
}

/// A peer id: an integer, or `user…` / `channel…` / `chat…` followed by digits.
fn peer_of(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_u64().map(|u| u.to_string()),
        Value::String(s) => {
            let d = s
                .trim()
                .trim_start_matches(|c: char| c.is_ascii_alphabetic());
            (!d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())).then(|| d.to_owned())
        }
        _ => None,
    }
}

/// `date_unixtime`: a string of digits (or an integer).
fn unix_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        }
        _ => None,
    }
}

/// `date`: local time without offset, read as UTC (a fallback; see the module docs).
fn local_of(v: &Value) -> Option<i64> {
    let s = v.as_str()?.trim();
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| n.and_utc().timestamp())
}

fn count_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON value for a message, cut short.
fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{:?}", short_str(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
        other => other.to_string(),
    }
}

fn short_str(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tarjuman_model::VecSink;

    fn run_with(input: &[u8], max: usize) -> (Result<Summary, DecodeError>, VecSink) {
        let mut sink = VecSink::default();
        let opts = DecodeOptions {
            max_record_bytes: max,
            ..DecodeOptions::default()
        };
        let r = TelegramExport.decode(&mut &input[..], &opts, &mut sink);
        (r, sink)
    }

    fn run(input: &str) -> (Summary, VecSink) {
        let (r, sink) = run_with(input.as_bytes(), crate::DEFAULT_MAX_RECORD_BYTES);
        match r {
            Ok(s) => {
                assert_eq!(s.records as usize, sink.records.len());
                assert_eq!(s.problems as usize, sink.problems.len());
                (s, sink)
            }
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    fn posts(sink: &VecSink) -> Vec<&PostRecord> {
        sink.posts().collect()
    }

    fn chat(messages: &str) -> String {
        format!(
            r#"{{"name": "Test", "type": "public_channel", "id": 42, "messages": [{messages}]}}"#
        )
    }

    #[test]
    fn string_text() {
        let (_, s) = run(&chat(
            r#"{"id": 7, "type": "message", "date": "2023-08-23T13:11:23", "date_unixtime": "1692821483",
                "from": "Ann", "from_id": "user99", "text": "hi #tag @bob https://x.org/a"}"#,
        ));
        let p = posts(&s);
        assert_eq!(p.len(), 1);
        let p = p[0];
        assert_eq!(p.ref_, "telegram:42/7");
        assert_eq!(p.native_id, "7");
        assert_eq!(p.platform, Platform::Telegram);
        assert_eq!(p.author.ref_, "telegram:99");
        assert_eq!(p.author.display_name.as_deref(), Some("Ann"));
        assert_eq!(p.author.handle, None);
        assert_eq!(p.text, "hi #tag @bob https://x.org/a");
        assert_eq!(p.hashtags, vec!["tag"]);
        assert_eq!(p.mentions[0].handle.as_deref(), Some("bob"));
        assert_eq!(p.mentions[0].ref_, "");
        assert_eq!(
            p.urls,
            vec![UrlRef {
                given: "https://x.org/a".into(),
                expanded: None
            }]
        );
        assert_eq!(p.created_at, Some(1692821483));
        assert!(!p.embedded);
        assert!(p.raw.starts_with(b"{\"id\": 7"));
        assert!(p.raw.ends_with(b"}"));
    }

    #[test]
    fn scope_and_channel_actor_come_first() {
        let (_, s) = run(&chat(r#"{"id": 1, "type": "message", "text": "x"}"#));
        match &s.records[0].1 {
            Record::Scope(sc) => {
                assert_eq!(sc.key, "telegram-chat:42");
                assert_eq!(sc.label, "Telegram public_channel \"Test\"");
            }
            r => panic!("{r:?}"),
        }
        match &s.records[1].1 {
            Record::Actor(a) => {
                assert_eq!(a.ref_, "telegram:42");
                assert_eq!(a.display_name.as_deref(), Some("Test"));
            }
            r => panic!("{r:?}"),
        }
        // No from_id in a channel: the channel is the author.
        let p = posts(&s)[0];
        assert_eq!(p.author.ref_, "telegram:42");
        assert_eq!(p.author.display_name.as_deref(), Some("Test"));
    }

    #[test]
    fn no_from_id_outside_a_channel_is_unknown() {
        let (_, s) = run(
            r#"{"name": "G", "type": "private_group", "id": 5, "messages": [{"id": 1, "type": "message", "from": "Ann", "text": "x"}]}"#,
        );
        assert_eq!(s.records.len(), 2, "a scope and a post, no actor");
        let p = posts(&s)[0];
        assert_eq!(p.author.ref_, "");
        assert_eq!(p.author.display_name.as_deref(), Some("Ann"));
    }

    #[test]
    fn array_text_with_entities() {
        let (_, s) = run(&chat(
            r##"{"id": 3, "type": "message", "from_id": 9999, "text": [
                {"type": "bold", "text": "Hi "}, {"type": "hashtag", "text": "#غزة"}, " see ",
                {"type": "link", "text": "example.com"}, " ",
                {"type": "text_link", "text": "here", "href": "https://e.org/x"}, " ",
                {"type": "mention", "text": "@alice"}, " ",
                {"type": "mention_name", "text": "Bob", "user_id": 123}
            ]}"##,
        ));
        let p = posts(&s)[0];
        assert_eq!(p.text, "Hi #غزة see example.com here @alice Bob");
        assert_eq!(p.author.ref_, "telegram:9999");
        assert_eq!(p.hashtags, vec!["غزة"]);
        assert_eq!(
            p.urls,
            vec![
                UrlRef {
                    given: "example.com".into(),
                    expanded: None
                },
                UrlRef {
                    given: "https://e.org/x".into(),
                    expanded: Some("https://e.org/x".into())
                },
            ]
        );
        assert_eq!(p.mentions.len(), 2);
        assert_eq!(p.mentions[0].handle.as_deref(), Some("alice"));
        assert_eq!(p.mentions[1].ref_, "telegram:123");
        assert_eq!(p.mentions[1].display_name.as_deref(), Some("Bob"));
    }

    #[test]
    fn text_entities_are_authoritative() {
        let (_, s) = run(&chat(
            r##"{"id": 3, "type": "message", "text": "no #tag here", "text_entities": [{"type": "plain", "text": "no #tag here"}]}"##,
        ));
        assert!(posts(&s)[0].hashtags.is_empty());
        let (_, s) = run(&chat(
            r##"{"id": 3, "type": "message", "text": "a #b", "text_entities": [{"type": "plain", "text": "a "}, {"type": "hashtag", "text": "#b"}]}"##,
        ));
        assert_eq!(posts(&s)[0].hashtags, vec!["b"]);
    }

    #[test]
    fn service_messages_are_skipped_silently() {
        let (sum, s) = run(&chat(
            r#"{"id": 1, "type": "service", "actor": "T", "actor_id": "channel42", "action": "create_channel", "text": ""},
               {"type": "service", "action": "pin_message"},
               {"id": 2, "type": "message", "text": "x"}"#,
        ));
        assert_eq!(posts(&s).len(), 1);
        assert!(s.problems.is_empty());
        assert_eq!(sum.records, 3); // scope, channel actor, post
    }

    #[test]
    fn bad_messages_are_problems() {
        let input = chat(
            r#"{"type": "message", "text": "no id"},
               {"id": "x1", "type": "message", "text": "bad id"},
               {"id": 1.5, "type": "message"},
               "not an object",
               {"id": 9, "type": "unsupported"},
               {"id": 10, "type": "message", "text": "fine"}"#,
        );
        let (sum, s) = run(&input);
        assert_eq!(posts(&s).len(), 1);
        assert_eq!(sum.problems, 5);
        assert_eq!(s.problems[0].reason, "message has no id");
        assert_eq!(
            s.problems[0].raw,
            br#"{"type": "message", "text": "no id"}"#
        );
        assert_eq!(s.problems[0].line, 1);
        assert!(
            s.problems[1].reason.contains("not an integer"),
            "{}",
            s.problems[1].reason
        );
        assert!(s.problems[4].reason.contains("unsupported"));
        let off = s.problems[0].byte_offset as usize;
        assert!(input[off..].starts_with(r#"{"type": "message", "text": "no id"}"#));
    }

    #[test]
    fn from_id_prefixes() {
        let (_, s) = run(&chat(
            r#"{"id": 1, "type": "message", "from_id": "user123"},
               {"id": 2, "type": "message", "from_id": "channel456"},
               {"id": 3, "type": "message", "from_id": "chat9"},
               {"id": 4, "type": "message", "from_id": 4325636679},
               {"id": 5, "type": "message", "from_id": null, "from": "Gone"}"#,
        ));
        let refs: Vec<&str> = posts(&s).iter().map(|p| p.author.ref_.as_str()).collect();
        assert_eq!(
            refs,
            vec![
                "telegram:123",
                "telegram:456",
                "telegram:9",
                "telegram:4325636679",
                "telegram:42"
            ]
        );
        assert_eq!(posts(&s)[4].author.display_name.as_deref(), Some("Gone"));
    }

    #[test]
    fn dates() {
        let (_, s) = run(&chat(
            r#"{"id": 1, "type": "message", "date": "2000-01-01T00:00:00", "date_unixtime": "1692821483",
                "edited": "2000-01-01T00:00:00", "edited_unixtime": "1692821500"},
               {"id": 2, "type": "message", "date": "2020-11-12T12:54:07", "edited": "2020-11-12T13:03:00"},
               {"id": 3, "type": "message", "date_unixtime": "1652135033"},
               {"id": 4, "type": "message", "date": "yesterday", "date_unixtime": "soon"}"#,
        ));
        let p = posts(&s);
        assert_eq!(
            (p[0].created_at, p[0].edited_at),
            (Some(1692821483), Some(1692821500))
        );
        assert_eq!(
            (p[1].created_at, p[1].edited_at),
            (Some(1605185647), Some(1605186180))
        );
        assert_eq!((p[2].created_at, p[2].edited_at), (Some(1652135033), None));
        assert_eq!(p[3].created_at, None);
    }

    #[test]
    fn replies() {
        let (_, s) = run(&chat(
            r#"{"id": 2, "type": "message", "reply_to_message_id": 1},
               {"id": 3, "type": "message", "reply_to_message_id": 8, "reply_to_peer_id": "channel777"}"#,
        ));
        let p = posts(&s);
        assert_eq!(
            p[0].reply_to,
            Some(PostLink {
                post: "telegram:42/1".into(),
                actor: None
            })
        );
        assert_eq!(p[0].kind(), "reply");
        assert_eq!(
            p[1].reply_to.as_ref().map(|l| l.post.as_str()),
            Some("telegram:777/8")
        );
    }

    #[test]
    fn forwards() {
        let (_, s) = run(&chat(
            r#"{"id": 1, "type": "message", "forwarded_from": "Channel News", "forwarded_from_id": "channel500"},
               {"id": 2, "type": "message", "forwarded_from": "VU NOTICES"},
               {"id": 3, "type": "message", "forwarded_from": null},
               {"id": 4, "type": "message"}"#,
        ));
        let p = posts(&s);
        let f0 = p[0].forwarded_from.as_ref().expect("forward");
        assert_eq!(f0.ref_, "telegram:500");
        assert_eq!(f0.display_name.as_deref(), Some("Channel News"));
        let f1 = p[1].forwarded_from.as_ref().expect("forward");
        assert_eq!(f1.ref_, "telegram:name:VU NOTICES");
        assert_eq!(p[1].kind(), "forward");
        assert_eq!(
            p[2].forwarded_from.as_ref().map(|a| a.ref_.as_str()),
            Some("")
        );
        assert_eq!(p[3].forwarded_from, None);
    }

    #[test]
    fn media_and_reactions() {
        let (_, s) = run(&chat(
            r#"{"id": 1, "type": "message", "photo": "photos/p1.jpg", "reactions": [{"type": "emoji", "count": 2}, {"type": "paid", "count": 3}]},
               {"id": 2, "type": "message", "file": "files/v.ogg", "media_type": "voice_message"},
               {"id": 3, "type": "message", "file": "(File not included. Change data exporting settings to download.)", "file_name": "x.zip"},
               {"id": 4, "type": "message", "file": "(File not included. Change data exporting settings to download.)"}"#,
        ));
        let p = posts(&s);
        assert_eq!(
            p[0].media,
            vec![MediaRef {
                kind: "photo".into(),
                key: "photos/p1.jpg".into(),
                url: None
            }]
        );
        assert_eq!(p[0].metrics.likes, Some(5));
        assert_eq!(p[1].media[0].kind, "voice_message");
        assert_eq!(p[1].media[0].key, "files/v.ogg");
        assert_eq!(p[1].metrics.likes, None);
        assert_eq!(p[2].media[0].key, "x.zip");
        assert_eq!(p[2].media[0].kind, "file");
        assert!(p[3].media[0].key.starts_with("(File not included"));
    }

    #[test]
    fn full_account_export_with_two_chats() {
        let input = r#"{
 "about": "Here is the data you requested.",
 "personal_information": {"user_id": 1, "first_name": "Me"},
 "contacts": {"about": "x", "list": [{"first_name": "A"}]},
 "chats": {
  "about": "This page lists all chats from this export.",
  "list": [
   {"name": "Alice", "type": "personal_chat", "id": 100, "messages": [
     {"id": 1, "type": "message", "from_id": "user100", "text": "a"},
     {"id": 2, "type": "service", "action": "phone_call"}
   ]},
   {"name": "News", "type": "public_channel", "id": 200, "messages": [
     {"id": 1, "type": "message", "from_id": "channel200", "text": "b"}
   ]}
  ]
 },
 "left_chats": {"about": "x", "list": [
   {"name": "Old", "type": "private_supergroup", "id": 300, "messages": [
     {"id": 5, "type": "message", "from_id": "user1", "text": "c"}
   ]}
 ]}
}"#;
        let (_, s) = run(input);
        let refs: Vec<&str> = posts(&s).iter().map(|p| p.ref_.as_str()).collect();
        assert_eq!(
            refs,
            vec!["telegram:100/1", "telegram:200/1", "telegram:300/5"]
        );
        let scopes: Vec<&str> = s
            .records
            .iter()
            .filter_map(|(_, r)| match r {
                Record::Scope(sc) => Some(sc.key.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            scopes,
            vec![
                "telegram-chat:100",
                "telegram-chat:200",
                "telegram-chat:300"
            ]
        );
        let actors = s
            .records
            .iter()
            .filter(|(_, r)| matches!(r, Record::Actor(_)))
            .count();
        assert_eq!(actors, 1);
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        // Lines: the post `telegram:200/1` is on line 13.
        let line = s
            .records
            .iter()
            .find(|(_, r)| matches!(r, Record::Post(p) if p.ref_ == "telegram:200/1"))
            .map(|(l, _)| *l);
        assert_eq!(line, Some(13));
    }

    #[test]
    fn messages_before_id() {
        let (_, s) = run(r#"{"messages": [{"id": 1, "type": "message", "text": "x"}], "id": 5}"#);
        assert_eq!(s.problems.len(), 1);
        assert!(
            s.problems[0].reason.contains("no `id`"),
            "{}",
            s.problems[0].reason
        );
        assert_eq!(posts(&s)[0].ref_, "telegram:unknown/1");
        assert!(matches!(&s.records[0].1, Record::Scope(sc) if sc.key == "telegram-chat:unknown"));
    }

    #[test]
    fn multi_line_messages_get_their_start_line() {
        let input = "{\n \"id\": 1,\n \"messages\": [\n  {\n   \"id\": 1,\n   \"type\": \"message\"\n  },\n  {\n   \"id\": 2,\n   \"type\": \"message\"\n  }\n ]\n}\n";
        let (sum, s) = run(input);
        let lines: Vec<u64> = s
            .records
            .iter()
            .filter(|(_, r)| matches!(r, Record::Post(_)))
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(lines, vec![4, 8]);
        assert_eq!(sum.lines, 13);
    }

    #[test]
    fn truncated_file_keeps_what_came_before() {
        let full = chat(
            r#"{"id": 1, "type": "message", "text": "a"}, {"id": 2, "type": "message", "text": "b"}"#,
        );
        let cut = &full[..full.find("\"b\"").expect("b")];
        let (sum, s) = run(cut);
        assert_eq!(posts(&s).len(), 1);
        assert_eq!(sum.problems, 1);
        assert!(
            s.problems[0].reason.starts_with("invalid JSON at line 1:"),
            "{}",
            s.problems[0].reason
        );
        assert!(
            s.problems[0]
                .reason
                .ends_with("the rest of the file is skipped")
        );
    }

    #[test]
    fn oversized_message_is_reported() {
        let big = "x".repeat(500);
        let input = chat(&format!(
            r#"{{"id": 1, "type": "message", "text": "a"}}, {{"id": 2, "type": "message", "text": "{big}"}}, {{"id": 3, "type": "message"}}"#
        ));
        let (r, s) = run_with(input.as_bytes(), 200);
        let sum = r.expect("decodes");
        assert_eq!(posts(&s).len(), 1);
        assert_eq!(sum.problems, 1);
        assert!(
            s.problems[0].reason.contains("over the 200 byte limit"),
            "{}",
            s.problems[0].reason
        );
    }

    #[test]
    fn ignored_sections_are_not_capped() {
        // A skipped section larger than the cap does not count against it.
        let big = "y".repeat(5000);
        let input = format!(
            r#"{{"about": "a", "contacts": {{"list": ["{big}"]}}, "chats": {{"list": [{{"id": 1, "messages": [{{"id": 1, "type": "message"}}]}}]}}}}"#
        );
        let (r, s) = run_with(input.as_bytes(), 200);
        assert!(r.is_ok());
        assert_eq!(posts(&s).len(), 1, "{:?}", s.problems);
    }

    #[test]
    fn deep_nesting_in_a_skipped_value_is_refused() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let input = format!(
            r#"{{"id": 1, "messages": [{{"id": 1, "type": "message", "text": "[[[[\"{{{{"}}], "other": {deep}}}"#
        );
        let (r, s) = run_with(input.as_bytes(), 1 << 20);
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(posts(&s).len(), 1);
        assert_eq!(posts(&s)[0].text, "[[[[\"{{");
        assert_eq!(s.problems.len(), 1);
        assert!(
            s.problems[0].reason.contains("nested deeper than 256"),
            "{}",
            s.problems[0].reason
        );
        // Shallow nesting is fine.
        let ok = format!(
            "{{\"id\": 1, \"messages\": [], \"x\": {}{}}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let (r, s) = run_with(ok.as_bytes(), 1 << 20);
        assert!(r.is_ok() && s.problems.is_empty(), "{r:?} {:?}", s.problems);
    }

    #[test]
    fn invalid_utf8_message_is_skipped() {
        let mut input =
            br#"{"id": 1, "messages": [{"id": 1, "type": "message", "text": "a"#.to_vec();
        input.extend_from_slice(&[0xff, 0xfe]);
        input.extend_from_slice(br#""}, {"id": 2, "type": "message"}]}"#);
        let (r, s) = run_with(&input, 1 << 20);
        assert!(r.is_ok());
        assert_eq!(posts(&s).len(), 1);
        assert_eq!(s.problems.len(), 1);
        assert!(s.problems[0].reason.contains("UTF-8"));
    }

    #[test]
    fn not_the_format() {
        for input in [
            &b""[..],
            b"   ",
            b"[1, 2]",
            b"\"x\"",
            b"{\"data\": [{\"id\": \"1\"}]}",
            b"{\"a\": 1}",
            b"{\"a\": [1, 2",
        ] {
            let (r, s) = run_with(input, 1 << 20);
            assert!(
                matches!(r, Err(DecodeError::NotFormat { .. })),
                "{:?}: {r:?}",
                String::from_utf8_lossy(input)
            );
            assert!(s.records.is_empty());
        }
    }

    #[test]
    fn bom_and_stop() {
        let mut input = b"\xEF\xBB\xBF".to_vec();
        input.extend_from_slice(chat(r#"{"id": 1, "type": "message"}"#).as_bytes());
        let (r, s) = run_with(&input, 1 << 20);
        assert!(r.is_ok());
        assert_eq!(posts(&s).len(), 1);

        struct StopAtFirst(usize);
        impl RecordSink for StopAtFirst {
            fn record(&mut self, _: u64, _: Record) -> Flow {
                self.0 += 1;
                Flow::Stop
            }
            fn problem(&mut self, _: Problem) -> Flow {
                Flow::Stop
            }
        }
        let mut sink = StopAtFirst(0);
        let r = TelegramExport.decode(&mut &input[..], &DecodeOptions::default(), &mut sink);
        assert!(matches!(r, Err(DecodeError::Stopped { line: 1 })), "{r:?}");
        assert_eq!(sink.0, 1);
    }

    #[test]
    fn sniffing() {
        let d = TelegramExport;
        assert_eq!(d.sniff(chat("").as_bytes(), ""), Sniff::Certain);
        assert_eq!(d.sniff(b"{\n \"name\": \"Bob\",\n \"type\": \"personal_chat\",\n \"id\": 7,\n \"messages\": [\n  {\n   \"id\": 1", ""), Sniff::Certain);
        assert_eq!(
            d.sniff(
                b"{\"about\": \"x\", \"chats\": {\"about\": \"y\", \"list\": [",
                ""
            ),
            Sniff::Certain
        );
        assert_eq!(
            d.sniff(b"\xEF\xBB\xBF{\"messages\": [{\"date_unixtime\": \"1\"", ""),
            Sniff::Certain
        );
        assert_eq!(d.sniff(b"{\"messages\": [{\"foo\": 1", ""), Sniff::Maybe);
        assert_eq!(
            d.sniff(
                br#"{"data":[{"id":"1","text":"x","author_id":"2"}],"includes":{}}"#,
                ""
            ),
            Sniff::No
        );
        assert_eq!(
            d.sniff(br#"{"id_str":"20","text":"x","user":{"id_str":"12"}}"#, ""),
            Sniff::No
        );
        assert_eq!(d.sniff(br#"{"text_messages": {}}"#, ""), Sniff::No);
        assert_eq!(d.sniff(b"id,text\n1,x\n", ""), Sniff::No);
        assert_eq!(d.sniff(b"", ""), Sniff::No);
    }

    fn corpus() -> Option<std::path::PathBuf> {
        let p =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real");
        p.is_dir().then_some(p)
    }

    fn json_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                json_files(&p, out);
            } else {
                out.push(p);
            }
        }
    }

    #[test]
    fn real_files() {
        let Some(root) = corpus() else {
            eprintln!("skipped: the shared corpus is absent");
            return;
        };
        let dir = root.join("telegram-desktop");
        // (file, posts, problems). Posts counted independently with
        //   jq '[(.messages // []), ((.chats.list // [])[] | .messages // []),
        //        ((.left_chats.list // [])[] | .messages // [])] | add
        //       | map(select(.type=="message" and (.id|type)=="number")) | length'
        let expected: &[(&str, usize, usize)] = &[
            // 6 of 8 messages (2 service: joined_telegram, phone_call).
            ("chat-analytics/DM_2A_7M.json", 6, 0),
            // 2 messages, both without `id` (2 problems), in a chat without `id` (1 problem).
            ("chat-miner/test_batch_export.json", 0, 3),
            ("chat-miner/test_single_export.json", 0, 3),
            // 5 + 2 messages in two chats, neither with an `id` (2 problems).
            ("handwritten-persian/test_data.json", 7, 2),
            ("langchain/result.json", 6, 0),
            ("langchain/telegram.json", 3, 0),
            // 19 messages, 1 service (create_channel).
            ("tg2md/result.json", 18, 0),
            // 87 messages: 61 service, 1 "unsupported" (1 problem).
            ("tkonverter/result.json", 25, 1),
            // 45 messages: 21 service, 1 "unsupported" (1 problem).
            ("tkonverter/result_group.json", 23, 1),
            // 193 messages, 3 service.
            ("vu-pakistan-channel/result.json", 190, 0),
        ];
        let mut files = Vec::new();
        json_files(&dir, &mut files);
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort();
        assert_eq!(
            files.len(),
            expected.len(),
            "a file was added or removed: {files:?}"
        );
        for f in &files {
            let rel = f
                .strip_prefix(&dir)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let &(_, want_posts, want_problems) = expected
                .iter()
                .find(|(n, _, _)| *n == rel)
                .unwrap_or_else(|| panic!("no expected count for {rel}"));
            let bytes = std::fs::read(f).expect("read");
            let head = &bytes[..bytes.len().min(crate::SNIFF_BYTES)];
            assert_eq!(TelegramExport.sniff(head, &rel), Sniff::Certain, "{rel}");
            let (r, s) = run_with(&bytes, crate::DEFAULT_MAX_RECORD_BYTES);
            let sum = r.unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert_eq!(sum.records as usize, s.records.len(), "{rel}");
            assert_eq!(sum.problems as usize, s.problems.len(), "{rel}");
            assert_eq!(posts(&s).len(), want_posts, "{rel}: {:?}", s.problems);
            assert_eq!(s.problems.len(), want_problems, "{rel}: {:?}", s.problems);
            let scopes = s
                .records
                .iter()
                .filter(|(_, r)| matches!(r, Record::Scope(_)))
                .count();
            let actors = s
                .records
                .iter()
                .filter(|(_, r)| matches!(r, Record::Actor(_)))
                .count();
            assert_eq!(s.records.len(), want_posts + scopes + actors, "{rel}");
            assert!(scopes >= 1, "{rel}");
            assert_eq!(
                sum.lines,
                bytes.iter().filter(|&&b| b == b'\n').count() as u64
                    + u64::from(!bytes.ends_with(b"\n")),
                "{rel}"
            );
            // Each post starts on a line holding `{`, and its raw is the message.
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            for (l, r) in &s.records {
                if let Record::Post(p) = r {
                    assert!(
                        lines[(*l - 1) as usize].trim_end().ends_with('{'),
                        "{rel}: line {l}"
                    );
                    assert!(
                        serde_json::from_slice::<Value>(&p.raw).is_ok_and(|v| v.is_object()),
                        "{rel}"
                    );
                }
            }
        }
    }

    #[test]
    fn real_file_details() {
        let Some(root) = corpus() else {
            eprintln!("skipped: the shared corpus is absent");
            return;
        };
        let dir = root.join("telegram-desktop");
        let load = |rel: &str| {
            let bytes = std::fs::read(dir.join(rel)).expect("read");
            run_with(&bytes, crate::DEFAULT_MAX_RECORD_BYTES).1
        };
        // 2020 channel export: numeric from_id, 41 replies, 25 edits, 2 forwards, 23 hashtag entities.
        let s = load("vu-pakistan-channel/result.json");
        let p = posts(&s);
        assert!(p.iter().all(|p| p.author.ref_ == "telegram:9999969886"
            && p.ref_.starts_with("telegram:9999969886/")));
        assert_eq!(p.iter().filter(|p| p.reply_to.is_some()).count(), 41);
        assert_eq!(p.iter().filter(|p| p.edited_at.is_some()).count(), 25);
        assert_eq!(p.iter().filter(|p| p.forwarded_from.is_some()).count(), 2);
        assert_eq!(p.iter().map(|p| p.hashtags.len()).sum::<usize>(), 23);
        assert!(p.iter().all(|p| p.created_at.is_some()));
        // Modern export: reply to another peer, forward by id, reactions.
        let s = load("tkonverter/result.json");
        let p = posts(&s);
        let two = p.iter().find(|p| p.native_id == "2").expect("message 2");
        assert_eq!(
            two.reply_to.as_ref().map(|l| l.post.as_str()),
            Some("telegram:777000/1")
        );
        assert_eq!(
            two.forwarded_from.as_ref().map(|a| a.ref_.as_str()),
            Some("telegram:500")
        );
        assert_eq!(two.edited_at, Some(1769936580));
        let one = p.iter().find(|p| p.native_id == "1").expect("message 1");
        assert_eq!(one.metrics.likes, Some(6));
        assert_eq!(one.mentions[0].handle.as_deref(), Some("alice"));
        assert_eq!(one.urls[0].given, "https://example.org");
        // Persian with ZWNJ is kept byte for byte.
        let s = load("handwritten-persian/test_data.json");
        assert!(
            posts(&s)
                .iter()
                .any(|p| p.text == "سلام! چطور می\u{200c}تونم کمکت کنم؟")
        );
        // Mojibake names are kept as written.
        let s = load("langchain/telegram.json");
        assert_eq!(
            posts(&s)[2].author.display_name.as_deref(),
            Some("Grace \u{f0}\u{178}\u{a7}\u{a4} \u{f0}\u{178}\u{8d}\u{2019}")
        );
    }

    #[test]
    fn other_formats_are_not_claimed() {
        let Some(root) = corpus() else {
            eprintln!("skipped: the shared corpus is absent");
            return;
        };
        let mut files = Vec::new();
        json_files(&root, &mut files);
        for f in files {
            if f.components().any(|c| c.as_os_str() == "telegram-desktop") {
                continue;
            }
            let mut head = vec![0; crate::SNIFF_BYTES];
            let n = std::fs::File::open(&f)
                .and_then(|mut h| h.read(&mut head))
                .unwrap_or(0);
            assert_eq!(
                TelegramExport.sniff(&head[..n], ""),
                Sniff::No,
                "{}",
                f.display()
            );
        }
    }

    /// Streams a generated export of `n` messages (about 400 bytes each)
    /// without holding it: run with `--ignored --release` to check speed and
    /// memory on a large file.
    #[test]
    #[ignore]
    fn large_export_streams() {
        struct Gen {
            n: u64,
            i: u64,
            buf: Vec<u8>,
            at: usize,
        }
        impl Read for Gen {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let avail = self.fill_buf()?;
                let k = avail.len().min(out.len());
                out[..k].copy_from_slice(&avail[..k]);
                self.consume(k);
                Ok(k)
            }
        }
        impl BufRead for Gen {
            fn fill_buf(&mut self) -> io::Result<&[u8]> {
                if self.at == self.buf.len() {
                    self.buf.clear();
                    self.at = 0;
                    if self.i == 0 {
                        self.buf.extend_from_slice(b"{\n \"name\": \"Big\",\n \"type\": \"public_channel\",\n \"id\": 1,\n \"messages\": [\n");
                    }
                    if self.i < self.n {
                        let sep = if self.i + 1 < self.n { "," } else { "" };
                        let m = format!(
                            "  {{\n   \"id\": {},\n   \"type\": \"message\",\n   \"date\": \"2023-01-01T00:00:00\",\n   \"date_unixtime\": \"1672531200\",\n   \"from\": \"Big\",\n   \"from_id\": \"channel1\",\n   \"text\": [\"post number {} with \", {{\"type\": \"hashtag\", \"text\": \"#tag\"}}, \" and \", {{\"type\": \"link\", \"text\": \"https://example.org/{}\"}}],\n   \"reply_to_message_id\": 1\n  }}{sep}\n",
                            self.i + 1,
                            self.i,
                            self.i
                        );
                        self.buf.extend_from_slice(m.as_bytes());
                        self.i += 1;
                        if self.i == self.n {
                            self.buf.extend_from_slice(b" ]\n}\n");
                        }
                    }
                }
                Ok(&self.buf[self.at..])
            }
            fn consume(&mut self, k: usize) {
                self.at += k;
            }
        }
        struct Count(u64, u64);
        impl RecordSink for Count {
            fn record(&mut self, _: u64, r: Record) -> Flow {
                if matches!(r, Record::Post(_)) {
                    self.0 += 1;
                }
                Flow::Continue
            }
            fn problem(&mut self, _: Problem) -> Flow {
                self.1 += 1;
                Flow::Continue
            }
        }
        let n = 1_000_000;
        let mut g = Gen {
            n,
            i: 0,
            buf: Vec::new(),
            at: 0,
        };
        let mut sink = Count(0, 0);
        let t = std::time::Instant::now();
        let sum = TelegramExport
            .decode(&mut g, &DecodeOptions::default(), &mut sink)
            .expect("decodes");
        eprintln!("{n} messages, {} lines in {:?}", sum.lines, t.elapsed());
        assert_eq!((sink.0, sink.1), (n, 0));
    }

    const SAMPLE: &str = r##"{
 "name": "S",
 "type": "public_channel",
 "id": 9,
 "messages": [
  {"id": 1, "type": "service", "action": "create_channel"},
  {"id": 2, "type": "message", "date_unixtime": "1", "from_id": "channel9",
   "text": ["a ", {"type": "hashtag", "text": "#b"}, {"type": "text_link", "text": "c", "href": "https://d"}],
   "reply_to_message_id": 1, "forwarded_from": "X", "photo": "p.jpg",
   "reactions": [{"count": 3}]},
  {"type": "message", "text": "no id"}
 ]
}"##;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..2048), max in 1usize..4096) {
            let _ = run_with(&b, max);
        }

        #[test]
        fn truncated_sample_never_panics(cut in 0..SAMPLE.len(), max in 1usize..1024) {
            let b = &SAMPLE.as_bytes()[..cut];
            let (r, s) = run_with(b, max);
            if let Ok(sum) = r {
                prop_assert_eq!(sum.records as usize, s.records.len());
                prop_assert_eq!(sum.problems as usize, s.problems.len());
            }
        }

        #[test]
        fn mutated_sample_never_panics(at in 0..SAMPLE.len(), byte in any::<u8>(), cut in 0..SAMPLE.len()) {
            let mut b = SAMPLE.as_bytes().to_vec();
            b[at] = byte;
            b.truncate(cut.max(at));
            let _ = run_with(&b, 1 << 20);
        }
    }
}
