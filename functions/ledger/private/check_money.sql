-- Rejects an amount that isn't money in any currency (22004, 22023); the API's first check, its currency's decimals are checked where the account is read.
CREATE OR REPLACE FUNCTION pgbank_private.check_money(caller text, amount numeric, what text DEFAULT 'amount')
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
  ELSIF scale(amount) > 4 AND amount <> round(amount, 4) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s has more than 4 decimal places', caller, what, pgbank_private.shown(amount::text)),
      HINT = 'an amount has at most its currency''s minor units (JPY 0, USD 2, BHD 3; 4 at most)';
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_money(text, numeric, text) IS
  'Helper: raises 22004/22023 unless the amount is a finite number above 0, at most max_amount(), with at most 4 decimals (its currency''s are checked where the account is read)';
