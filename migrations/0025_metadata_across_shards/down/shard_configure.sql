-- Makes this database shard shard_no of shard_count: its config row and one clearing account per peer shard (idempotent).
CREATE OR REPLACE FUNCTION pgbank_private.shard_configure(shard_no int, shard_count int)
RETURNS void
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  c shard_config;
BEGIN
  IF shard_count IS NULL OR shard_no IS NULL OR shard_count NOT BETWEEN 1 AND 1024 OR shard_count & (shard_count - 1) <> 0
     OR shard_no NOT BETWEEN 0 AND shard_count - 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('shard_configure: shard %s of %s: the count must be a power of two up to 1024, the number 0 to count - 1',
                       coalesce(shard_no::text, 'NULL'), coalesce(shard_count::text, 'NULL'));
  END IF;
  SELECT * INTO c FROM shard_config;
  IF FOUND AND (c.shard_no, c.shard_count) IS DISTINCT FROM (shard_no, shard_count) THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('shard_configure: this database is already shard %s of %s, not %s of %s', c.shard_no, c.shard_count, shard_no, shard_count),
      HINT = 'adding shards moves accounts: see docs/scaling.md';
  END IF;
  INSERT INTO shard_config (shard_no, shard_count) VALUES (shard_no, shard_count) ON CONFLICT DO NOTHING;
  -- Clearing accounts have no lower limit: the one for a peer goes below 0 by what that peer sent here.
  INSERT INTO users (id, name, lower_limit)
  SELECT pgbank_private.clearing_account(p), format('clearing: shard %s', p), NULL
    FROM generate_series(0, shard_count - 1) p
   WHERE p <> shard_no
  ON CONFLICT (id) DO NOTHING;
END
$$;
COMMENT ON FUNCTION pgbank_private.shard_configure(int, int) IS
  'Helper (npm run shards): makes this database shard shard_no of shard_count, with a clearing account per peer; idempotent';
