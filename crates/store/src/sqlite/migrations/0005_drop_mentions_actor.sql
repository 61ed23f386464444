-- tarjuman embedded store, schema version 5: no index on mentions(actor_id).
-- No query reads mentions by actor: the mention edges, by actor, are the
-- `interactions` rows of kind 'mention' (indexed by src_actor and dst_actor).
-- Rebuilding this index took about 1 s of each 1M-tweet bulk load.

DROP INDEX IF EXISTS mentions_actor;
