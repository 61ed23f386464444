//! Telegram channels as Telegram Desktop's "Export chat history" (JSON)
//! writes them: one `result.json` per channel, pretty-printed with a
//! one-space indent, `date` in the exporting machine's local time (UTC+3)
//! and `date_unixtime` as a string of digits.

use crate::WorldConfig;
use crate::rng::{Rng, key};
use crate::text::{Compose, NewsUrl, Sink, compose, sentence};
use crate::time::{Fixed, Timeline, telegram_file_stamp, telegram_local};
use crate::words::*;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Channel `c` has chat id `TG_ID_BASE + c`.
pub(crate) const TG_ID_BASE: u64 = 1_500_000_000;

/// An official channel (invented names).
pub(crate) struct TgOfficialDef {
    pub handle: &'static str,
    pub name: &'static str,
    pub side: &'static str,
    pub lang: Lang,
}

/// The official channels take the first channel indices.
pub(crate) const TG_OFFICIALS: [TgOfficialDef; 4] = [
    TgOfficialDef {
        handle: "KataibMedia",
        name: "كتائب | الإعلام الحربي",
        side: "armed-group",
        lang: Lang::Ar,
    },
    TgOfficialDef {
        handle: "AlqassamMedia",
        name: "الإعلام العسكري",
        side: "armed-group",
        lang: Lang::Ar,
    },
    TgOfficialDef {
        handle: "ArmySpokesman",
        name: "דובר הצבא - ערוץ רשמי",
        side: "state",
        lang: Lang::He,
    },
    TgOfficialDef {
        handle: "StateNewsAgency",
        name: "خبرگزاری رسمی دولت",
        side: "state",
        lang: Lang::Fa,
    },
];

const S_CONTENT: u64 = 0x5443;
const S_MSG: u64 = 0x544d;
const S_CHAN: u64 = 0x5448;

/// One channel.
pub(crate) struct Channel {
    pub id: u64,
    pub name: String,
    pub username: String,
    pub lang: Lang,
    created_in_window: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum PartKind {
    Plain,
    Bold,
    Hashtag,
    Mention,
    Link,
    TextLink(String),
}

#[derive(Clone, Debug)]
struct Part {
    kind: PartKind,
    text: String,
}

/// Telegram's text parts (plain runs and entities).
#[derive(Default, Clone)]
struct Parts {
    parts: Vec<Part>,
    chars: usize,
    /// Language index (labels of `text_link`s).
    lang: usize,
}

impl Parts {
    fn push(&mut self, kind: PartKind, s: &str) {
        self.chars += s.chars().count();
        if kind == PartKind::Plain
            && let Some(last) = self.parts.last_mut()
            && last.kind == PartKind::Plain
        {
            last.text.push_str(s);
            return;
        }
        self.parts.push(Part {
            kind,
            text: s.to_string(),
        });
    }
}

impl Sink for Parts {
    fn plain(&mut self, s: &str) {
        self.push(PartKind::Plain, s);
    }

    fn hashtag(&mut self, tag: &str) {
        self.push(PartKind::Hashtag, &format!("#{tag}"));
    }

    fn mention(&mut self, handle: &str, _actor: u64) {
        self.push(PartKind::Mention, &format!("@{handle}"));
    }

    fn link(&mut self, url: &NewsUrl, rng: &mut Rng) {
        if rng.chance(0.65) {
            self.push(PartKind::Link, &url.expanded);
        } else {
            let label = rng.pick(LINK_LABELS[self.lang]);
            self.push(PartKind::TextLink(url.expanded.clone()), label);
        }
    }

    fn bold(&mut self, s: &str) {
        self.push(PartKind::Bold, s);
    }

    fn chars(&self) -> usize {
        self.chars
    }
}

#[derive(Clone, Copy)]
enum Media {
    None,
    Photo(u32, u32),
    Video(u32, u32, u32),
}

/// What a channel message says (shared verbatim by its forwards).
#[derive(Clone)]
struct Content {
    parts: Parts,
    /// Channel the post was originally published in, for forwards.
    forward: Option<u64>,
    media: Media,
}

/// The Telegram side of the world.
pub(crate) struct TgWorld {
    seed: u64,
    pub channels: Vec<Channel>,
    counts: Vec<u64>,
    tl: Timeline,
    start: i64,
}

impl TgWorld {
    pub(crate) fn new(cfg: &WorldConfig) -> Self {
        let n = cfg.channels as usize;
        let channels: Vec<Channel> = (0..n as u64).map(|c| make_channel(cfg.seed, c)).collect();
        // Heavy-tailed share of posts per channel; exact total.
        let w: Vec<f64> = (0..n).map(|c| 1.0 / ((c + 1) as f64).powf(0.7)).collect();
        let total: f64 = w.iter().sum();
        let mut counts: Vec<u64> = w
            .iter()
            .map(|x| (x / total * cfg.telegram_posts as f64).floor() as u64)
            .collect();
        let mut rest = cfg.telegram_posts.saturating_sub(counts.iter().sum());
        let mut c = 0;
        while rest > 0 && n > 0 {
            counts[c % n] += 1;
            rest -= 1;
            c += 1;
        }
        TgWorld {
            seed: cfg.seed,
            channels,
            counts,
            tl: Timeline::new(cfg.seed, cfg.start, cfg.days),
            start: cfg.start,
        }
    }

    /// Unix seconds of message `k` of channel `c`.
    fn t_s(&self, c: u64, k: u64) -> i64 {
        let jitter = Rng::new(key(self.seed, S_MSG, c, k ^ (1 << 63))).f64();
        self.tl
            .at((k as f64 + jitter) / self.counts[c as usize].max(1) as f64)
            / 1000
    }

    /// The last message of `c` posted at or before `t`.
    fn latest_before(&self, c: u64, t: i64) -> Option<u64> {
        let n = self.counts[c as usize];
        if n == 0 {
            return None;
        }
        let mut m = ((self.tl.cdf(t * 1000 + 999) * n as f64) as u64).min(n - 1);
        for _ in 0..4 {
            if m + 1 < n && self.t_s(c, m + 1) <= t {
                m += 1;
            }
        }
        for _ in 0..8 {
            if self.t_s(c, m) <= t {
                return Some(m);
            }
            if m == 0 {
                return None;
            }
            m -= 1;
        }
        None
    }

    fn content(&self, c: u64, k: u64, depth: u32) -> Content {
        let mut r = Rng::new(key(self.seed, S_CONTENT, c, k));
        let nch = self.channels.len() as u64;
        let t = self.t_s(c, k);
        if depth < 3 && nch > 1 && r.chance(0.2) {
            let n_off = (TG_OFFICIALS.len() as u64).min(nch);
            let src = if r.chance(0.5) {
                r.below(n_off)
            } else {
                r.below(nch)
            };
            if src != c
                && let Some(m) = self.latest_before(src, t)
            {
                let mut fwd = self.content(src, m, depth + 1);
                fwd.forward = Some(fwd.forward.unwrap_or(src));
                return fwd;
            }
        }
        let ch = &self.channels[c as usize];
        let lang = if r.chance(0.9) {
            ch.lang
        } else {
            Lang::ALL[r.weighted(&LANG_SHARE)]
        };
        let li = lang.index();
        let mut p = Parts {
            lang: li,
            ..Parts::default()
        };
        let headline = r.chance(0.35);
        if headline {
            if r.chance(0.6) {
                p.plain(r.pick(BREAKING[li]));
            }
            let n = r.range(4, 9);
            let h = sentence(lang, &mut r, n);
            p.bold(&h);
            p.plain("\n\n");
        }
        let channels = &self.channels;
        let o = Compose {
            lang,
            breaking: if headline { 0.0 } else { 0.12 },
            link: 0.3,
            force_link: None,
            mention: 0.1,
            max_chars: 420,
            t_ms: t * 1000,
        };
        compose(&mut p, &mut r, &o, &mut |rr: &mut Rng| {
            let x = rr.below(channels.len() as u64);
            Some((x, channels[x as usize].username.clone()))
        });
        if r.chance(0.5) {
            p.plain("\n\n");
            p.plain(r.pick(SUBSCRIBE[ch.lang.index()]));
            let u = ch.username.clone();
            p.mention(&u, c);
        }
        let x = r.f64();
        let dims = [
            (1280, 720),
            (1280, 853),
            (960, 1280),
            (1080, 1080),
            (720, 1280),
            (1280, 960),
        ];
        let (w, h) = r.pick(&dims);
        let media = if x < 0.30 {
            Media::Photo(w, h)
        } else if x < 0.40 {
            Media::Video(w, h, r.range(4, 300) as u32)
        } else {
            Media::None
        };
        if !matches!(media, Media::None) && r.chance(0.12) {
            p = Parts::default();
        }
        Content {
            parts: p,
            forward: None,
            media,
        }
    }

    /// Writes `telegram/<slug>/result.json` for channel `c`; returns the path
    /// and how many `"type": "message"` entries it holds.
    fn write_channel(&self, c: u64, dir: &Path) -> io::Result<(PathBuf, u64)> {
        let ch = &self.channels[c as usize];
        let cdir = dir.join(ch.username.to_lowercase());
        fs::create_dir_all(&cdir)?;
        let path = cdir.join("result.json");
        let mut out = BufWriter::with_capacity(1 << 18, fs::File::create(&path)?);
        write!(
            out,
            "{{\n \"name\": {},\n \"type\": \"public_channel\",\n \"id\": {},\n \"messages\": [",
            serde_json::to_string(&ch.name)?,
            ch.id
        )?;
        let from_id = format!("channel{}", ch.id);
        let mut mr = Rng::new(key(self.seed, S_CHAN, c, 1));
        let mut next_id = if ch.created_in_window {
            1
        } else {
            mr.range(300, 90_000)
        };
        let n = self.counts[c as usize];
        let mut ids: Vec<u64> = Vec::with_capacity(n as usize);
        let mut buf = Vec::with_capacity(4096);
        let mut first = true;
        let mut emit = |out: &mut BufWriter<fs::File>, msg: &Msg<'_>| -> io::Result<()> {
            buf.clear();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
            msg.serialize(&mut ser).map_err(io::Error::from)?;
            out.write_all(if first { b"\n  " } else { b",\n  " })?;
            first = false;
            // Strings never hold raw newlines, so every '\n' is structural.
            for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
                if i > 0 {
                    out.write_all(b"\n  ")?;
                }
                out.write_all(line)?;
            }
            Ok(())
        };
        let service = |id: u64, t: i64, action: &'static str| Msg {
            id,
            kind: "service",
            date: telegram_local(t),
            date_unixtime: unix(t),
            edited: None,
            edited_unixtime: None,
            actor: Some(&ch.name),
            actor_id: Some(&from_id),
            action: Some(action),
            title: None,
            message_id: None,
            from: None,
            from_id: None,
            forwarded_from: None,
            reply_to_message_id: None,
            photo: None,
            file: None,
            thumbnail: None,
            media_type: None,
            mime_type: None,
            duration_seconds: None,
            width: None,
            height: None,
            text: Text(&[]),
            text_entities: Entities(&[]),
        };
        if ch.created_in_window {
            let t0 = if n > 0 {
                self.t_s(c, 0) - 600
            } else {
                self.start
            };
            let mut m = service(next_id, t0, "create_channel");
            m.title = Some(&ch.name);
            emit(&mut out, &m)?;
            next_id += 1;
        }
        let mut photos = 0u32;
        let mut videos = 0u32;
        for k in 0..n {
            let mut r = Rng::new(key(self.seed, S_MSG, c, k));
            if r.chance(0.04) {
                next_id += r.range(1, 5); // deleted messages leave gaps
            }
            let id = next_id;
            next_id += 1;
            let t = self.t_s(c, k);
            let content = self.content(c, k, 0);
            let reply_to = (content.forward.is_none() && k > 0 && r.chance(0.05))
                .then(|| ids[(k - 1 - r.below(k.min(20))) as usize]);
            let edited = r.chance(0.06).then(|| t + r.range(30, 7200) as i64);
            let stamp = telegram_file_stamp(t);
            let (photo, file, thumbnail, media_type, mime_type, duration, width, height) =
                match content.media {
                    Media::None => (None, None, None, None, None, None, None, None),
                    Media::Photo(w, h) => {
                        photos += 1;
                        (
                            Some(format!("photos/photo_{photos}@{stamp}.jpg")),
                            None,
                            None,
                            None,
                            None,
                            None,
                            Some(w),
                            Some(h),
                        )
                    }
                    Media::Video(w, h, d) => {
                        videos += 1;
                        let f = format!("video_files/video_{videos}@{stamp}.mp4");
                        let th = format!("{f}_thumb.jpg");
                        (
                            None,
                            Some(f),
                            Some(th),
                            Some("video_file"),
                            Some("video/mp4"),
                            Some(d),
                            Some(w),
                            Some(h),
                        )
                    }
                };
            let fwd_name = content
                .forward
                .map(|s| self.channels[s as usize].name.as_str());
            let msg = Msg {
                id,
                kind: "message",
                date: telegram_local(t),
                date_unixtime: unix(t),
                edited: edited.map(telegram_local),
                edited_unixtime: edited.map(unix),
                actor: None,
                actor_id: None,
                action: None,
                title: None,
                message_id: None,
                from: Some(&ch.name),
                from_id: Some(&from_id),
                forwarded_from: fwd_name,
                reply_to_message_id: reply_to,
                photo,
                file,
                thumbnail,
                media_type,
                mime_type,
                duration_seconds: duration,
                width,
                height,
                text: Text(&content.parts.parts),
                text_entities: Entities(&content.parts.parts),
            };
            emit(&mut out, &msg)?;
            ids.push(id);
            if r.chance(1.0 / 150.0) {
                let mut m = service(next_id, t, "pin_message");
                m.message_id = Some(id);
                emit(&mut out, &m)?;
                next_id += 1;
            } else if r.chance(1.0 / 700.0) {
                let mut m = service(next_id, t, "edit_group_photo");
                photos += 1;
                m.photo = Some(format!("photos/photo_{photos}@{stamp}.jpg"));
                m.width = Some(640);
                m.height = Some(640);
                emit(&mut out, &m)?;
                next_id += 1;
            }
        }
        out.write_all(b"\n ]\n}")?;
        out.flush()?;
        Ok((path, n))
    }
}

fn unix(t: i64) -> Fixed {
    let mut f = Fixed::new();
    f.push_num(t.max(0) as u64, 1);
    f
}

fn make_channel(seed: u64, c: u64) -> Channel {
    let mut r = Rng::new(key(seed, S_CHAN, c, 0));
    let created_in_window = c % 5 == 4;
    if let Some(o) = TG_OFFICIALS.get(c as usize) {
        return Channel {
            id: TG_ID_BASE + c,
            name: o.name.to_string(),
            username: o.handle.to_string(),
            lang: o.lang,
            created_in_window,
        };
    }
    let lang = Lang::ALL[r.weighted(&[0.5, 0.25, 0.1, 0.15])];
    let cities = TG_CITIES[lang.index()];
    let styles = TG_STYLES[lang.index()];
    let nc = cities.len() as u64;
    let ns = styles.len() as u64;
    let (city, city_l) = cities[(c % nc) as usize];
    let (style, style_l) = styles[((c / nc) % ns) as usize];
    let mut name = style.replace("{}", city);
    let round = c / (nc * ns);
    if round > 0 {
        name.push_str(&format!(" {}", round + 1));
    }
    Channel {
        id: TG_ID_BASE + c,
        name,
        username: format!("{city_l}{style_l}_{c}"),
        lang,
        created_in_window,
    }
}

#[derive(Serialize)]
struct Msg<'a> {
    id: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    date: Fixed,
    date_unixtime: Fixed,
    #[serde(skip_serializing_if = "Option::is_none")]
    edited: Option<Fixed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edited_unixtime: Option<Fixed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forwarded_from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to_message_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    photo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mime_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
    text: Text<'a>,
    text_entities: Entities<'a>,
}

fn type_name(k: &PartKind) -> &'static str {
    match k {
        PartKind::Plain => "plain",
        PartKind::Bold => "bold",
        PartKind::Hashtag => "hashtag",
        PartKind::Mention => "mention",
        PartKind::Link => "link",
        PartKind::TextLink(_) => "text_link",
    }
}

struct PartObj<'a>(&'a Part);

impl Serialize for PartObj<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", type_name(&p.kind))?;
        m.serialize_entry("text", &p.text)?;
        if let PartKind::TextLink(href) = &p.kind {
            m.serialize_entry("href", href)?;
        }
        m.end()
    }
}

/// `text`: a string when there is no entity, else an array of strings and
/// entity objects.
struct Text<'a>(&'a [Part]);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [] => s.serialize_str(""),
            [p] if p.kind == PartKind::Plain => s.serialize_str(&p.text),
            parts => s.collect_seq(parts.iter().map(|p| match p.kind {
                PartKind::Plain => TextItem::Str(&p.text),
                _ => TextItem::Obj(PartObj(p)),
            })),
        }
    }
}

enum TextItem<'a> {
    Str(&'a str),
    Obj(PartObj<'a>),
}

impl Serialize for TextItem<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TextItem::Str(t) => s.serialize_str(t),
            TextItem::Obj(o) => o.serialize(s),
        }
    }
}

/// `text_entities`: every part as an object (`plain` included).
struct Entities<'a>(&'a [Part]);

impl Serialize for Entities<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(PartObj))
    }
}

/// Writes every channel under `dir` (= `<out>/telegram`); returns the files
/// and the number of messages (service messages excluded).
pub(crate) fn write(cfg: &WorldConfig, dir: &Path) -> io::Result<(Vec<PathBuf>, u64)> {
    let world = TgWorld::new(cfg);
    let mut files = Vec::new();
    let mut total = 0;
    for c in 0..world.channels.len() as u64 {
        let (p, n) = world.write_channel(c, dir)?;
        files.push(p);
        total += n;
    }
    Ok((files, total))
}
