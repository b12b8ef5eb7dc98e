-- Rejects an amount that isn't money: NULL (22004), NaN, infinite, zero, negative or more than 2 decimals (22023).
CREATE OR REPLACE FUNCTION pgbank_private.check_amount(caller text, amount numeric, what text DEFAULT 'amount')
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
  IF amount IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('%s: %s must not be NULL', caller, what);
  ELSIF amount IN ('NaN', 'Infinity', '-Infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %L is not a finite number', caller, what, amount);
  ELSIF amount <= 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %L must be positive', caller, what, amount);
  ELSIF scale(amount) > 2 AND amount <> round(amount, 2) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: %s %L has more than 2 decimal places', caller, what, amount),
      HINT = 'amounts are in currency units with cents, e.g. 10.25';
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_amount(text, numeric, text) IS
  'Helper: raises 22004/22023 unless the amount is a positive, finite number with at most 2 decimals';
