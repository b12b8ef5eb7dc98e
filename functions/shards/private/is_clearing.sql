-- Whether an id is in the range reserved for clearing accounts (ffffffff-ffff-ffff-ffff-…).
CREATE OR REPLACE FUNCTION pgbank_private.is_clearing(id uuid)
RETURNS boolean
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT id >= 'ffffffff-ffff-ffff-ffff-000000000000'::uuid $$;
COMMENT ON FUNCTION pgbank_private.is_clearing(uuid) IS
  'Helper: true for ids reserved for clearing accounts (ffffffff-ffff-ffff-ffff-…), which no API call may name';
