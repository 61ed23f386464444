-- tarjuman embedded store, schema version 6: no index on interactions(src_actor).
-- An interaction's source is the author of the post that made it
-- (`src_actor` = `posts.author_id` of `post_id`), so the edges from an actor
-- are found through `posts_author` and the primary key of `interactions`:
--   SELECT i.* FROM posts p JOIN interactions i ON i.post_id = p.id
--   WHERE p.author_id = ?1 AND i.src_actor = ?1
-- Rebuilding this index took about 1.1 s of each 1M-tweet bulk load.

DROP INDEX IF EXISTS interactions_src;
