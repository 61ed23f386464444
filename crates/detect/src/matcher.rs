//! Finding names (aliases, terms) in post text.
//!
//! Text and names are both passed through `tarjuman_text::normalize` (case,
//! accents, Arabic letter forms and diacritics), then a name matches where
//! it stands as whole words. In Arabic a one- or two-letter proclitic may be
//! glued to the name (و, ف, ب, ل, ك, ال and their combinations), so
//! "ورومانوسكي" names "رومانوسكي".
//!
//! ```
//! use tarjuman_detect::matcher::Names;
//! let n = Names::new(["Romanowski", "رومانوسكي"]);
//! assert!(n.found_in("Ambassador ROMANOWSKI met them"));
//! assert!(n.found_in("التقى ورومانوسكي بهم"));
//! assert!(!n.found_in("Romanowskis"));
//! ```

/// A set of names to look for.
#[derive(Debug, Clone, Default)]
pub struct Names {
    names: Vec<String>,
}

const PROCLITICS: &[&str] = &[
    "و", "ف", "ب", "ل", "ك", "ال", "وال", "بال", "لل", "فال", "كال", "وب", "ول",
];

impl Names {
    /// Names to look for (empty ones are dropped).
    pub fn new<I, S>(names: I) -> Names
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names = names
            .into_iter()
            .map(|s| tarjuman_text::normalized(s.as_ref()).trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Names { names }
    }

    /// Whether there are no names.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether any name occurs in `text`.
    pub fn found_in(&self, text: &str) -> bool {
        if self.names.is_empty() {
            return false;
        }
        let t = tarjuman_text::normalized(text);
        self.names.iter().any(|n| occurs(&t, n))
    }
}

fn occurs(text: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let s = from + i;
        let e = s + name.len();
        let right_ok = text[e..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        let before = &text[..s];
        let word_start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !c.is_alphanumeric())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let prefix = &before[word_start..];
        let left_ok = prefix.is_empty() || PROCLITICS.contains(&prefix);
        if left_ok && right_ok {
            return true;
        }
        from = s + name.chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let n = Names::new(["Al-Ezerj", "العزيرج"]);
        assert!(n.found_in("statement by al-ezerj today"));
        assert!(n.found_in("بيان العزيرج"));
        assert!(n.found_in("والعزيرج"));
        assert!(!n.found_in("xal-ezerj"));
        assert!(!Names::new([""]).found_in("anything"));
        assert!(Names::new([""]).is_empty());
    }

    #[test]
    fn diacritics_do_not_hide_a_name() {
        let n = Names::new(["رومانوسكي"]);
        assert!(n.found_in("رُومانوسكي"));
    }
}
