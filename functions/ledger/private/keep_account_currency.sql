-- Trigger: an account's currency never changes (its balance, limit and history are in it).
CREATE OR REPLACE FUNCTION pgbank_private.keep_account_currency()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '23514',
    MESSAGE = format('account %L is in %s: an account''s currency never changes', OLD.id, OLD.currency),
    HINT = 'open an account in the other currency and exchange through liquidity accounts (docs/ledger.md)';
END
$$;
COMMENT ON FUNCTION pgbank_private.keep_account_currency() IS
  'Trigger: refuses a change of an account''s currency or minor units';

-- Fires only for an UPDATE that names the columns: the transfer path's never do.
CREATE OR REPLACE TRIGGER users_keep_currency
  BEFORE UPDATE OF currency, minor_units ON pgbank.users
  FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency OR OLD.minor_units IS DISTINCT FROM NEW.minor_units)
  EXECUTE FUNCTION pgbank_private.keep_account_currency();
