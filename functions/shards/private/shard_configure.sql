-- Makes this database shard shard_no of shard_count: its config row, one clearing account per peer shard and its own range of transaction ids (idempotent).
CREATE OR REPLACE FUNCTION pgbank_private.shard_configure(shard_no int, shard_count int)
RETURNS void
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  c        shard_config;
  first_id bigint := greatest(1, shard_no::bigint << 52);  -- 2^52 ids a shard, 1,024 shards at most
  last_id  bigint := (shard_no::bigint << 52) + (1::bigint << 52) - 1;
  next_id  bigint;
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
  -- A transaction id names one shard's row (the router's reverse() asks every shard for it): shard
  -- k numbers from k * 2^52. Ids drawn here below the range (a shard configured before migration
  -- 0025, or the copied half of a split) stay, and shard_config remembers up to where.
  SELECT CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END INTO next_id FROM pgbank.transactions_id_seq s;
  IF next_id < first_id THEN
    UPDATE shard_config x SET older_ids_up_to = greatest(x.older_ids_up_to, next_id - 1);
  END IF;
  EXECUTE format('ALTER SEQUENCE pgbank.transactions_id_seq MINVALUE %s MAXVALUE %s START WITH %s%s',
                 first_id, last_id, first_id, CASE WHEN next_id < first_id THEN ' RESTART WITH ' || first_id END);
END
$$;
COMMENT ON FUNCTION pgbank_private.shard_configure(int, int) IS
  'Helper (npm run shards): makes this database shard shard_no of shard_count, with a clearing account per peer and transaction ids from shard_no * 2^52; idempotent';
