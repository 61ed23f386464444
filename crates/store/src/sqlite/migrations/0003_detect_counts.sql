-- tarjuman embedded store, schema version 3: counts kept by the detectors.
-- See docs/SCHEMA.md and docs/DETECTORS.md. Derived data, like events:
-- `tarjuman detect --rebuild` empties and refills them, and each
-- `tarjuman detect` brings them up to date from the change sequence.

-- The items the `surge` detector counts.
CREATE TABLE detect_items (
    id        INTEGER PRIMARY KEY,
    item      TEXT NOT NULL UNIQUE,  -- '#tag' (case-folded), 'url:<canonical>', 'domain:<host>', 'term:<watched term>'
    posts     INTEGER NOT NULL,      -- posts counted under it, all bins
    first_bin INTEGER NOT NULL,      -- its earliest and latest bins (bounds: never narrowed)
    last_bin  INTEGER NOT NULL
);

-- Posts per item and 15-minute bin (bin = created_at / 900, UTC).
CREATE TABLE detect_counts (
    item_id INTEGER NOT NULL REFERENCES detect_items(id),
    bin     INTEGER NOT NULL,
    posts   INTEGER NOT NULL,
    PRIMARY KEY (item_id, bin)
) WITHOUT ROWID;

-- What each post is counted under, so that a post whose entities or text
-- change (a new version, a richer record of it) is taken out of its old
-- counts before it is counted again. Posts with no item have no row.
CREATE TABLE detect_counted (
    post_id INTEGER PRIMARY KEY,     -- posts(id)
    bin     INTEGER NOT NULL,
    items   TEXT NOT NULL            -- detect_items ids, space-separated
);

-- All posts per 15-minute bin: the store's overall activity, against which
-- an item's own rise is judged.
CREATE TABLE detect_volume (
    bin   INTEGER PRIMARY KEY,
    posts INTEGER NOT NULL
);

-- Forwards of a given actor (`newcomers`: new channels relaying a watched
-- actor), without reading every post. Partial: other posts cost nothing.
CREATE INDEX posts_forwarded_from ON posts(forwarded_from) WHERE forwarded_from IS NOT NULL;

-- What posts point at beyond the store's own interaction rows, kept for
-- the detectors before each run: watched names found in the text
-- ('term:<term>', 'alias:<actor ref>', matched as docs/DETECTORS.md says)
-- and links to X posts ('status:<tweet id>').
CREATE TABLE detect_links (
    target  TEXT NOT NULL,
    post_id INTEGER NOT NULL,        -- posts(id)
    PRIMARY KEY (target, post_id)
) WITHOUT ROWID;
CREATE INDEX detect_links_post ON detect_links(post_id);
