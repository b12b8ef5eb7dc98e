-- Operators: the currency an account gets when none is named (create_account, direct inserts); existing accounts keep theirs.
CREATE OR REPLACE FUNCTION pgbank_private.set_default_currency(code text)
RETURNS pgbank.currencies
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  c currencies;
BEGIN
  SELECT * INTO c FROM currencies x WHERE x.code = set_default_currency.code FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('set_default_currency: unknown currency %s', pgbank_private.shown(code)),
      HINT = 'pgbank.currencies lists the codes; an operator may insert one';
  END IF;
  UPDATE currencies x SET is_default = false WHERE x.is_default;  -- first: one default at any moment
  UPDATE currencies x SET is_default = true WHERE x.code = c.code;
  -- The column defaults are the default: a new row without a currency gets it, with zeros at its scale.
  EXECUTE format('ALTER TABLE pgbank.users ALTER COLUMN currency SET DEFAULT %L, ALTER COLUMN minor_units SET DEFAULT %s,'
                 ' ALTER COLUMN balance SET DEFAULT %3$s, ALTER COLUMN held SET DEFAULT %3$s, ALTER COLUMN lower_limit SET DEFAULT %3$s,'
                 ' ALTER COLUMN day_sent SET DEFAULT %3$s, ALTER COLUMN day_received SET DEFAULT %3$s',
                 c.code, c.minor_units, round(0, c.minor_units));
  c.is_default := true;
  RETURN c;
END
$$;
COMMENT ON FUNCTION pgbank_private.set_default_currency(text) IS
  'Operators: sets the currency new accounts get when none is named (the users column defaults); existing accounts keep theirs';
