#![doc = include_str!("../../../../docs/QUERY.md")]

mod compile;
mod parse;

pub(crate) use compile::compile;
pub use compile::{NoResolver, Resolver, StoreResolver};

/// A query that could not be parsed: where (1-based character position)
/// and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {message}")]
pub struct QueryError {
    /// 1-based character position in the query.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub(crate) root: Node,
    source: String,
}

impl Query {
    /// Parses `input`.
    ///
    /// ```
    /// use tarjuman_search::Query;
    /// assert!(Query::parse("#غزة from:IDF -is:repost").is_ok());
    /// let e = Query::parse(r#"from:IDF "unclosed"#).unwrap_err();
    /// assert_eq!(e.to_string(), "position 10: unclosed quote");
    /// ```
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        Ok(Query {
            root: parse::parse(input)?,
            source: input.to_string(),
        })
    }

    /// The query as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The words and phrases the query looks for in the text (not those it
    /// excludes), for highlighting.
    pub fn positive_texts(&self) -> Vec<String> {
        fn walk(n: &Node, neg: bool, out: &mut Vec<String>) {
            match n {
                Node::Word { text, .. } | Node::Phrase { text, .. } if !neg => {
                    out.push(text.clone())
                }
                Node::Hashtag { tag, .. } if !neg => out.push(format!("#{tag}")),
                Node::Mention { handle, .. } if !neg => out.push(format!("@{handle}")),
                Node::Not(x) => walk(x, !neg, out),
                Node::And(v) | Node::Or(v) => v.iter().for_each(|x| walk(x, neg, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, false, &mut out);
        out
    }
}

/// The syntax tree of a query.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Word { text: String, pos: usize },
    Phrase { text: String, pos: usize },
    Hashtag { tag: String, pos: usize },
    Mention { handle: String, pos: usize },
    Filter { filter: Filter, pos: usize },
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
}

/// `key:value` operators, with parsed values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Filter {
    From(String),
    To(String),
    Mentions(String),
    Lang(String),
    Platform(String),
    /// Unix seconds, inclusive.
    Since(i64),
    /// Unix seconds, exclusive.
    Until(i64),
    Is(Kind),
    Has(Has),
    Url(UrlMatch),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Post,
    Reply,
    Quote,
    Repost,
    Forward,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Has {
    Link,
    Media,
    Hashtag,
    Mention,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum UrlMatch {
    /// A domain and its subdomains.
    Domain(String),
    /// Canonical URLs (http and https forms).
    Url(Vec<String>),
}
