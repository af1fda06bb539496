-- pg_index.sql: the indexes of the PostgreSQL peer, built after the bulk load (the usual
-- way to load fast). The GIN index serves every text query; filters on country and
-- ecosystem are checked on the rows it finds, as their selectivity is low.
CREATE INDEX profiles_tsv ON profiles USING gin (tsv);
VACUUM ANALYZE profiles;
