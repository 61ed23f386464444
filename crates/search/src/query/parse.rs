//! The hand-written lexer and recursive-descent parser.
//!
//! ```text
//! query   := or EOF
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*
//! unary   := ("-" | "NOT") unary | primary
//! primary := "(" or ")" | "\"" phrase "\"" | #tag | @handle | key:value | word
//! ```

use super::{Filter, Has, Kind, Node, QueryError, UrlMatch};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Operators, for the "did you mean" hint.
const KEYS: &[&str] = &[
    "from", "to", "mentions", "lang", "platform", "since", "until", "is", "has", "url",
];

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Or,
    And,
    Not,
    Phrase(String),
    /// A bare run: a word, `#tag`, `@user` or `key:value`.
    Term(String),
    /// `key:"quoted value"`.
    KeyQuoted(String, String),
}

/// A token and its 1-based character position.
#[derive(Clone, Debug)]
struct Lexed {
    tok: Tok,
    pos: usize,
}

fn err(pos: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        position: pos,
        message: message.into(),
    }
}

fn is_hebrew(c: char) -> bool {
    tarjuman_text::is_hebrew_letter(c)
}

/// Whether the quote at `i` sits inside a Hebrew acronym (`צה"ל`).
fn acronym_quote(chars: &[char], i: usize) -> bool {
    i > 0
        && chars[i] == '"'
        && is_hebrew(chars[i - 1])
        && chars.get(i + 1).is_some_and(|&c| is_hebrew(c))
}

fn lex(input: &str) -> Result<Vec<Lexed>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut at_term_start = true;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
            at_term_start = true;
            continue;
        }
        match c {
            '(' => {
                out.push(Lexed {
                    tok: Tok::LParen,
                    pos,
                });
                i += 1;
                at_term_start = true;
            }
            ')' => {
                out.push(Lexed {
                    tok: Tok::RParen,
                    pos,
                });
                i += 1;
                at_term_start = true;
            }
            '"' | '“' | '”' | '«' | '»' => {
                let close = |d: char| matches!(d, '"' | '“' | '”' | '«' | '»');
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && (!close(chars[j]) || acronym_quote(&chars, j)) {
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(err(pos, "unclosed quote"));
                }
                let text: String = chars[start..j].iter().collect();
                out.push(Lexed {
                    tok: Tok::Phrase(text),
                    pos,
                });
                i = j + 1;
                at_term_start = true;
            }
            '-' if at_term_start => {
                let next = chars.get(i + 1);
                if next.is_none_or(|n| n.is_whitespace() || *n == ')') {
                    return Err(err(
                        pos,
                        "'-' must be followed by what to exclude, as in -is:repost",
                    ));
                }
                out.push(Lexed { tok: Tok::Not, pos });
                i += 1;
                at_term_start = true;
            }
            _ => {
                let start = i;
                let mut j = i;
                while j < chars.len() {
                    let d = chars[j];
                    if d.is_whitespace() || d == '(' || d == ')' {
                        break;
                    }
                    if matches!(d, '"' | '“' | '”' | '«' | '»') && !acronym_quote(&chars, j) {
                        break;
                    }
                    j += 1;
                }
                let word: String = chars[start..j].iter().collect();
                // key:"quoted value"
                if word.ends_with(':') && j < chars.len() && chars[j] == '"' && word.len() > 1 {
                    let key = word.trim_end_matches(':').to_string();
                    let qstart = j + 1;
                    let mut k = qstart;
                    while k < chars.len() && chars[k] != '"' {
                        k += 1;
                    }
                    if k >= chars.len() {
                        return Err(err(j + 1, "unclosed quote"));
                    }
                    let value: String = chars[qstart..k].iter().collect();
                    out.push(Lexed {
                        tok: Tok::KeyQuoted(key, value),
                        pos,
                    });
                    i = k + 1;
                    at_term_start = true;
                    continue;
                }
                let tok = match word.as_str() {
                    "OR" | "||" => Tok::Or,
                    "AND" | "&&" => Tok::And,
                    "NOT" => Tok::Not,
                    _ => Tok::Term(word),
                };
                out.push(Lexed { tok, pos });
                i = j;
                at_term_start = false;
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Lexed>,
    at: usize,
    /// Position just past the end of the input, for errors at the end.
    end: usize,
}

/// Parses a query into its syntax tree.
pub(super) fn parse(input: &str) -> Result<Node, QueryError> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(err(
            1,
            "empty query: give words, \"a phrase\", #hashtag, from:handle, …",
        ));
    }
    let mut p = Parser {
        toks,
        at: 0,
        end: input.chars().count() + 1,
    };
    let node = p.or()?;
    if let Some(t) = p.peek() {
        let pos = t.pos;
        return Err(match t.tok {
            Tok::RParen => err(pos, "unexpected ')' without a matching '('"),
            _ => err(pos, "unexpected token"),
        });
    }
    Ok(node)
}

impl Parser {
    fn peek(&self) -> Option<&Lexed> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Lexed> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn or(&mut self) -> Result<Node, QueryError> {
        let first_pos = self.peek().map_or(self.end, |t| t.pos);
        if matches!(self.peek().map(|t| &t.tok), Some(Tok::Or)) {
            return Err(err(first_pos, "OR needs something on both sides"));
        }
        let mut items = vec![self.and()?];
        while let Some(Lexed { tok: Tok::Or, pos }) = self.peek().cloned() {
            self.at += 1;
            match self.peek().map(|t| &t.tok) {
                None | Some(Tok::RParen) | Some(Tok::Or) => {
                    return Err(err(pos, "OR needs something on both sides"));
                }
                _ => {}
            }
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn and(&mut self) -> Result<Node, QueryError> {
        let mut items = Vec::new();
        loop {
            match self.peek().map(|t| (&t.tok, t.pos)) {
                None | Some((Tok::RParen, _)) | Some((Tok::Or, _)) => break,
                Some((Tok::And, pos)) => {
                    self.at += 1;
                    if items.is_empty()
                        || matches!(
                            self.peek().map(|t| &t.tok),
                            None | Some(Tok::RParen) | Some(Tok::Or)
                        )
                    {
                        return Err(err(pos, "AND needs something on both sides"));
                    }
                }
                _ => items.push(self.unary()?),
            }
        }
        if items.is_empty() {
            let pos = self.peek().map_or(self.end, |t| t.pos);
            return Err(err(pos, "expected a word, a phrase or an operator here"));
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        if let Some(Lexed { tok: Tok::Not, pos }) = self.peek().cloned() {
            self.at += 1;
            if matches!(
                self.peek().map(|t| &t.tok),
                None | Some(Tok::RParen) | Some(Tok::Or) | Some(Tok::And)
            ) {
                return Err(err(
                    pos,
                    "'-' must be followed by what to exclude, as in -is:repost",
                ));
            }
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, QueryError> {
        let Some(t) = self.next() else {
            return Err(err(self.end, "the query ends too early"));
        };
        match t.tok {
            Tok::LParen => {
                if matches!(self.peek().map(|t| &t.tok), Some(Tok::RParen)) {
                    return Err(err(t.pos, "empty parentheses"));
                }
                if self.peek().is_none() {
                    return Err(err(t.pos, "unclosed parenthesis"));
                }
                let inner = self.or()?;
                match self.next() {
                    Some(Lexed {
                        tok: Tok::RParen, ..
                    }) => Ok(inner),
                    _ => Err(err(t.pos, "unclosed parenthesis")),
                }
            }
            Tok::RParen => Err(err(t.pos, "unexpected ')' without a matching '('")),
            Tok::Phrase(text) => {
                if text.trim().is_empty() {
                    return Err(err(t.pos, "empty phrase"));
                }
                Ok(Node::Phrase { text, pos: t.pos })
            }
            Tok::KeyQuoted(key, value) => {
                term_with_key(&key, &value, t.pos, t.pos + key.chars().count() + 2)
            }
            Tok::Term(word) => term(&word, t.pos),
            Tok::Or | Tok::And | Tok::Not => Err(err(t.pos, "unexpected operator")),
        }
    }
}

/// A bare term: `#tag`, `@user`, `key:value` or a word.
fn term(word: &str, pos: usize) -> Result<Node, QueryError> {
    let mut chars = word.chars();
    match chars.next() {
        Some('#' | '＃') => {
            let tag = chars.as_str().trim_start_matches(['#', '＃']);
            if tag.is_empty() {
                return Err(err(pos, "'#' must be followed by a hashtag, as in #Gaza"));
            }
            return Ok(Node::Hashtag {
                tag: tag.to_string(),
                pos,
            });
        }
        Some('@' | '＠') => {
            let h = chars.as_str();
            if h.is_empty() {
                return Err(err(pos, "'@' must be followed by a handle, as in @IDF"));
            }
            return Ok(Node::Mention {
                handle: h.to_string(),
                pos,
            });
        }
        _ => {}
    }
    if let Some((key, value)) = word.split_once(':') {
        let k = key.to_ascii_lowercase();
        if KEYS.contains(&k.as_str()) {
            let value_pos = pos + key.chars().count() + 1;
            if value.is_empty() {
                return Err(err(
                    value_pos,
                    format!("{k}: needs a value, as in {}", example(&k)),
                ));
            }
            return term_with_key(&k, value, pos, value_pos);
        }
        if !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphabetic())
            && !value.starts_with("//")
            && let Some(near) = KEYS.iter().find(|k2| close(&k, k2))
        {
            return Err(err(
                pos,
                format!("unknown operator {key}: (did you mean {near}:?)"),
            ));
        }
    }
    Ok(Node::Word {
        text: word.to_string(),
        pos,
    })
}

/// Whether two operator names differ by one edit or one transposition.
fn close(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return false;
    }
    if a.len() == b.len() {
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        return diff.len() == 1
            || (diff.len() == 2
                && diff[1] == diff[0] + 1
                && a[diff[0]] == b[diff[1]]
                && a[diff[1]] == b[diff[0]]);
    }
    let (short, long) = if a.len() < b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() != 1 {
        return false;
    }
    (0..long.len()).any(|skip| {
        let mut l = long.clone();
        l.remove(skip);
        l == *short
    })
}

fn example(key: &str) -> &'static str {
    match key {
        "from" => "from:IDFSpokesperson",
        "to" => "to:AlqassamBrigade",
        "mentions" => "mentions:IDF",
        "lang" => "lang:ar",
        "platform" => "platform:telegram",
        "since" => "since:2023-10-07",
        "until" => "until:2023-10-08T12:00",
        "is" => "is:reply",
        "has" => "has:media",
        _ => "url:example.com",
    }
}

fn term_with_key(key: &str, value: &str, pos: usize, value_pos: usize) -> Result<Node, QueryError> {
    let key = key.to_ascii_lowercase();
    let value = value.trim();
    if value.is_empty() {
        return Err(err(
            value_pos,
            format!("{key}: needs a value, as in {}", example(&key)),
        ));
    }
    let handle = || value.trim_start_matches(['@', '＠']).to_string();
    let filter = match key.as_str() {
        "from" => Filter::From(handle()),
        "to" => Filter::To(handle()),
        "mentions" => Filter::Mentions(handle()),
        "lang" => match tarjuman_text::canonical_lang(value) {
            Some(l) => Filter::Lang(l),
            None => {
                return Err(err(
                    value_pos,
                    format!(
                        "lang: expects a language code such as ar, fa, he, ur, en, not {value:?}"
                    ),
                ));
            }
        },
        "platform" => match tarjuman_model::Platform::parse(value) {
            Some(p) => Filter::Platform(p.as_str().to_string()),
            None => {
                return Err(err(
                    value_pos,
                    format!(
                        "unknown platform {value:?}; one of x (twitter), telegram, facebook, instagram, mastodon, bluesky, csv"
                    ),
                ));
            }
        },
        "since" => Filter::Since(parse_time(value, value_pos)?),
        "until" => Filter::Until(parse_time(value, value_pos)?),
        "is" => Filter::Is(match value.to_ascii_lowercase().as_str() {
            "reply" | "replies" => Kind::Reply,
            "quote" | "quotes" => Kind::Quote,
            "repost" | "reposts" | "retweet" | "retweets" | "rt" => Kind::Repost,
            "forward" | "forwards" | "forwarded" => Kind::Forward,
            "post" | "original" => Kind::Post,
            _ => {
                return Err(err(
                    value_pos,
                    format!("is: expects reply, quote, repost, forward or post, not {value:?}"),
                ));
            }
        }),
        "has" => Filter::Has(match value.to_ascii_lowercase().as_str() {
            "link" | "links" | "url" | "urls" => Has::Link,
            "media" | "image" | "images" | "photo" | "video" => Has::Media,
            "hashtag" | "hashtags" => Has::Hashtag,
            "mention" | "mentions" => Has::Mention,
            _ => {
                return Err(err(
                    value_pos,
                    format!("has: expects link, media, hashtag or mention, not {value:?}"),
                ));
            }
        }),
        "url" => Filter::Url(url_match(value)),
        _ => return Err(err(pos, format!("unknown operator {key}:"))),
    };
    Ok(Node::Filter { filter, pos })
}

/// `url:` takes a domain (`example.com`, which also matches its
/// subdomains) or a URL with a path (matched after canonicalization).
fn url_match(value: &str) -> UrlMatch {
    let v = value.trim();
    let no_scheme = v.split_once("://").map_or(v, |(_, r)| r);
    let host_end = no_scheme.find(['/', '?', '#']).unwrap_or(no_scheme.len());
    let rest = &no_scheme[host_end..];
    if rest.trim_matches(['/', '?', '#']).is_empty() {
        let host = no_scheme[..host_end].to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
        UrlMatch::Domain(host)
    } else {
        let canon =
            |scheme: &str| tarjuman_store::canonical_url(&format!("{scheme}://{no_scheme}"));
        UrlMatch::Url(vec![canon("https"), canon("http")])
    }
}

/// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS][Z]` (UTC), or RFC 3339 with an
/// offset, as Unix seconds.
fn parse_time(v: &str, pos: usize) -> Result<i64, QueryError> {
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .ok_or_else(|| err(pos, "invalid date"));
    }
    let plain = v.strip_suffix(['Z', 'z']).unwrap_or(v);
    for f in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(plain, f) {
            return Ok(t.and_utc().timestamp());
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.timestamp());
    }
    Err(err(
        pos,
        format!("{v:?} is not a date: use 2023-10-07 or 2023-10-07T06:30 (UTC)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(q: &str) -> String {
        match parse(q) {
            Ok(n) => panic!("{q:?} parsed as {n:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_say_where_and_what() {
        assert_eq!(
            e(r#"from:IDF #Gaza "unclosed"#),
            "position 16: unclosed quote"
        );
        assert_eq!(e("(a OR b"), "position 1: unclosed parenthesis");
        assert_eq!(
            e("a OR b)"),
            "position 7: unexpected ')' without a matching '('"
        );
        assert_eq!(e("a OR"), "position 3: OR needs something on both sides");
        assert_eq!(e("OR a"), "position 1: OR needs something on both sides");
        assert_eq!(
            e("since:yesterday"),
            "position 7: \"yesterday\" is not a date: use 2023-10-07 or 2023-10-07T06:30 (UTC)"
        );
        assert_eq!(e("lang:"), "position 6: lang: needs a value, as in lang:ar");
        assert_eq!(
            e("is:liked"),
            "position 4: is: expects reply, quote, repost, forward or post, not \"liked\""
        );
        assert_eq!(
            e("platform:myspace"),
            "position 10: unknown platform \"myspace\"; one of x (twitter), telegram, facebook, instagram, mastodon, bluesky, csv"
        );
        assert_eq!(
            e("gaza - x"),
            "position 6: '-' must be followed by what to exclude, as in -is:repost"
        );
        assert_eq!(
            e("form:IDF"),
            "position 1: unknown operator form: (did you mean from:?)"
        );
        assert_eq!(e("()"), "position 1: empty parentheses");
        assert_eq!(e("\"\""), "position 1: empty phrase");
        assert_eq!(
            e("   "),
            "position 1: empty query: give words, \"a phrase\", #hashtag, from:handle, …"
        );
        assert_eq!(
            e("#"),
            "position 1: '#' must be followed by a hashtag, as in #Gaza"
        );
    }

    #[test]
    fn structure() {
        let n = parse(r#"سفيرة #العراق lang:ar since:2023-04-01 -is:repost"#).unwrap();
        let Node::And(items) = n else { panic!("{n:?}") };
        assert_eq!(items.len(), 5);
        assert!(matches!(&items[0], Node::Word { text, pos: 1 } if text == "سفيرة"));
        assert!(matches!(&items[1], Node::Hashtag { tag, .. } if tag == "العراق"));
        assert!(matches!(&items[2], Node::Filter { filter: Filter::Lang(l), .. } if l == "ar"));
        assert!(matches!(
            &items[3],
            Node::Filter {
                filter: Filter::Since(1_680_307_200),
                ..
            }
        ));
        assert!(
            matches!(&items[4], Node::Not(b) if matches!(**b, Node::Filter { filter: Filter::Is(Kind::Repost), .. }))
        );

        let n = parse(r#""Israel is here to stay" OR #TerrorDoesntPay"#).unwrap();
        assert!(matches!(n, Node::Or(ref v) if v.len() == 2));

        let n = parse("a (b OR -c) AND d").unwrap();
        let Node::And(items) = n else { panic!() };
        assert_eq!(items.len(), 3);

        // A Hebrew acronym keeps its quote; a word with a hyphen stays one word.
        assert!(matches!(parse(r#"צה"ל"#).unwrap(), Node::Word { text, .. } if text == "צה\"ל"));
        assert!(matches!(parse("al-Quds").unwrap(), Node::Word { text, .. } if text == "al-Quds"));
        // Unknown keys and URLs are words.
        assert!(matches!(
            parse("https://t.co/x").unwrap(),
            Node::Word { .. }
        ));
        assert!(matches!(parse("12:30").unwrap(), Node::Word { .. }));
    }

    #[test]
    fn values() {
        let f = |q: &str| match parse(q).unwrap() {
            Node::Filter { filter, .. } => filter,
            n => panic!("{n:?}"),
        };
        assert_eq!(
            f("from:@IDFSpokesperson"),
            Filter::From("IDFSpokesperson".into())
        );
        assert_eq!(f("lang:iw"), Filter::Lang("he".into()));
        assert_eq!(f("platform:twitter"), Filter::Platform("x".into()));
        assert_eq!(f("until:2023-10-08T12:00"), Filter::Until(1_696_766_400));
        assert_eq!(
            f("until:2023-10-08T12:00:00Z"),
            Filter::Until(1_696_766_400)
        );
        assert_eq!(
            f("since:2023-10-08T15:00:00+03:00"),
            Filter::Since(1_696_766_400)
        );
        assert_eq!(
            f("url:www.Example.com/"),
            Filter::Url(UrlMatch::Domain("example.com".into()))
        );
        assert_eq!(
            f("url:example.com/a/b?utm_source=x"),
            Filter::Url(UrlMatch::Url(vec![
                "https://example.com/a/b".into(),
                "http://example.com/a/b".into()
            ]))
        );
        assert_eq!(f(r#"from:"IDF""#), Filter::From("IDF".into()));
    }

    #[test]
    fn operator_names_are_close_only_when_one_edit_away() {
        assert!(close("form", "from"));
        assert!(close("lnag", "lang"));
        assert!(close("sinc", "since"));
        assert!(!close("https", "has"));
        assert!(!close("note", "to"));
    }
}
