-- The routing hash of an account: hashtext(id::text); PL/Proxy takes shard = hash & (N - 1). NULL routes to shard 0, which reports it.
CREATE OR REPLACE FUNCTION pgbank_router.route(id uuid)
RETURNS int
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(hashtext(id::text), 0) $$;
COMMENT ON FUNCTION pgbank_router.route(uuid) IS
  'Routing hash of an account id: hashtext(id::text) (shard = hash & (shard count - 1), as pgbank_private.remote_shard on the shards); 0 for NULL';
