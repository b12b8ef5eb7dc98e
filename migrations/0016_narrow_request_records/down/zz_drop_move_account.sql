DROP FUNCTION pgbank_private.move_account(uuid, numeric, numeric, timestamptz, boolean);
