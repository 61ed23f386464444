//! The actors' sides, read from the watchlist (`tarjuman.toml`).
//!
//! Only what the graph needs is read, and tolerantly: the `ref` (or
//! `platform` + `handle`) and `side` keys of each `[[actor]]` table, with
//! basic (`"…"`) or literal (`'…'`) string values. Everything else (other
//! tables, other keys, arrays, comments) is skipped, so a richer watchlist
//! keeps working here. A line that cannot be read is reported as a warning,
//! never an error:
//!
//! ```toml
//! [[actor]]
//! ref = "x:694671639967434717"      # an actor ref, as in every JSON output
//! side = "state"
//! ```

use std::collections::HashMap;
use std::path::Path;

/// Sides by actor.
#[derive(Clone, Debug, Default)]
pub struct Sides {
    by_ref: HashMap<String, String>,
    /// (platform, lower-cased handle) → side.
    by_handle: HashMap<(String, String), String>,
    /// Lines that could not be read, as `line N: why`.
    pub warnings: Vec<String>,
}

#[derive(Default)]
struct Pending {
    ref_: Option<String>,
    platform: Option<String>,
    handle: Option<String>,
    side: Option<String>,
}

impl Sides {
    /// Reads `path`; a missing file gives no sides and no warning.
    pub fn load(path: &Path) -> std::io::Result<Sides> {
        match std::fs::read_to_string(path) {
            Ok(s) => Ok(Sides::parse(&s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Sides::default()),
            Err(e) => Err(e),
        }
    }

    /// Parses the text of a watchlist.
    pub fn parse(text: &str) -> Sides {
        let mut out = Sides::default();
        let mut cur: Option<Pending> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                if let Some(p) = cur.take() {
                    out.add(p);
                }
                let header: String = line
                    .split('#')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect();
                if header == "[[actor]]" {
                    cur = Some(Pending::default());
                }
                continue;
            }
            let Some(p) = cur.as_mut() else {
                continue;
            };
            let Some((key, value)) = line.split_once('=') else {
                out.warnings
                    .push(format!("line {}: expected key = value", i + 1));
                continue;
            };
            let key = key.trim().trim_matches('"');
            let slot = match key {
                "ref" => &mut p.ref_,
                "side" => &mut p.side,
                "platform" => &mut p.platform,
                "handle" => &mut p.handle,
                _ => continue,
            };
            match string_value(value.trim()) {
                Some(v) => *slot = Some(v),
                None => out
                    .warnings
                    .push(format!("line {}: {key} is not a string", i + 1)),
            }
        }
        if let Some(p) = cur.take() {
            out.add(p);
        }
        out
    }

    fn add(&mut self, p: Pending) {
        let Some(side) = p.side.filter(|s| !s.is_empty()) else {
            return;
        };
        if let Some(r) = p.ref_.filter(|r| !r.is_empty()) {
            self.by_ref.insert(r, side);
        } else if let (Some(pl), Some(h)) = (p.platform, p.handle) {
            let h = h.trim_start_matches('@').to_lowercase();
            self.by_handle.insert((pl.to_lowercase(), h), side);
        }
    }

    /// Whether no actor has a side.
    pub fn is_empty(&self) -> bool {
        self.by_ref.is_empty() && self.by_handle.is_empty()
    }

    /// The side of an actor, by ref first, then by platform and handle.
    pub fn side_of(&self, ref_: &str, platform: &str, handle: Option<&str>) -> Option<&str> {
        if let Some(s) = self.by_ref.get(ref_) {
            return Some(s);
        }
        let h = handle?.trim_start_matches('@').to_lowercase();
        self.by_handle
            .get(&(platform.to_lowercase(), h))
            .map(String::as_str)
    }

    /// Sets the side on every node of `g` that has one.
    pub fn apply(&self, g: &mut super::Graph) {
        for n in &mut g.nodes {
            n.side = self
                .side_of(&n.ref_, &n.platform, n.handle.as_deref())
                .map(str::to_string);
        }
    }
}

/// A TOML basic or literal string at the start of `v` (a comment may
/// follow); `None` for anything else.
fn string_value(v: &str) -> Option<String> {
    let mut chars = v.chars();
    match chars.next()? {
        '\'' => {
            let rest = chars.as_str();
            let end = rest.find('\'')?;
            Some(rest[..end].to_string())
        }
        '"' => {
            let mut out = String::new();
            let mut it = chars;
            while let Some(c) = it.next() {
                match c {
                    '"' => return Some(out),
                    '\\' => match it.next()? {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' => {
                            let hex: String = it.by_ref().take(4).collect();
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        'U' => {
                            let hex: String = it.by_ref().take(8).collect();
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        _ => return None,
                    },
                    c => out.push(c),
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_minimal_form_and_skips_the_rest() {
        let s = Sides::parse(
            r#"
[[side]]
name = "state"
opposes = ["armed-group"]

[[actor]]
ref = "x:694671639967434717"      # an actor ref, as in every JSON output
side = "state"
aliases = ["المتحدث العسكري"]

[[ actor ]]
side = 'armed-group'
ref = "telegram:12"
role = "spokesman"

[[actor]]
platform = "x"
handle = "@SomeOne"
side = "diplo\u006Dats"

[[actor]]
ref = "x:9"

[home]
actors = ["x:676103721"]
side = "not an actor"
ref = "x:676103721"

[[actor]]
ref = "x:5"
side = 12
"#,
        );
        assert_eq!(s.side_of("x:694671639967434717", "x", None), Some("state"));
        assert_eq!(
            s.side_of("telegram:12", "telegram", None),
            Some("armed-group")
        );
        assert_eq!(s.side_of("x:77", "x", Some("someone")), Some("diplomats"));
        assert_eq!(s.side_of("x:9", "x", None), None);
        assert_eq!(s.side_of("x:676103721", "x", None), None);
        assert_eq!(s.side_of("x:5", "x", None), None);
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(!s.is_empty());
    }

    #[test]
    fn missing_file_is_empty() {
        let s = Sides::load(Path::new("/nonexistent/tarjuman.toml")).unwrap();
        assert!(s.is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in [
            "[[actor]]\nref = \"",
            "[[actor]]\nside = \"\\u12\"",
            "[[actor]\n=",
            "\u{0}[[",
            "[[actor]]\nref='x",
        ] {
            let _ = Sides::parse(t);
        }
    }
}
