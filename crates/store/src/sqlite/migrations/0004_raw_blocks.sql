-- tarjuman embedded store, schema version 4: raw records compressed in blocks.
-- See docs/SCHEMA.md. A version's raw record is either its own zstd frame
-- (`post_versions.raw_zstd`, as every store before version 4 wrote) or a
-- byte range of a shared block: the raw records of consecutive posts of one
-- file, concatenated and compressed together (2-3x smaller and faster to
-- write than one frame per record of about 1 KB).

CREATE TABLE raw_blocks (
    id   INTEGER PRIMARY KEY,
    zstd BLOB NOT NULL        -- one zstd frame; bytes not referenced by any version are zeros
);

-- raw bytes = zstd -d (raw_blocks.zstd)[raw_offset .. raw_offset + raw_len]
ALTER TABLE post_versions ADD COLUMN raw_block  INTEGER REFERENCES raw_blocks(id);
ALTER TABLE post_versions ADD COLUMN raw_offset INTEGER;
ALTER TABLE post_versions ADD COLUMN raw_len    INTEGER;
