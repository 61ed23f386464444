-- tarjuman embedded store, schema version 1. See docs/SCHEMA.md.
-- Never edit a migration that has shipped: add the next one.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE captures (
    id             INTEGER PRIMARY KEY,
    file_name      TEXT NOT NULL,
    bytes          INTEGER NOT NULL,
    quick_key      TEXT NOT NULL,
    sha256         TEXT,
    format         TEXT NOT NULL,
    ingested_at    TEXT NOT NULL,
    finished_at    TEXT,
    status         TEXT NOT NULL,
    records        INTEGER NOT NULL DEFAULT 0,
    new_posts      INTEGER NOT NULL DEFAULT 0,
    new_versions   INTEGER NOT NULL DEFAULT 0,
    missing_marked INTEGER NOT NULL DEFAULT 0,
    quarantined    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX captures_quick_key ON captures(quick_key);

CREATE TABLE scopes (
    id    INTEGER PRIMARY KEY,
    key   TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL
);

CREATE TABLE capture_scopes (
    capture_id     INTEGER NOT NULL REFERENCES captures(id),
    scope_id       INTEGER NOT NULL REFERENCES scopes(id),
    explicit_start INTEGER,
    explicit_end   INTEGER,
    PRIMARY KEY (capture_id, scope_id)
) WITHOUT ROWID;

CREATE TABLE actors (
    id           INTEGER PRIMARY KEY,
    ref          TEXT NOT NULL UNIQUE,
    platform     TEXT NOT NULL,
    native_id    TEXT NOT NULL,
    handle       TEXT,
    display_name TEXT,
    location     TEXT,
    description  TEXT,
    followers    INTEGER,
    first_capture INTEGER
);
CREATE INDEX actors_handle ON actors(lower(handle));

CREATE TABLE actor_names (
    actor_id     INTEGER NOT NULL REFERENCES actors(id),
    handle       TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    capture_id   INTEGER NOT NULL,
    seen_at      INTEGER,
    PRIMARY KEY (actor_id, handle, display_name)
) WITHOUT ROWID;

CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    ref            TEXT NOT NULL UNIQUE,
    platform       TEXT NOT NULL,
    native_id      TEXT NOT NULL,
    author_id      INTEGER REFERENCES actors(id),
    created_at     INTEGER,
    kind           TEXT NOT NULL,
    lang           TEXT,
    reply_to       TEXT,
    quote_of       TEXT,
    repost_of      TEXT,
    forwarded_from INTEGER REFERENCES actors(id),
    text           TEXT NOT NULL,
    versions       INTEGER NOT NULL,
    text_hash      INTEGER NOT NULL,
    media_hash     INTEGER NOT NULL,
    first_capture  INTEGER NOT NULL,
    metrics_hash   INTEGER NOT NULL,
    embedded       INTEGER NOT NULL,
    richness       INTEGER NOT NULL,
    seq            INTEGER NOT NULL
);
CREATE INDEX posts_author ON posts(author_id, created_at);
CREATE INDEX posts_created ON posts(created_at);
-- Conversation trees: children of a post (partial, so plain posts cost nothing).
CREATE INDEX posts_reply_to ON posts(reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX posts_quote_of ON posts(quote_of) WHERE quote_of IS NOT NULL;

CREATE TABLE post_versions (
    seq        INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    version    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    text_hash  INTEGER NOT NULL,
    media_hash INTEGER NOT NULL,
    media      TEXT,
    capture_id INTEGER NOT NULL,
    edited_at  INTEGER,
    raw_zstd   BLOB,
    UNIQUE (post_id, version)
);

CREATE TABLE metrics (
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    capture_id INTEGER NOT NULL,
    observed_at INTEGER,
    likes      INTEGER,
    reposts    INTEGER,
    replies    INTEGER,
    quotes     INTEGER,
    views      INTEGER,
    PRIMARY KEY (post_id, capture_id)
) WITHOUT ROWID;

CREATE TABLE sightings (
    capture_id INTEGER NOT NULL,
    post_id    INTEGER NOT NULL,
    scope_id   INTEGER,
    PRIMARY KEY (post_id, capture_id)
) WITHOUT ROWID;
CREATE INDEX sightings_scope ON sightings(scope_id, capture_id);

CREATE TABLE hashtags (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    tag     TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE INDEX hashtags_tag ON hashtags(lower(tag));

CREATE TABLE mentions (
    post_id  INTEGER NOT NULL REFERENCES posts(id),
    pos      INTEGER NOT NULL,
    actor_id INTEGER REFERENCES actors(id),
    handle   TEXT,
    PRIMARY KEY (post_id, pos)
) WITHOUT ROWID;
CREATE INDEX mentions_actor ON mentions(actor_id);

CREATE TABLE urls (
    post_id   INTEGER NOT NULL REFERENCES posts(id),
    pos       INTEGER NOT NULL,
    url       TEXT NOT NULL,
    expanded  TEXT,
    canonical TEXT NOT NULL,
    domain    TEXT,
    PRIMARY KEY (post_id, pos)
) WITHOUT ROWID;
CREATE INDEX urls_canonical ON urls(canonical);

CREATE TABLE media (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    pos     INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    url     TEXT,
    PRIMARY KEY (post_id, pos)
) WITHOUT ROWID;

CREATE TABLE interactions (
    post_id   INTEGER NOT NULL REFERENCES posts(id),
    pos       INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    src_actor INTEGER NOT NULL REFERENCES actors(id),
    dst_actor INTEGER NOT NULL REFERENCES actors(id),
    at        INTEGER,
    PRIMARY KEY (post_id, pos)
) WITHOUT ROWID;
CREATE INDEX interactions_src ON interactions(src_actor);
CREATE INDEX interactions_dst ON interactions(dst_actor);

CREATE TABLE gone (
    id         INTEGER PRIMARY KEY,
    post_ref   TEXT NOT NULL,
    post_id    INTEGER REFERENCES posts(id),
    capture_id INTEGER NOT NULL,
    how        TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at         INTEGER,
    seq        INTEGER NOT NULL,
    raw        BLOB,
    UNIQUE (post_ref, capture_id, how)
);
CREATE INDEX gone_post ON gone(post_id);

CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    capture_id  INTEGER NOT NULL,
    file_name   TEXT NOT NULL,
    line        INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    raw         BLOB,
    UNIQUE (capture_id, line, byte_offset, reason)
);
