-- tarjuman embedded store, schema version 2: events written by detectors.
-- See docs/SCHEMA.md and docs/DETECTORS.md. Events are derived data:
-- `tarjuman detect --rebuild` deletes and recomputes them.

CREATE TABLE events (
    id          TEXT PRIMARY KEY,   -- stable: <kind>-<hash of the detector's key>
    kind        TEXT NOT NULL,      -- edit, deletion, first-contact, first-exchange, …
    key         TEXT NOT NULL,      -- what the event is about, e.g. x:1/2023-04-04
    start       INTEGER NOT NULL,   -- Unix seconds, UTC
    end         INTEGER NOT NULL,
    score       REAL NOT NULL,
    params      TEXT NOT NULL,      -- JSON: the detector parameters used
    summary     TEXT NOT NULL,      -- one human sentence
    detail      TEXT NOT NULL,      -- JSON: detector-specific facts
    first_seq   INTEGER NOT NULL,   -- store seq when the event was first found
    last_seq    INTEGER NOT NULL,   -- store seq when it was last updated
    detected_at TEXT NOT NULL,      -- RFC 3339
    updated_at  TEXT NOT NULL
);
CREATE INDEX events_kind_start ON events(kind, start);
CREATE INDEX events_start ON events(start);

CREATE TABLE event_actors (
    event_id  TEXT NOT NULL REFERENCES events(id),
    pos       INTEGER NOT NULL,
    actor_ref TEXT NOT NULL,
    PRIMARY KEY (event_id, pos)
) WITHOUT ROWID;
CREATE INDEX event_actors_ref ON event_actors(actor_ref);

CREATE TABLE event_evidence (
    event_id TEXT NOT NULL REFERENCES events(id),
    pos      INTEGER NOT NULL,      -- 0 is the trigger or first post
    post_ref TEXT NOT NULL,
    role     TEXT NOT NULL,         -- trigger, edited, deleted, earlier, reply-to, …
    at       INTEGER,
    note     TEXT,
    PRIMARY KEY (event_id, pos)
) WITHOUT ROWID;
CREATE INDEX event_evidence_post ON event_evidence(post_ref);

CREATE TABLE detector_state (
    detector    TEXT PRIMARY KEY,
    last_seq    INTEGER NOT NULL,   -- changes up to this seq have been processed
    fingerprint TEXT NOT NULL,      -- hash of the watchlist and parameters used
    updated_at  TEXT NOT NULL
);
