-- pg_schema.sql: the PostgreSQL 15 peer of the search benchmark. run.sh loads this, then
-- COPYs the corpus (corpus.py pg-tsv), then runs pg_index.sql; both steps are timed.
--
-- tsv is a stored generated tsvector: weight A the name, B acronym and keywords, C the
-- description, D city, region, address and ecosystem names, each through f_unaccent (an
-- IMMUTABLE wrapper over the unaccent extension, so it may be used in a generated column
-- and an index) and the 'english' configuration (Snowball stemming, lower case).
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

CREATE TABLE profiles (
    id integer PRIMARY KEY,   -- the corpus line number ("n")
    ext_id text NOT NULL,     -- eccpd's id
    type text NOT NULL,
    name text NOT NULL,
    acronym text NOT NULL,
    keywords text NOT NULL,
    description text NOT NULL,
    city text NOT NULL,
    region text NOT NULL,
    address text NOT NULL,
    country text NOT NULL,
    ecosystems text[] NOT NULL,
    ecosystem_names text NOT NULL,
    label text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', f_unaccent(name)), 'A') ||
        setweight(to_tsvector('english', f_unaccent(acronym || ' ' || keywords)), 'B') ||
        setweight(to_tsvector('english', f_unaccent(description)), 'C') ||
        setweight(to_tsvector('english', f_unaccent(city || ' ' || region || ' ' || address ||
                                                    ' ' || ecosystem_names)), 'D')
    ) STORED
);
