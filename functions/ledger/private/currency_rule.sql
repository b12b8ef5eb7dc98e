-- A movement's currency rule, the careful way (the transfer path's fallback): its currency and minor units, or why it cannot move.
CREATE OR REPLACE FUNCTION pgbank_private.currency_rule(
  sender uuid, receiver uuid, amount numeric, checked boolean,
  OUT why text, OUT currency text, OUT minor_units smallint)
LANGUAGE plpgsql
STABLE
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  world CONSTANT uuid := pgbank_private.world();
  payer pgbank.users;
  payee pgbank.users;
BEGIN
  -- A currency never changes: the rows are read without a lock. The world has none.
  SELECT * INTO payer FROM pgbank.users u WHERE u.id = currency_rule.sender AND u.id <> world;
  SELECT * INTO payee FROM pgbank.users u WHERE u.id = currency_rule.receiver AND u.id <> world;
  -- The amount is in the payer's currency (the payee's when the world pays or the payer is unknown;
  -- the default one when both are unknown: the failed row keeps the decimals of before currencies).
  currency := coalesce(payer.currency, payee.currency);
  minor_units := coalesce(payer.minor_units, payee.minor_units);
  IF currency IS NULL THEN
    SELECT d.code, d.minor_units INTO currency, minor_units FROM pgbank_private.default_currency() d;
  END IF;
  IF amount <> round(amount, minor_units) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('amount %s has more decimals than %s allows (%s)', amount, currency, minor_units),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  IF payer.currency <> payee.currency THEN
    IF checked THEN
      why := 'currency_mismatch';
    ELSE
      RAISE EXCEPTION USING ERRCODE = '23514',
        MESSAGE = format('a movement from account %L (%s) to account %L (%s) mixes currencies', sender, payer.currency, receiver, payee.currency),
        HINT = 'an exchange is a transfer_batch through a liquidity account per currency (docs/ledger.md)';
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.currency_rule(uuid, uuid, numeric, boolean) IS
  'Helper: a movement''s currency and minor units (the payer''s), 22023 for an amount with more decimals, currency_mismatch (checked) or 23514 between two currencies';
