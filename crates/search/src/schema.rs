//! The index schema: one document per post (its latest version).

use crate::analyzers;
use tantivy::Term;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};

/// Bumped whenever the schema or an analyzer changes what is indexed: an
/// index written with another version is rebuilt from the store.
pub const SCHEMA_VERSION: u32 = 2;

/// The fields of the index.
///
/// | field | what | from |
/// |---|---|---|
/// | `id` | the post's row id: every hit is read back from the store by it, and a new version replaces the document with its id | `posts.id` |
/// | `text` / `text_ar` | the latest text, analysed ([`analyzers::TEXT`] / [`analyzers::TEXT_AR`]); a post goes in `text_ar` when it is Arabic (labelled, or guessed from its letters) | `posts.text`, `posts.lang` |
/// | `created_at` | Unix seconds, UTC (fast: ranges and time sort) | `posts.created_at` |
/// | `tags` | every exact-match value, one term each, as `KEY:value` ([`Tag`]) | see [`Tag`] |
///
/// The exact-match values share one field (tokenized by [`analyzers::TAGS`])
/// rather than a field each: tantivy's cost per field and document is what
/// made indexing slow, not the number of terms.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// `posts.id`.
    pub id: Field,
    /// Text of posts not in Arabic.
    pub text: Field,
    /// Text of posts in Arabic (Arabic stemming).
    pub text_ar: Field,
    /// Unix seconds.
    pub created_at: Field,
    /// The `KEY:value` terms.
    pub tags: Field,
}

/// The kinds of exact-match values in the `tags` field, and their key.
///
/// | tag | values | from |
/// |---|---|---|
/// | `from:` | the author's actor ref (its handle when the actor has no ref) | `actors` |
/// | `to:` | the ref of the actor replied to | `interactions` (`reply`) |
/// | `mentions:` | the refs of the actors mentioned (the handle when only a handle is known) | `mentions` |
/// | `#` | hashtags | `hashtags` |
/// | `platform:` | `x`, `telegram`, … | `posts.platform` |
/// | `lang:` | the platform's label in canonical form (`iw` → `he`), or a guess from the script | `posts.lang`, text |
/// | `is:` | `post`, `reply`, `quote`, `repost`, `forward` (a post can be several) | `posts.kind`, links |
/// | `has:` | `link`, `media`, `hashtag`, `mention` | entities |
/// | `domain:` | each URL's domain and its parent domains (`news.bbc.co.uk`, `bbc.co.uk`, `co.uk`) | `urls.domain` |
/// | `url:` | canonical URLs | `urls.canonical` |
///
/// Values are normalized with [`tarjuman_text::normalize`]: `#غزه` and
/// `#غزة` are one term, and handles match in any case. Handles are found
/// through refs: a query for `from:handle` asks the store which actors have
/// (or had) that handle ([`crate::Resolver`]), so renamed accounts are found
/// under every name, and the index holds one term per actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// `from:`
    From,
    /// `to:`
    To,
    /// `mentions:`
    Mentions,
    /// `#`
    Hashtag,
    /// `platform:`
    Platform,
    /// `lang:`
    Lang,
    /// `is:`
    Is,
    /// `has:`
    Has,
    /// `domain:`
    Domain,
    /// `url:`
    Url,
}

impl Tag {
    /// The key written before the value.
    pub fn key(self) -> &'static str {
        match self {
            Tag::From => "from:",
            Tag::To => "to:",
            Tag::Mentions => "mentions:",
            Tag::Hashtag => "#",
            Tag::Platform => "platform:",
            Tag::Lang => "lang:",
            Tag::Is => "is:",
            Tag::Has => "has:",
            Tag::Domain => "domain:",
            Tag::Url => "url:",
        }
    }

    /// Appends the term for `value` (normalized, trimmed) and a newline.
    pub fn push(self, value: &str, out: &mut String, buf: &mut String) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        tarjuman_text::normalize(value, buf);
        out.push_str(self.key());
        // A newline separates terms: keep it out of values.
        out.extend(buf.chars().map(|c| if c == '\n' { ' ' } else { c }));
        out.push('\n');
    }

    /// The index term for `value`.
    ///
    /// ```
    /// use tarjuman_search::schema::{self, Tag};
    /// let (_, f) = schema::build();
    /// assert_eq!(Tag::Hashtag.term(f.tags, " غزة ").value().as_str(), Some("#غزه"));
    /// assert_eq!(Tag::From.term(f.tags, "x:100").value().as_str(), Some("from:x:100"));
    /// ```
    pub fn term(self, tags: Field, value: &str) -> Term {
        let (mut out, mut buf) = (String::new(), String::new());
        self.push(value, &mut out, &mut buf);
        Term::from_field_text(tags, out.trim_end_matches('\n'))
    }
}

/// Builds the schema and its fields.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = |analyzer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let tags = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzers::TAGS)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | FAST),
        text: b.add_text_field("text", text_opts(analyzers::TEXT)),
        text_ar: b.add_text_field("text_ar", text_opts(analyzers::TEXT_AR)),
        created_at: b.add_i64_field("created_at", FAST),
        tags: b.add_text_field("tags", tags),
    };
    (b.build(), fields)
}
