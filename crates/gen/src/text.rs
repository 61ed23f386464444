//! Post texts: words with spelling variants, tashkeel, tatweel, ZWNJ and
//! niqqud, hashtags, mentions, links and emoji, written into a [`Sink`] that
//! records entities the way each platform does.

use crate::rng::Rng;
use crate::words::*;
use std::sync::OnceLock;

/// A news link: what a t.co link expands to.
#[derive(Clone, Debug)]
pub(crate) struct NewsUrl {
    pub expanded: String,
    pub display: String,
}

/// Where generated text goes; each platform records entities its own way.
pub(crate) trait Sink {
    /// Plain text.
    fn plain(&mut self, s: &str);
    /// `#tag` (without the `#` in `tag`).
    fn hashtag(&mut self, tag: &str);
    /// `@handle` of `actor`.
    fn mention(&mut self, handle: &str, actor: u64);
    /// A link to `url`.
    fn link(&mut self, url: &NewsUrl, rng: &mut Rng);
    /// Bold text (plain where the platform has no markup).
    fn bold(&mut self, s: &str) {
        self.plain(s);
    }
    /// Length so far, in code points.
    fn chars(&self) -> usize;
}

/// The kinds of entity an X post records.
#[derive(Clone, Debug)]
pub(crate) enum EntKind {
    Hashtag,
    Mention(u64),
    Url(NewsUrl),
}

/// An entity with code-point (`cs..ce`) and byte (`bs..be`) offsets.
#[derive(Clone, Debug)]
pub(crate) struct Ent {
    pub kind: EntKind,
    pub cs: u32,
    pub ce: u32,
    pub bs: u32,
    pub be: u32,
}

/// The text of an X post and its entities (offsets in code points, as X
/// counts them).
#[derive(Clone, Debug, Default)]
pub(crate) struct Body {
    pub text: String,
    pub chars: u32,
    pub ents: Vec<Ent>,
}

impl Body {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Body {
            text: String::with_capacity(n),
            chars: 0,
            ents: Vec::with_capacity(6),
        }
    }

    /// The slice of text an entity covers.
    pub(crate) fn slice(&self, e: &Ent) -> &str {
        &self.text[e.bs as usize..e.be as usize]
    }

    fn open(&self) -> (u32, u32) {
        (self.chars, self.text.len() as u32)
    }

    fn close(&mut self, kind: EntKind, (cs, bs): (u32, u32)) {
        self.ents.push(Ent {
            kind,
            cs,
            ce: self.chars,
            bs,
            be: self.text.len() as u32,
        });
    }

    /// Adds a t.co link to `url` with a fresh short code.
    pub(crate) fn tco(&mut self, url: NewsUrl, rng: &mut Rng) {
        let at = self.open();
        self.plain("https://t.co/");
        let mut code = [0u8; 10];
        for c in code.iter_mut() {
            *c = BASE62[rng.index(62)];
        }
        // BASE62 is ASCII.
        self.plain(std::str::from_utf8(&code).unwrap_or("x"));
        self.close(EntKind::Url(url), at);
    }

    /// `RT @handle: <text>` of `orig`, cut to 140 code points with `…` as X
    /// does; entities that survive the cut are kept and shifted.
    pub(crate) fn retweet_of(orig: &Body, handle: &str, author: u64) -> Body {
        let mut b = Body::with_capacity(orig.text.len() + handle.len() + 8);
        b.plain("RT ");
        b.mention(handle, author);
        b.plain(": ");
        let (pc, pb) = (b.chars, b.text.len() as u32);
        let room = 140u32.saturating_sub(pc);
        let keep = if orig.chars > room {
            room.saturating_sub(1)
        } else {
            orig.chars
        };
        let cut = byte_at(&orig.text, keep as usize);
        b.plain(&orig.text[..cut]);
        for e in &orig.ents {
            if e.ce <= keep {
                b.ents.push(Ent {
                    kind: e.kind.clone(),
                    cs: e.cs + pc,
                    ce: e.ce + pc,
                    bs: e.bs + pb,
                    be: e.be + pb,
                });
            }
        }
        if keep < orig.chars {
            b.plain("…");
        }
        b
    }
}

/// Byte offset of code point `n` in `s` (or `s.len()`).
pub(crate) fn byte_at(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map(|(i, _)| i).unwrap_or(s.len())
}

const BASE62: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Sink for Body {
    #[inline]
    fn plain(&mut self, s: &str) {
        self.text.push_str(s);
        self.chars += s.chars().count() as u32;
    }

    fn hashtag(&mut self, tag: &str) {
        let at = self.open();
        self.plain("#");
        self.plain(tag);
        self.close(EntKind::Hashtag, at);
    }

    fn mention(&mut self, handle: &str, actor: u64) {
        let at = self.open();
        self.plain("@");
        self.plain(handle);
        self.close(EntKind::Mention(actor), at);
    }

    fn link(&mut self, url: &NewsUrl, rng: &mut Rng) {
        self.tco(url.clone(), rng);
    }

    fn chars(&self) -> usize {
        self.chars as usize
    }
}

/// Word lists after start-up normalisation.
pub(crate) struct Vocab {
    /// Words per language; each word is its list of spelling variants.
    pub words: [Vec<Vec<String>>; 4],
    /// Indices of words usable inside hashtags, per language.
    pub taggable: [Vec<usize>; 4],
}

fn fix_letters(s: &str, lang: Lang) -> String {
    match lang {
        // Arabic text uses Arabic yeh/kaf.
        Lang::Ar => s
            .replace('\u{06cc}', "\u{064a}")
            .replace('\u{06a9}', "\u{0643}"),
        // Persian text uses Farsi yeh/keheh.
        Lang::Fa => s
            .replace('\u{064a}', "\u{06cc}")
            .replace('\u{0643}', "\u{06a9}"),
        _ => s.to_string(),
    }
}

/// The normalised vocabulary (built once).
pub(crate) fn vocab() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(|| {
        let lists = [AR_WORDS, FA_WORDS, HE_WORDS, EN_WORDS];
        let mut words: [Vec<Vec<String>>; 4] = Default::default();
        let mut taggable: [Vec<usize>; 4] = Default::default();
        for (li, list) in lists.iter().enumerate() {
            let lang = Lang::ALL[li];
            for (wi, w) in list.iter().enumerate() {
                let variants: Vec<String> = w.split('|').map(|v| fix_letters(v, lang)).collect();
                let ok = variants[0].chars().count() >= 3
                    && variants[0]
                        .chars()
                        .all(|c| c.is_alphabetic() || c == '\u{200c}');
                if ok {
                    taggable[li].push(wi);
                }
                words[li].push(variants);
            }
        }
        Vocab { words, taggable }
    })
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063a}' | '\u{0641}'..='\u{064a}')
}

/// Letters that do not join to the following letter.
fn non_joining(c: char) -> bool {
    matches!(
        c,
        'ا' | 'أ' | 'إ' | 'آ' | 'د' | 'ذ' | 'ر' | 'ز' | 'و' | 'ؤ' | 'ة' | 'ى' | 'ء'
    )
}

const HARAKAT: &[&str] = &[
    "\u{064e}",         // fatha
    "\u{064f}",         // damma
    "\u{0650}",         // kasra
    "\u{0652}",         // sukun
    "\u{0651}\u{064e}", // shadda + fatha
    "\u{064b}",         // tanween fath
];

/// Adds harakat (short-vowel marks) to some letters of an Arabic word.
fn tashkeel(w: &str, rng: &mut Rng, out: &mut String) {
    for c in w.chars() {
        out.push(c);
        if is_arabic_letter(c) && rng.chance(0.45) {
            out.push_str(rng.pick(HARAKAT));
        }
    }
}

/// Stretches an Arabic word with tatweel (ـ) after a joining letter.
fn tatweel(w: &str, rng: &mut Rng, out: &mut String) {
    let chars: Vec<char> = w.chars().collect();
    let spots: Vec<usize> = (0..chars.len().saturating_sub(1))
        .filter(|&i| {
            is_arabic_letter(chars[i]) && !non_joining(chars[i]) && is_arabic_letter(chars[i + 1])
        })
        .collect();
    if spots.is_empty() {
        out.push_str(w);
        return;
    }
    let at = rng.pick(&spots);
    for (i, c) in chars.iter().enumerate() {
        out.push(*c);
        if i == at {
            for _ in 0..rng.range(1, 4) {
                out.push('\u{0640}');
            }
        }
    }
}

/// Picks a spelling: the standard one most of the time.
fn variant<'a>(v: &'a [String], rng: &mut Rng) -> &'a str {
    if v.len() == 1 || rng.chance(0.62) {
        &v[0]
    } else {
        &v[1 + rng.index(v.len() - 1)]
    }
}

/// One word of `lang`, with the script's quirks applied, appended to `out`.
fn word(lang: Lang, rng: &mut Rng, out: &mut String, capitalize: bool) {
    let v = vocab();
    let list = &v.words[lang.index()];
    let w = variant(&list[rng.index(list.len())], rng);
    match lang {
        Lang::Ar => {
            let r = rng.f64();
            if r < 0.05 {
                tashkeel(w, rng, out);
            } else if r < 0.08 {
                tatweel(w, rng, out);
            } else {
                out.push_str(w);
            }
        }
        Lang::Fa => {
            if rng.chance(0.08) {
                // Typed on an Arabic keyboard.
                for c in w.chars() {
                    out.push(match c {
                        '\u{06cc}' => '\u{064a}',
                        '\u{06a9}' => '\u{0643}',
                        c => c,
                    });
                }
            } else {
                out.push_str(w);
            }
        }
        Lang::He => out.push_str(w),
        Lang::En => {
            if capitalize {
                let mut cs = w.chars();
                if let Some(f) = cs.next() {
                    out.extend(f.to_uppercase());
                    out.push_str(cs.as_str());
                }
            } else {
                out.push_str(w);
            }
        }
    }
}

/// `n` words of `lang` separated by spaces (a headline).
pub(crate) fn sentence(lang: Lang, rng: &mut Rng, n: u64) -> String {
    let mut s = String::with_capacity(16 * n as usize);
    for k in 0..n {
        if k > 0 {
            s.push(' ');
        }
        word(lang, rng, &mut s, k == 0);
    }
    s
}

/// A hashtag of `lang`: a popular one, or a rare compound of two words.
pub(crate) fn hashtag(lang: Lang, rng: &mut Rng, out: &mut String) {
    let (lang, popular) = if rng.chance(0.12) {
        (Lang::En, true) // Arabic/Persian/Hebrew posts often carry #Gaza and co.
    } else {
        (lang, rng.chance(0.5))
    };
    if popular {
        let pop = POP_TAGS[lang.index()];
        out.push_str(pop[rng.zipf(pop.len() as u64) as usize]);
        return;
    }
    let v = vocab();
    let tags = &v.taggable[lang.index()];
    let list = &v.words[lang.index()];
    let a = variant(&list[rng.pick(tags)], rng);
    let b = variant(&list[rng.pick(tags)], rng);
    if lang == Lang::En {
        for w in [a, b] {
            let mut cs = w.chars();
            if let Some(f) = cs.next() {
                out.extend(f.to_uppercase());
                out.push_str(cs.as_str());
            }
        }
        if rng.chance(0.2) {
            out.push_str(&rng.range(1, 30).to_string());
        }
    } else {
        out.push_str(a);
        out.push('_');
        out.push_str(b);
    }
}

/// Digits in the script people of `lang` often type.
fn number(lang: Lang, rng: &mut Rng, out: &mut String) {
    let n = if rng.chance(0.7) {
        rng.range(2, 60)
    } else {
        rng.range(100, 5000)
    };
    let zero = match lang {
        Lang::Ar if rng.chance(0.5) => Some('\u{0660}'), // ٠
        Lang::Fa if rng.chance(0.7) => Some('\u{06f0}'), // ۰
        _ => None,
    };
    let s = n.to_string();
    match zero {
        Some(z) => {
            for d in s.bytes() {
                out.push(char::from_u32(z as u32 + u32::from(d - b'0')).unwrap_or('0'));
            }
        }
        None => out.push_str(&s),
    }
}

/// Options for [`compose`].
pub(crate) struct Compose<'a> {
    pub lang: Lang,
    /// Probability of a "breaking" prefix.
    pub breaking: f64,
    /// Probability of a link to a news site.
    pub link: f64,
    /// A link that must be included (coordinated link sharing).
    pub force_link: Option<&'a NewsUrl>,
    /// Probability of mentions.
    pub mention: f64,
    /// Rough length target in code points.
    pub max_chars: usize,
    /// Unix ms of the post (dates in news URLs).
    pub t_ms: i64,
}

const END_PUNCT: [&[&str]; 4] = [
    &["", ".", "!", "..", "؟", "،"],
    &[".", "!", "؟", ""],
    &[".", "!", ""],
    &[".", "!", "", "..."],
];

/// Writes a post's text into `sink`. `pick_mention` chooses someone to
/// mention (an actor index and handle).
pub(crate) fn compose(
    sink: &mut dyn Sink,
    rng: &mut Rng,
    o: &Compose<'_>,
    pick_mention: &mut dyn FnMut(&mut Rng) -> Option<(u64, String)>,
) {
    let lang = o.lang;
    let li = lang.index();
    let mut buf = String::with_capacity(64);
    if lang == Lang::Ar && rng.chance(0.05) {
        sink.plain("\u{200f}"); // RLM, as many Arabic clients insert
    }
    if rng.chance(o.breaking) {
        sink.plain(rng.pick(BREAKING[li]));
    }
    let mut mentions = if rng.chance(o.mention) {
        rng.range(1, 3) as usize - usize::from(rng.chance(0.4))
    } else {
        0
    };
    if mentions > 0 && rng.chance(0.5) {
        while mentions > 0 {
            if let Some((a, h)) = pick_mention(rng) {
                sink.mention(&h, a);
                sink.plain(" ");
            }
            mentions -= 1;
        }
    }
    if rng.chance(0.08) {
        sink.plain(rng.pick(EMOJI));
        sink.plain(" ");
    }
    // Mostly short posts, some long ones.
    let u = rng.f64();
    let budget = 25 + (u * u * o.max_chars.saturating_sub(25) as f64) as usize;
    let mut first_sentence = true;
    while first_sentence || sink.chars() < budget {
        if !first_sentence {
            let r = rng.f64();
            sink.plain(if r < 0.8 {
                " "
            } else if r < 0.9 {
                "\n"
            } else {
                "\n\n"
            });
        }
        first_sentence = false;
        if lang == Lang::Ar && rng.chance(0.06) {
            sink.plain(rng.pick(AR_TASHKEEL));
            continue;
        }
        if lang == Lang::He && rng.chance(0.08) {
            sink.plain(rng.pick(HE_NIQQUD));
            continue;
        }
        if lang == Lang::En && rng.chance(0.01) {
            sink.plain("¯\\_(ツ)_/¯");
            continue;
        }
        let n = rng.range(3, 10);
        for k in 0..n {
            if k > 0 {
                sink.plain(" ");
            }
            if k == n / 2 && mentions > 0 {
                mentions -= 1;
                if let Some((a, h)) = pick_mention(rng) {
                    sink.mention(&h, a);
                    sink.plain(" ");
                }
            }
            if rng.chance(0.05) {
                buf.clear();
                number(lang, rng, &mut buf);
                sink.plain(&buf);
                continue;
            }
            if rng.chance(0.05) {
                buf.clear();
                hashtag(lang, rng, &mut buf);
                sink.hashtag(&buf);
                continue;
            }
            buf.clear();
            word(lang, rng, &mut buf, k == 0);
            sink.plain(&buf);
        }
        sink.plain(rng.pick(END_PUNCT[li]));
    }
    let tags = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4][rng.index(20)];
    if tags > 0 {
        sink.plain(if rng.chance(0.25) { "\n" } else { " " });
        for k in 0..tags {
            if k > 0 {
                sink.plain(" ");
            }
            buf.clear();
            hashtag(lang, rng, &mut buf);
            sink.hashtag(&buf);
        }
    }
    if let Some(u) = o.force_link {
        sink.plain(" ");
        sink.link(u, rng);
    } else if rng.chance(o.link) {
        let u = news_url(lang, rng, o.t_ms);
        sink.plain(" ");
        sink.link(&u, rng);
    }
    if rng.chance(0.3) {
        sink.plain(" ");
        for _ in 0..rng.range(1, 3) {
            sink.plain(rng.pick(EMOJI));
        }
    }
}

/// A hashtag-and-emoji-only post (X marks these `und`).
pub(crate) fn compose_und(sink: &mut dyn Sink, rng: &mut Rng, lang: Lang) {
    let mut buf = String::new();
    for k in 0..rng.range(1, 3) {
        if k > 0 {
            sink.plain(" ");
        }
        buf.clear();
        hashtag(lang, rng, &mut buf);
        sink.hashtag(&buf);
    }
    sink.plain(" ");
    for _ in 0..rng.range(1, 4) {
        sink.plain(rng.pick(EMOJI));
    }
}

fn percent_encode(s: &str, out: &mut String) {
    const HEXU: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEXU[(b >> 4) as usize] as char);
            out.push(HEXU[(b & 15) as usize] as char);
        }
    }
}

/// The `display_url` X shows for a URL: no scheme, no `www.`, cut with `…`.
pub(crate) fn display_url(expanded: &str) -> String {
    let s = expanded
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    if s.chars().count() > 26 {
        let mut d: String = s.chars().take(26).collect();
        d.push('…');
        d
    } else {
        s.to_string()
    }
}

/// A link to a news article, leaning to sites of the post's language.
pub(crate) fn news_url(lang: Lang, rng: &mut Rng, t_ms: i64) -> NewsUrl {
    let (domain, dlang) = if rng.chance(0.7) {
        let same: Vec<&(&str, Lang)> = NEWS_DOMAINS.iter().filter(|d| d.1 == lang).collect();
        *same[rng.index(same.len())]
    } else {
        rng.pick(NEWS_DOMAINS)
    };
    let c = crate::time::civil(t_ms.div_euclid(1000));
    let mut u = String::with_capacity(120);
    u.push_str("https://www.");
    u.push_str(domain);
    u.push('/');
    let slug_words = rng.range(3, 6);
    match dlang {
        Lang::He => {
            u.push_str("news/article/");
            for _ in 0..9 {
                u.push(BASE62[26 + rng.index(36)] as char);
            }
        }
        Lang::Ar | Lang::Fa => {
            u.push_str(rng.pick(SECTIONS));
            u.push_str(&format!("/{}/{}/{}/", c.y, c.mo, c.d));
            let v = vocab();
            let list = &v.words[dlang.index()];
            for k in 0..slug_words {
                if k > 0 {
                    u.push('-');
                }
                let w = &list[rng.index(list.len())][0];
                percent_encode(&w.replace(' ', "-"), &mut u);
            }
        }
        Lang::En => {
            u.push_str(rng.pick(SECTIONS));
            u.push_str(&format!("/{}/{:02}/{:02}/", c.y, c.mo, c.d));
            let v = vocab();
            let list = &v.words[Lang::En.index()];
            let mut k = 0;
            while k < slug_words {
                let w = &list[rng.index(list.len())][0];
                let clean: String = w
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                    .collect::<String>()
                    .to_lowercase()
                    .replace(' ', "-");
                if clean.is_empty() {
                    continue;
                }
                if k > 0 {
                    u.push('-');
                }
                u.push_str(&clean);
                k += 1;
            }
            u.push('-');
            u.push_str(&rng.range(10_000_000, 99_999_999).to_string());
        }
    }
    let display = display_url(&u);
    NewsUrl {
        expanded: u,
        display,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retweet_cut_keeps_entities_consistent() {
        let mut rng = Rng::new(5);
        for _ in 0..200 {
            let mut b = Body::default();
            let o = Compose {
                lang: Lang::Ar,
                breaking: 0.2,
                link: 0.5,
                force_link: None,
                mention: 0.5,
                max_chars: 260,
                t_ms: 1_696_118_400_000,
            };
            compose(&mut b, &mut rng, &o, &mut |_| Some((3, "user_3".into())));
            let rt = Body::retweet_of(&b, "someone", 9);
            assert!(rt.chars <= 140);
            for body in [&b, &rt] {
                assert_eq!(body.chars as usize, body.text.chars().count());
                for e in &body.ents {
                    let s = body.slice(e);
                    assert_eq!(s.chars().count() as u32, e.ce - e.cs);
                    assert_eq!(body.text[..e.bs as usize].chars().count() as u32, e.cs);
                    match &e.kind {
                        EntKind::Hashtag => assert!(s.starts_with('#')),
                        EntKind::Mention(_) => assert!(s.starts_with('@')),
                        EntKind::Url(_) => assert!(s.starts_with("https://t.co/")),
                    }
                }
            }
        }
    }

    #[test]
    fn vocab_normalises_letters() {
        let v = vocab();
        for w in &v.words[Lang::Ar.index()] {
            assert!(
                !w[0].contains('\u{06cc}') && !w[0].contains('\u{06a9}'),
                "{}",
                w[0]
            );
        }
        for w in &v.words[Lang::Fa.index()] {
            assert!(
                !w[0].contains('\u{064a}') && !w[0].contains('\u{0643}'),
                "{}",
                w[0]
            );
        }
    }
}
