-- The id of this shard's clearing account for a peer shard: ffffffff-ffff-ffff-ffff-<peer, 12 hex digits> (no random v4 uuid has it).
CREATE OR REPLACE FUNCTION pgbank_private.clearing_account(peer int)
RETURNS uuid
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT ('ffffffff-ffff-ffff-ffff-' || lpad(to_hex(peer), 12, '0'))::uuid $$;
COMMENT ON FUNCTION pgbank_private.clearing_account(int) IS
  'Helper: id of the clearing account that holds money in transit between this shard and shard peer';
