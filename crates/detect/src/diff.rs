//! A word diff of two texts, for showing edits.
//!
//! Words are runs of non-whitespace; the diff is the longest common
//! subsequence of words (plain dynamic programming, capped so that a huge
//! text cannot make it quadratic in memory: past the cap the whole text is
//! shown as replaced).
//!
//! ```
//! use tarjuman_detect::diff::{render, word_diff};
//! let d = word_diff("we will attack tomorrow", "we will talk tomorrow");
//! assert_eq!(render(&d), "we will [-attack-] {+talk+} tomorrow");
//! ```

/// One piece of a word diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Words in both texts.
    Same(String),
    /// Words only in the old text.
    Removed(String),
    /// Words only in the new text.
    Added(String),
}

/// Most words per side diffed word by word.
pub const MAX_WORDS: usize = 3000;

/// The word diff from `old` to `new`; adjacent words of one kind are joined
/// with single spaces.
pub fn word_diff(old: &str, new: &str) -> Vec<Piece> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    let mut ops: Vec<(u8, &str)> = Vec::new();
    if a.len() > MAX_WORDS || b.len() > MAX_WORDS {
        ops.extend(a.iter().map(|w| (1, *w)));
        ops.extend(b.iter().map(|w| (2, *w)));
    } else {
        // lcs[i][j]: length of the LCS of a[i..] and b[j..].
        let w = b.len() + 1;
        let mut lcs = vec![0u32; (a.len() + 1) * w];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i * w + j] = if a[i] == b[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                ops.push((0, a[i]));
                i += 1;
                j += 1;
            } else if j == b.len() || (i < a.len() && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                // On a tie the removal comes first: `[-old-] {+new+}`.
                ops.push((1, a[i]));
                i += 1;
            } else {
                ops.push((2, b[j]));
                j += 1;
            }
        }
    }
    let mut out: Vec<Piece> = Vec::new();
    for (k, word) in ops {
        let same_kind = matches!(
            (out.last(), k),
            (Some(Piece::Same(_)), 0) | (Some(Piece::Removed(_)), 1) | (Some(Piece::Added(_)), 2)
        );
        if same_kind {
            if let Some(Piece::Same(s) | Piece::Removed(s) | Piece::Added(s)) = out.last_mut() {
                s.push(' ');
                s.push_str(word);
            }
        } else {
            let w = word.to_string();
            out.push(match k {
                0 => Piece::Same(w),
                1 => Piece::Removed(w),
                _ => Piece::Added(w),
            });
        }
    }
    out
}

/// Renders a diff as `git --word-diff=plain` does: `[-removed-] {+added+}`.
pub fn render(d: &[Piece]) -> String {
    let parts: Vec<String> = d
        .iter()
        .map(|p| match p {
            Piece::Same(s) => s.clone(),
            Piece::Removed(s) => format!("[-{s}-]"),
            Piece::Added(s) => format!("{{+{s}+}}"),
        })
        .collect();
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_and_empty() {
        assert_eq!(render(&word_diff("a b", "a b")), "a b");
        assert_eq!(render(&word_diff("", "a")), "{+a+}");
        assert_eq!(render(&word_diff("a", "")), "[-a-]");
        assert!(word_diff("", "").is_empty());
    }

    #[test]
    fn arabic_and_mixed() {
        let d = word_diff("وقف إطلاق النار غدا", "وقف إطلاق النار اليوم");
        assert_eq!(render(&d), "وقف إطلاق النار [-غدا-] {+اليوم+}");
        let d = word_diff("x a b c", "a b c y");
        assert_eq!(render(&d), "[-x-] a b c {+y+}");
    }

    #[test]
    fn huge_texts_are_replaced_whole() {
        let old = "w ".repeat(MAX_WORDS + 1);
        let d = word_diff(&old, "v");
        assert_eq!(d.len(), 2);
    }
}
