//! X accounts: ordinary users (by index), the named official accounts, and
//! small networks of coordinated "bot" accounts.

use crate::rng::{Rng, key};
use crate::words::*;

/// First X user id: actor `i` has id `X_ID_BASE + i`.
pub(crate) const X_ID_BASE: u64 = 1_000_000_000_000;

/// An official account (invented names; no real person).
pub(crate) struct OfficialDef {
    pub handle: &'static str,
    pub name: &'static str,
    pub side: &'static str,
    pub description: &'static str,
    pub location: &'static str,
    /// Language mix of its posts (Arabic, Persian, Hebrew, English).
    pub langs: [f64; 4],
    pub followers: u64,
}

/// The official X accounts, placed at [`X_SLOTS`] in the activity ranking.
pub(crate) const X_OFFICIALS: [OfficialDef; 6] = [
    OfficialDef {
        handle: "ArmySpokesman",
        name: "Army Spokesperson | דובר הצבא",
        side: "state",
        description: "The official account of the Army Spokesperson. עדכונים רשמיים.",
        location: "ישראל",
        langs: [0.2, 0.0, 0.45, 0.35],
        followers: 1_850_000,
    },
    OfficialDef {
        handle: "EmbassyBaghdad",
        name: "Embassy in Baghdad | السفارة في بغداد",
        side: "state",
        description: "Official account of the Embassy in Baghdad. Retweets ≠ endorsement.",
        location: "Baghdad, Iraq",
        langs: [0.4, 0.0, 0.0, 0.6],
        followers: 240_000,
    },
    OfficialDef {
        handle: "MFASpokesman",
        name: "سخنگوی وزارت امور خارجه",
        side: "state",
        description: "حساب رسمی سخنگوی وزارت امور خارجه",
        location: "تهران",
        langs: [0.1, 0.7, 0.0, 0.2],
        followers: 610_000,
    },
    OfficialDef {
        handle: "GovMediaOffice",
        name: "المكتب الإعلامي الحكومي",
        side: "state",
        description: "الحساب الرسمي للمكتب الإعلامي الحكومي",
        location: "غزة",
        langs: [0.85, 0.0, 0.0, 0.15],
        followers: 330_000,
    },
    OfficialDef {
        handle: "AlqassamMedia",
        name: "الإعلام العسكري",
        side: "armed-group",
        description: "الحساب الرسمي للإعلام العسكري",
        location: "",
        langs: [0.9, 0.0, 0.0, 0.1],
        followers: 520_000,
    },
    OfficialDef {
        handle: "SarayaMedia",
        name: "سرايا | الإعلام الحربي",
        side: "armed-group",
        description: "القناة الرسمية للإعلام الحربي",
        location: "",
        langs: [1.0, 0.0, 0.0, 0.0],
        followers: 95_000,
    },
];

/// Activity ranks (= actor indices) of the X officials when there are
/// enough actors; otherwise they take indices `0..`.
const X_SLOTS: [u64; 6] = [1, 4, 9, 15, 26, 41];

/// How many coordinated networks exist.
pub(crate) const NETWORKS: u64 = 3;

/// One X account.
pub(crate) struct Actor {
    pub idx: u64,
    pub id: u64,
    pub handle: String,
    pub name: String,
    pub description: String,
    pub location: String,
    pub created: i64,
    pub followers: u64,
    pub following: u64,
    pub tweets: u64,
    pub listed: u64,
    pub verified: bool,
    pub image: u64,
}

/// The population of X accounts.
pub(crate) struct Population {
    seed: u64,
    pub n: u64,
    /// Actor index of each official (`None` if there are too few actors).
    pub slots: Vec<u64>,
    start: i64,
}

impl Population {
    pub(crate) fn new(seed: u64, n: u64, start: i64) -> Self {
        let k = X_OFFICIALS.len().min(n as usize);
        let slots = if n > X_SLOTS[X_SLOTS.len() - 1] {
            X_SLOTS[..k].to_vec()
        } else {
            (0..k as u64).collect()
        };
        Population {
            seed,
            n,
            slots,
            start,
        }
    }

    /// Which official (index into [`X_OFFICIALS`]) actor `a` is.
    #[inline]
    pub(crate) fn official(&self, a: u64) -> Option<usize> {
        self.slots.iter().position(|&s| s == a)
    }

    /// Primary language of actor `a`.
    #[inline]
    pub(crate) fn lang(&self, a: u64) -> Lang {
        LANG_PATTERN[((a.wrapping_add(self.seed)) % 10) as usize]
    }

    /// The coordinated network actor `a` belongs to, if any.
    #[inline]
    pub(crate) fn network(&self, a: u64) -> Option<u64> {
        if a < 30 || self.official(a).is_some() {
            return None;
        }
        let h = key(self.seed, 0x4e45, a, 0) % 40;
        (h < NETWORKS).then_some(h)
    }

    /// A member of `net`, searching from a random actor (any actor if the
    /// network is empty).
    pub(crate) fn member(&self, net: u64, rng: &mut Rng) -> u64 {
        let start = rng.below(self.n);
        let mut a = start;
        for _ in 0..self.n.min(4000) {
            if self.network(a) == Some(net) {
                return a;
            }
            a += 1;
            if a == self.n {
                a = 0;
            }
        }
        start
    }

    /// The language of one post by `a`.
    pub(crate) fn post_lang(&self, a: u64, rng: &mut Rng) -> Lang {
        if let Some(o) = self.official(a) {
            return Lang::ALL[rng.weighted(&X_OFFICIALS[o].langs)];
        }
        if rng.chance(0.85) {
            self.lang(a)
        } else {
            Lang::ALL[rng.weighted(&LANG_SHARE)]
        }
    }

    /// The @handle of `a`.
    pub(crate) fn handle(&self, a: u64) -> String {
        if let Some(o) = self.official(a) {
            return X_OFFICIALS[o].handle.to_string();
        }
        let mut r = Rng::new(key(self.seed, 0x4841, a, 0));
        if self.network(a).is_some() {
            return format!("{}{}", r.pick(BOT_PREFIXES), 10_000_000 + a);
        }
        if r.chance(0.4) {
            format!("user_{a}")
        } else {
            let p = HANDLE_PREFIXES[self.lang(a).index()];
            let prefix = r.pick(p);
            if r.chance(0.3) {
                // Mixed case, as people type them.
                let mut cs = prefix.chars();
                let f = cs.next().unwrap_or('u').to_ascii_uppercase();
                format!("{f}{}_{a}", cs.as_str())
            } else {
                format!("{prefix}_{a}")
            }
        }
    }

    /// Follower count: heavy-tailed by activity rank.
    pub(crate) fn followers(&self, a: u64) -> u64 {
        if let Some(o) = self.official(a) {
            return X_OFFICIALS[o].followers;
        }
        let mut r = Rng::new(key(self.seed, 0x464f, a, 0));
        if self.network(a).is_some() {
            return r.below(60);
        }
        let base = 900_000.0 / ((a + 1) as f64).powf(1.1);
        (base * (0.4 + 1.2 * r.f64()) + r.below(400) as f64) as u64
    }

    /// Everything about actor `a`.
    pub(crate) fn actor(&self, a: u64) -> Actor {
        let mut r = Rng::new(key(self.seed, 0x4143, a, 0));
        let lang = self.lang(a);
        let li = lang.index();
        let followers = self.followers(a);
        let official = self.official(a);
        let net = self.network(a);
        let (name, description, location) = if let Some(o) = official {
            let d = &X_OFFICIALS[o];
            (
                d.name.to_string(),
                d.description.to_string(),
                d.location.to_string(),
            )
        } else {
            let mut name = String::new();
            name.push_str(r.pick(FIRST_NAMES[li]));
            if r.chance(0.75) {
                name.push(' ');
                name.push_str(r.pick(LAST_NAMES[li]));
            }
            if r.chance(0.15) {
                name.push(' ');
                name.push_str(r.pick(EMOJI));
            }
            let desc = if net.is_some() {
                r.pick(DESCRIPTIONS[li]).to_string()
            } else {
                let mut d = r.pick(DESCRIPTIONS[li]).to_string();
                if !d.is_empty() && r.chance(0.25) {
                    d.push_str(" #");
                    crate::text::hashtag(lang, &mut r, &mut d);
                }
                d
            };
            (name, desc, r.pick(LOCATIONS[li]).to_string())
        };
        // Accounts were created between 2008 and the window; bots shortly before it.
        let created = if net.is_some() {
            self.start - 86_400 * (10 + r.below(90) as i64) - r.below(86_400) as i64
        } else {
            let lo = 1_199_145_600; // 2008-01-01
            lo + r.below((self.start - lo - 86_400).max(1) as u64) as i64
        };
        let tweets = if net.is_some() {
            r.range(200, 3000)
        } else {
            (followers / 3 + r.below(20_000)).max(10)
        };
        Actor {
            idx: a,
            id: X_ID_BASE + a,
            handle: self.handle(a),
            name,
            description,
            location,
            created,
            followers,
            following: if net.is_some() {
                r.range(500, 4900)
            } else {
                r.range(20, 3000)
            },
            tweets,
            listed: followers / (100 + r.below(400)),
            verified: official.is_some() || (a < 200 && r.chance(0.15)) || r.chance(0.01),
            image: 1_100_000_000_000_000_000 + r.below(600_000_000_000_000_000),
        }
    }
}
