-- Points the router at its shards: the SQL/MED server pgbank_shards (PL/Proxy partitions p0 … pN-1, N a power of two) and its user mapping.
CREATE OR REPLACE FUNCTION pgbank_router.configure(partitions text[], shard_user text DEFAULT 'pgbank_app')
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  n int := cardinality(partitions);
BEGIN
  IF n IS NULL OR n = 0 OR n & (n - 1) <> 0 OR array_position(partitions, NULL) IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('configure: %s shards: PL/Proxy needs a power of two of connection strings', coalesce(n, 0));
  END IF;
  DROP SERVER IF EXISTS pgbank_shards CASCADE;  -- with its user mappings
  EXECUTE format('CREATE SERVER pgbank_shards FOREIGN DATA WRAPPER plproxy OPTIONS (connection_lifetime %L, %s)', '1800',
                 (SELECT string_agg(format('p%s %L', i - 1, partitions[i]), ', ' ORDER BY i) FROM generate_subscripts(partitions, 1) i));
  EXECUTE format('CREATE USER MAPPING FOR PUBLIC SERVER pgbank_shards OPTIONS (user %L)', shard_user);
  GRANT USAGE ON FOREIGN SERVER pgbank_shards TO pgbank_app;
END
$$;
COMMENT ON FUNCTION pgbank_router.configure(text[], text) IS
  'Router setup: (re)creates the PL/Proxy cluster pgbank_shards, partition i = partitions[i + 1] (libpq strings), connecting as shard_user';
