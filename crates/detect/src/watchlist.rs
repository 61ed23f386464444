//! Watchlists: `tarjuman.toml`, the sides, actors, home accounts, watched
//! terms and detector parameters an analyst's desk cares about.
//!
//! The format is documented, with a full example, in `docs/WATCHLISTS.md`.
//! The minimal form scripts write must always parse:
//!
//! ```
//! let w = tarjuman_detect::Watchlists::parse(r#"
//! [[side]]
//! name = "state"
//! opposes = ["armed-group"]
//!
//! [[actor]]
//! ref = "x:694671639967434717"
//! side = "state"
//! aliases = ["المتحدث العسكري"]
//!
//! [home]
//! actors = ["x:676103721"]
//! "#, "tarjuman.toml").unwrap();
//! assert!(w.opposed("state", "armed-group"));
//! assert_eq!(w.actors[0].aliases, ["المتحدث العسكري"]);
//! ```
//!
//! Every error names the file and the line: `tarjuman.toml:7:8: …`.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// A watchlist file that could not be read or does not make sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as named to the user.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// An error at byte `span` of `src`.
    pub fn at(file: &str, src: &str, span: Option<Range<usize>>, message: String) -> ConfigError {
        let (line, column) = match span {
            Some(s) => {
                let upto = &src[..s.start.min(src.len())];
                let line = upto.matches('\n').count() + 1;
                let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (Some(line), Some(col))
            }
            None => (None, None),
        };
        ConfigError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }
}

/// A side, and the sides it opposes (opposition is symmetric).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Short name, such as `state` or `armed-group`.
    pub name: String,
    /// Names of the sides it opposes.
    pub opposes: Vec<String>,
    /// Free text for people.
    pub label: Option<String>,
}

/// How a watched actor is identified in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorId {
    /// An actor ref as in every JSON output: `x:<user id>`, `telegram:<peer id>`.
    Ref(String),
    /// A platform and a handle (without `@`, matched case-insensitively).
    Handle {
        /// `x`, `telegram`, …
        platform: String,
        /// The handle.
        handle: String,
    },
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorId::Ref(r) => f.write_str(r),
            ActorId::Handle { platform, handle } => write!(f, "{platform}:@{handle}"),
        }
    }
}

impl ActorId {
    /// Parses `x:123` (a ref) or `x:@handle` (a handle).
    pub fn parse(s: &str) -> Option<ActorId> {
        let (p, rest) = s.split_once(':')?;
        if p.is_empty() || rest.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        match rest.strip_prefix('@') {
            Some(h) if !h.is_empty() => Some(ActorId::Handle {
                platform: p.to_string(),
                handle: h.to_string(),
            }),
            Some(_) => None,
            None => Some(ActorId::Ref(s.to_string())),
        }
    }
}

/// A watched actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedActor {
    /// How to find it in the store.
    pub id: ActorId,
    /// Its side, if any.
    pub side: Option<String>,
    /// Its role (`spokesman`, `ambassador`, `ministry`, …), free text.
    pub role: Option<String>,
    /// A name for people.
    pub name: Option<String>,
    /// Names it is called by in text, in any script; matched after
    /// normalization (case, accents, Arabic letter forms).
    pub aliases: Vec<String>,
}

/// A watched term: a word or phrase and its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The term.
    pub term: String,
    /// Other spellings and translations.
    pub aliases: Vec<String>,
}

/// A parsed, checked watchlist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Watchlists {
    /// Sides, in file order.
    pub sides: Vec<Side>,
    /// Watched actors, in file order.
    pub actors: Vec<WatchedActor>,
    /// The accounts the desk speaks for.
    pub home: Vec<ActorId>,
    /// Watched terms.
    pub terms: Vec<Term>,
    /// `[detectors.<name>]` tables, checked by each detector's own
    /// parameters struct when it is built.
    pub detectors: BTreeMap<String, toml::Table>,
    /// Where each `[detectors.<name>]` table starts (for error lines).
    pub(crate) detector_spans: BTreeMap<String, Range<usize>>,
    /// The source text (for error lines).
    pub(crate) source: String,
    /// The file name, as named to the user.
    pub(crate) file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    side: Vec<Spanned<RawSide>>,
    #[serde(default)]
    actor: Vec<Spanned<RawActor>>,
    #[serde(default)]
    home: Option<RawHome>,
    #[serde(default)]
    term: Vec<RawTerm>,
    #[serde(default)]
    detectors: BTreeMap<Spanned<String>, toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSide {
    name: Spanned<String>,
    #[serde(default)]
    opposes: Vec<Spanned<String>>,
    label: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActor {
    #[serde(rename = "ref")]
    reference: Option<Spanned<String>>,
    platform: Option<String>,
    handle: Option<String>,
    side: Option<Spanned<String>>,
    role: Option<String>,
    name: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHome {
    #[serde(default)]
    actors: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    term: String,
    #[serde(default)]
    aliases: Vec<String>,
}

impl Watchlists {
    /// Reads and checks a watchlist file.
    pub fn load(path: &Path) -> Result<Watchlists, ConfigError> {
        let name = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: name.clone(),
            line: None,
            column: None,
            message: format!("cannot read: {e}"),
        })?;
        Watchlists::parse(&src, &name)
    }

    /// Parses and checks watchlist text; `file` names it in errors.
    pub fn parse(src: &str, file: &str) -> Result<Watchlists, ConfigError> {
        let raw: RawFile = toml::from_str(src).map_err(|e| {
            ConfigError::at(file, src, e.span(), e.message().trim_end().to_string())
        })?;
        let err = |span: Range<usize>, m: String| ConfigError::at(file, src, Some(span), m);
        let mut sides = Vec::new();
        let mut names = BTreeSet::new();
        for s in &raw.side {
            let s = s.get_ref();
            let n = s.name.get_ref().trim();
            if n.is_empty() {
                return Err(err(s.name.span(), "a side needs a non-empty name".into()));
            }
            if !names.insert(n.to_string()) {
                return Err(err(s.name.span(), format!("side {n:?} is declared twice")));
            }
        }
        // A side named only in `opposes` is declared by that mention (the
        // minimal form scripts write relies on it).
        let mut implicit = Vec::new();
        for s in raw.side {
            let s = s.into_inner();
            let mut opposes = Vec::new();
            for o in &s.opposes {
                let o = o.get_ref().trim();
                if o.is_empty() {
                    continue;
                }
                if !names.contains(o) && !implicit.iter().any(|i| i == o) {
                    implicit.push(o.to_string());
                }
                opposes.push(o.to_string());
            }
            sides.push(Side {
                name: s.name.get_ref().trim().to_string(),
                opposes,
                label: s.label,
            });
        }
        for name in implicit {
            names.insert(name.clone());
            sides.push(Side {
                name,
                opposes: Vec::new(),
                label: None,
            });
        }
        let mut actors = Vec::new();
        let mut seen = BTreeSet::new();
        for a in raw.actor {
            let span = a.span();
            let a = a.into_inner();
            let id = match (&a.reference, &a.platform, &a.handle) {
                (Some(r), None, None) => match ActorId::parse(r.get_ref()) {
                    Some(id) => id,
                    None => {
                        return Err(err(
                            r.span(),
                            format!(
                                "{:?} is not an actor ref (platform:id, such as x:12345, or platform:@handle)",
                                r.get_ref()
                            ),
                        ));
                    }
                },
                (None, Some(p), Some(h))
                    if !p.is_empty() && !h.trim_start_matches('@').is_empty() =>
                {
                    ActorId::Handle {
                        platform: p.clone(),
                        handle: h.trim_start_matches('@').to_string(),
                    }
                }
                _ => {
                    return Err(err(
                        span,
                        "an [[actor]] needs either `ref` or both `platform` and `handle`".into(),
                    ));
                }
            };
            if !seen.insert(id.to_string().to_lowercase()) {
                return Err(err(span, format!("actor {id} is listed twice")));
            }
            if let Some(s) = &a.side
                && !names.contains(s.get_ref().as_str())
            {
                return Err(err(
                    s.span(),
                    format!(
                        "side {:?} is neither declared by a [[side]] nor opposed by one",
                        s.get_ref()
                    ),
                ));
            }
            actors.push(WatchedActor {
                id,
                side: a.side.map(|s| s.into_inner()),
                role: a.role,
                name: a.name,
                aliases: a
                    .aliases
                    .into_iter()
                    .filter(|s| !s.trim().is_empty())
                    .collect(),
            });
        }
        let mut home = Vec::new();
        for h in raw.home.map(|h| h.actors).unwrap_or_default() {
            match ActorId::parse(h.get_ref()) {
                Some(id) => home.push(id),
                None => {
                    return Err(err(
                        h.span(),
                        format!(
                            "{:?} is not an actor ref (platform:id or platform:@handle)",
                            h.get_ref()
                        ),
                    ));
                }
            }
        }
        let terms = raw
            .term
            .into_iter()
            .map(|t| Term {
                term: t.term,
                aliases: t.aliases,
            })
            .collect();
        let mut detectors = BTreeMap::new();
        let mut detector_spans = BTreeMap::new();
        for (k, v) in raw.detectors {
            let span = k.span();
            let k = k.into_inner();
            if !crate::DETECTORS.iter().any(|r| r.name == k) {
                let known: Vec<&str> = crate::DETECTORS.iter().map(|r| r.name).collect();
                return Err(err(
                    span,
                    format!("unknown detector {k:?}; known: {}", known.join(", ")),
                ));
            }
            detector_spans.insert(k.clone(), span);
            detectors.insert(k, v);
        }
        Ok(Watchlists {
            sides,
            actors,
            home,
            terms,
            detectors,
            detector_spans,
            source: src.to_string(),
            file: file.to_string(),
        })
    }

    /// Whether side `a` opposes side `b` (either one declaring it is enough).
    pub fn opposed(&self, a: &str, b: &str) -> bool {
        self.sides.iter().any(|s| {
            (s.name == a && s.opposes.iter().any(|o| o == b))
                || (s.name == b && s.opposes.iter().any(|o| o == a))
        })
    }

    /// Parameters of detector `name` from `[detectors.<name>]`, or its
    /// defaults; unknown keys are an error pointing to the table.
    pub fn params<P: serde::de::DeserializeOwned + Default>(
        &self,
        name: &str,
    ) -> Result<P, ConfigError> {
        match self.detectors.get(name) {
            None => Ok(P::default()),
            Some(t) => P::deserialize(toml::Value::Table(t.clone())).map_err(|e| {
                ConfigError::at(
                    &self.file,
                    &self.source,
                    self.detector_spans.get(name).cloned(),
                    format!("[detectors.{name}]: {}", e.message().trim_end()),
                )
            }),
        }
    }

    /// A stable fingerprint of everything that can change what detectors
    /// find (sides, actors, home, terms) plus one detector's parameters.
    pub fn fingerprint(&self, detector: &str) -> String {
        let mut s = format!(
            "{:?}|{:?}|{:?}|{:?}|",
            self.sides, self.actors, self.home, self.terms
        );
        if let Some(t) = self.detectors.get(detector) {
            s.push_str(&t.to_string());
        }
        format!("{:016x}", crate::events::fnv64(s.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"[[side]]
name = "state"
opposes = ["armed-group"]

[[actor]]
ref = "x:694671639967434717"      # an actor ref, as in every JSON output
side = "state"
aliases = ["المتحدث العسكري"]

[home]
actors = ["x:676103721"]
"#;

    #[test]
    fn minimal_form_parses() {
        // "armed-group" is only named in `opposes`: that declares it.
        let w = Watchlists::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(w.sides.len(), 2);
        assert!(w.opposed("armed-group", "state"));
        assert_eq!(w.actors[0].id, ActorId::Ref("x:694671639967434717".into()));
        assert_eq!(w.actors[0].side.as_deref(), Some("state"));
        assert_eq!(w.home, vec![ActorId::Ref("x:676103721".into())]);
    }

    #[test]
    fn handles_and_terms() {
        let w = Watchlists::parse(
            "[[side]]\nname = \"a\"\n[[actor]]\nplatform = \"x\"\nhandle = \"@Foo\"\nside = \"a\"\nrole = \"spokesman\"\n[[term]]\nterm = \"ceasefire\"\naliases = [\"هدنة\"]\n",
            "t",
        )
        .unwrap();
        assert_eq!(
            w.actors[0].id,
            ActorId::Handle {
                platform: "x".into(),
                handle: "Foo".into()
            }
        );
        assert_eq!(w.terms[0].aliases, ["هدنة"]);
    }

    #[test]
    fn errors_point_to_the_line() {
        let e = Watchlists::parse(
            "[[side]]\nname = \"a\"\n\n[[actor]]\nref = \"x:1\"\nside = \"b\"\n",
            "w.toml",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        assert!(e.to_string().starts_with("w.toml:6:"), "{e}");
        let e = Watchlists::parse("[[side]]\nname = \"a\"\ncolour = 1\n", "w.toml").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let e = Watchlists::parse("[[side]]\nname = \"a\"\n[[side]]\nname = \"a\"\n", "w.toml")
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = Watchlists::parse("[home]\nactors = [\"nope\"]\n", "w.toml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e = Watchlists::parse("[detectors.nope]\nx = 1\n", "w.toml").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        let e = Watchlists::parse("[[actor]]\nside = \"a\"\n", "w.toml").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        let e = Watchlists::parse("[[side]\n", "w.toml").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
    }

    #[test]
    fn actor_id_parse() {
        assert_eq!(ActorId::parse("x:12"), Some(ActorId::Ref("x:12".into())));
        assert_eq!(
            ActorId::parse("telegram:@chan"),
            Some(ActorId::Handle {
                platform: "telegram".into(),
                handle: "chan".into()
            })
        );
        assert_eq!(ActorId::parse("x:"), None);
        assert_eq!(ActorId::parse("nope"), None);
        assert_eq!(ActorId::parse("x:@"), None);
    }
}

#[cfg(test)]
mod doc_tests {
    /// Every ```toml block of docs/WATCHLISTS.md parses and its detector
    /// parameters build.
    #[test]
    fn the_documented_examples_parse() {
        let doc = include_str!("../../../docs/WATCHLISTS.md");
        let mut blocks = 0;
        for part in doc.split("```toml\n").skip(1) {
            let Some((block, _)) = part.split_once("```") else {
                continue;
            };
            let w = super::Watchlists::parse(block, "docs/WATCHLISTS.md")
                .unwrap_or_else(|e| panic!("{e}\n{block}"));
            assert!(crate::build_all(&w).is_ok(), "{block}");
            blocks += 1;
        }
        assert!(blocks >= 2, "the minimal and the full example");
    }
}
