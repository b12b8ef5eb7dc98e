-- The shard that owns an account when it is not this one: hashtext(id::text) & (shard_count - 1), as the router's RUN ON; NULL when local.
CREATE OR REPLACE FUNCTION pgbank_private.remote_shard(id uuid)
RETURNS int
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
  -- NULL on a single node (no shard_config row), for the world account (every shard has it) and for NULL.
  SELECT x.owner
    FROM (SELECT hashtext(id::text) & (c.shard_count - 1) AS owner, c.shard_no FROM pgbank.shard_config c) x
   WHERE x.owner <> x.shard_no AND id <> pgbank_private.world()
$$;
COMMENT ON FUNCTION pgbank_private.remote_shard(uuid) IS
  'Helper: number of the shard owning account id (hashtext(id::text) & (shard_count - 1)) when it is another shard; NULL when this one owns it';
