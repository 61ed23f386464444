//! Editing a watchlist file in place (`tarjuman watch add|rm|side`),
//! keeping its comments and layout (`toml_edit`). Every edit is checked by
//! parsing the result as a [`Watchlists`]; a change that would make the
//! file invalid is refused and the file left as it was.
//!
//! ```
//! use tarjuman_detect::watchfile::{ActorSpec, add_actor};
//! let src = "# my desk\n[[side]]\nname = \"state\"\nopposes = [\"armed-group\"]\n";
//! let spec = ActorSpec { id: "x:42".into(), side: Some("armed-group".into()), ..Default::default() };
//! let (out, updated) = add_actor(src, "tarjuman.toml", &spec).unwrap();
//! assert!(!updated);
//! assert!(out.starts_with("# my desk\n"));
//! assert!(out.contains("ref = \"x:42\""));
//! ```

use crate::watchlist::{ActorId, ConfigError, Watchlists};
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

/// An actor to add or update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorSpec {
    /// `x:123` (a ref) or `x:@handle`.
    pub id: String,
    /// Its side; declared as a new `[[side]]` if unknown.
    pub side: Option<String>,
    /// Its role.
    pub role: Option<String>,
    /// A name for people.
    pub name: Option<String>,
    /// Aliases to add (kept ones stay).
    pub aliases: Vec<String>,
}

fn parse(src: &str, file: &str) -> Result<DocumentMut, ConfigError> {
    src.parse::<DocumentMut>()
        .map_err(|e| ConfigError::at(file, src, e.span(), e.message().trim_end().to_string()))
}

fn bad(file: &str, m: String) -> ConfigError {
    ConfigError {
        file: file.into(),
        line: None,
        column: None,
        message: m,
    }
}

fn check(doc: &DocumentMut, file: &str) -> Result<String, ConfigError> {
    let out = doc.to_string();
    Watchlists::parse(&out, file)?;
    Ok(out)
}

fn aot<'a>(
    doc: &'a mut DocumentMut,
    key: &str,
    file: &str,
) -> Result<&'a mut ArrayOfTables, ConfigError> {
    if !doc.contains_key(key) {
        doc.insert(key, Item::ArrayOfTables(ArrayOfTables::new()));
    }
    doc.get_mut(key)
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| bad(file, format!("`{key}` must be written as [[{key}]] tables")))
}

fn same_actor(t: &Table, id: &ActorId) -> bool {
    let s = |k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
    match id {
        ActorId::Ref(r) => s("ref").as_deref() == Some(r.as_str()),
        ActorId::Handle { platform, handle } => {
            s("platform").as_deref() == Some(platform.as_str())
                && s("handle")
                    .is_some_and(|h| h.trim_start_matches('@').eq_ignore_ascii_case(handle))
                || s("ref")
                    .is_some_and(|r| r.eq_ignore_ascii_case(&format!("{platform}:@{handle}")))
        }
    }
}

fn side_known(doc: &DocumentMut, name: &str) -> bool {
    let Some(sides) = doc.get("side").and_then(Item::as_array_of_tables) else {
        return false;
    };
    sides.iter().any(|t| {
        t.get("name").and_then(Item::as_str) == Some(name)
            || t.get("opposes")
                .and_then(Item::as_array)
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(name)))
    })
}

/// Adds actor `spec`, or updates it if listed (side, role and name
/// replaced when given; aliases merged). Returns the new text and whether
/// an existing entry was updated.
pub fn add_actor(src: &str, file: &str, spec: &ActorSpec) -> Result<(String, bool), ConfigError> {
    let id = ActorId::parse(&spec.id).ok_or_else(|| {
        bad(
            file,
            format!(
                "{:?} is not an actor ref (platform:id or platform:@handle)",
                spec.id
            ),
        )
    })?;
    let mut doc = parse(src, file)?;
    if let Some(side) = &spec.side
        && !side_known(&doc, side)
    {
        let mut t = Table::new();
        t.insert("name", value(side.as_str()));
        t.insert("opposes", value(Array::new()));
        aot(&mut doc, "side", file)?.push(t);
    }
    let actors = aot(&mut doc, "actor", file)?;
    let existing = actors.iter_mut().find(|t| same_actor(t, &id));
    let updated = existing.is_some();
    let mut fresh = Table::new();
    let t = match existing {
        Some(t) => t,
        None => {
            match &id {
                ActorId::Ref(r) => {
                    fresh.insert("ref", value(r.as_str()));
                }
                ActorId::Handle { platform, handle } => {
                    fresh.insert("platform", value(platform.as_str()));
                    fresh.insert("handle", value(handle.as_str()));
                }
            }
            &mut fresh
        }
    };
    for (k, v) in [
        ("side", &spec.side),
        ("role", &spec.role),
        ("name", &spec.name),
    ] {
        if let Some(v) = v {
            t.insert(k, value(v.as_str()));
        }
    }
    if !spec.aliases.is_empty() {
        let mut arr = t
            .get("aliases")
            .and_then(Item::as_array)
            .cloned()
            .unwrap_or_default();
        for a in &spec.aliases {
            if !arr.iter().any(|v| v.as_str() == Some(a.as_str())) {
                arr.push(a.as_str());
            }
        }
        t.insert("aliases", value(arr));
    }
    if !updated {
        actors.push(fresh);
    }
    Ok((check(&doc, file)?, updated))
}

/// Adds `id` to `[home] actors` (no change if there). Returns the new text.
pub fn add_home(src: &str, file: &str, id: &str) -> Result<String, ConfigError> {
    ActorId::parse(id).ok_or_else(|| bad(file, format!("{id:?} is not an actor ref")))?;
    let mut doc = parse(src, file)?;
    if !doc.contains_key("home") {
        doc.insert("home", Item::Table(Table::new()));
    }
    let home = doc
        .get_mut("home")
        .and_then(Item::as_table_mut)
        .ok_or_else(|| bad(file, "`home` must be a [home] table".into()))?;
    let mut arr = home
        .get("actors")
        .and_then(Item::as_array)
        .cloned()
        .unwrap_or_default();
    if !arr.iter().any(|v| v.as_str() == Some(id)) {
        arr.push(id);
    }
    home.insert("actors", value(arr));
    check(&doc, file)
}

/// Removes `id` from the actors and from `[home]`. Returns the new text and
/// how many entries were removed.
pub fn remove(src: &str, file: &str, id: &str) -> Result<(String, usize), ConfigError> {
    let aid = ActorId::parse(id).ok_or_else(|| bad(file, format!("{id:?} is not an actor ref")))?;
    let mut doc = parse(src, file)?;
    let mut n = 0;
    if let Some(actors) = doc.get_mut("actor").and_then(Item::as_array_of_tables_mut) {
        let before = actors.len();
        actors.retain(|t| !same_actor(t, &aid));
        n += before - actors.len();
    }
    if let Some(arr) = doc
        .get_mut("home")
        .and_then(Item::as_table_mut)
        .and_then(|h| h.get_mut("actors"))
        .and_then(Item::as_array_mut)
    {
        let before = arr.len();
        arr.retain(|v| v.as_str() != Some(id));
        n += before - arr.len();
    }
    Ok((check(&doc, file)?, n))
}

/// Declares side `name` (or adds to what it opposes). Returns the new text.
pub fn add_side(
    src: &str,
    file: &str,
    name: &str,
    opposes: &[String],
) -> Result<String, ConfigError> {
    let mut doc = parse(src, file)?;
    let sides = aot(&mut doc, "side", file)?;
    let mut fresh = Table::new();
    let existing = sides
        .iter_mut()
        .find(|t| t.get("name").and_then(Item::as_str) == Some(name));
    let found = existing.is_some();
    let t = match existing {
        Some(t) => t,
        None => {
            fresh.insert("name", value(name));
            &mut fresh
        }
    };
    let mut arr = t
        .get("opposes")
        .and_then(Item::as_array)
        .cloned()
        .unwrap_or_default();
    for o in opposes {
        if !arr.iter().any(|v| v.as_str() == Some(o.as_str())) {
            arr.push(o.as_str());
        }
    }
    t.insert("opposes", value(arr));
    if !found {
        sides.push(fresh);
    }
    check(&doc, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "# The desk's watchlist.\n[[side]]\nname = \"state\" # the government\nopposes = [\"armed-group\"]\n\n[[actor]]\nref = \"x:1\"\nside = \"state\"\naliases = [\"A\"]\n";

    #[test]
    fn add_update_remove_keep_comments() {
        let (s, up) = add_actor(
            SRC,
            "t",
            &ActorSpec {
                id: "x:1".into(),
                aliases: vec!["A".into(), "أ".into()],
                role: Some("spokesman".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(up);
        assert!(s.contains("# the government"), "{s}");
        let w = Watchlists::parse(&s, "t").unwrap();
        assert_eq!(w.actors.len(), 1);
        assert_eq!(w.actors[0].aliases, ["A", "أ"]);
        assert_eq!(w.actors[0].role.as_deref(), Some("spokesman"));

        let (s, _) = add_actor(
            &s,
            "t",
            &ActorSpec {
                id: "telegram:@chan".into(),
                side: Some("militia".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let w = Watchlists::parse(&s, "t").unwrap();
        assert_eq!(w.actors.len(), 2);
        assert!(w.sides.iter().any(|x| x.name == "militia"));

        let s = add_home(&s, "t", "x:9").unwrap();
        let s = add_home(&s, "t", "x:9").unwrap();
        assert_eq!(Watchlists::parse(&s, "t").unwrap().home.len(), 1);

        let (s, n) = remove(&s, "t", "telegram:@CHAN").unwrap();
        assert_eq!(n, 1);
        let (s, n) = remove(&s, "t", "x:9").unwrap();
        assert_eq!(n, 1);
        let w = Watchlists::parse(&s, "t").unwrap();
        assert_eq!(w.actors.len(), 1);
        assert!(w.home.is_empty());
        assert!(s.starts_with("# The desk's watchlist.\n"), "{s}");
    }

    #[test]
    fn sides_and_refusals() {
        let s = add_side("", "t", "us-embassy", &["iran-aligned-militias".into()]).unwrap();
        let w = Watchlists::parse(&s, "t").unwrap();
        assert!(w.opposed("iran-aligned-militias", "us-embassy"));
        let s = add_side(&s, "t", "us-embassy", &["other".into()]).unwrap();
        let w = Watchlists::parse(&s, "t").unwrap();
        assert_eq!(w.sides[0].opposes, ["iran-aligned-militias", "other"]);
        assert!(
            add_actor(
                "",
                "t",
                &ActorSpec {
                    id: "nope".into(),
                    ..Default::default()
                }
            )
            .is_err()
        );
        let e = add_actor(
            "[[side]\n",
            "t",
            &ActorSpec {
                id: "x:1".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.line, Some(1));
    }
}
