-- Rejects an amount that isn't money with 2 decimals (22004, 22023), for callers that read no account: seeding, a shard's cross-shard send.
CREATE OR REPLACE FUNCTION pgbank_private.check_amount(caller text, amount numeric, what text DEFAULT 'amount')
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
  IF amount IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('%s: %s must not be NULL', caller, what);
  ELSIF amount IN ('NaN', 'Infinity', '-Infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %s is not a finite number', caller, what, pgbank_private.shown(amount::text));
  ELSIF amount <= 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %s must be positive', caller, what, pgbank_private.shown(amount::text));
  ELSIF amount > pgbank_private.max_amount() THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s is more than %s', caller, what, pgbank_private.shown(amount::text), pgbank_private.max_amount()),
      HINT = 'one movement is at most 999,999,999,999,999.99';
  ELSIF scale(amount) > 2 AND amount <> round(amount, 2) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s has more than 2 decimal places', caller, what, pgbank_private.shown(amount::text)),
      HINT = 'amounts are in currency units with cents, e.g. 10.25';
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_amount(text, numeric, text) IS
  'Helper: raises 22004/22023 unless the amount is a finite number from 0.01 to max_amount() with at most 2 decimals (for callers that read no account: seeding, a shard''s cross-shard send; the API uses check_money)';
