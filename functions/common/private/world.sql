-- The world account's id: top-ups come from it, withdrawals go to it.
CREATE OR REPLACE FUNCTION pgbank_private.world()
RETURNS uuid
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
COMMENT ON FUNCTION pgbank_private.world() IS 'Helper: id of the world account (money from and to outside pgbank)';
