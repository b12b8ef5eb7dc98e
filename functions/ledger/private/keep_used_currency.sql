-- Trigger: a currency that accounts are in is neither deleted nor given another code or minor units.
CREATE OR REPLACE FUNCTION pgbank_private.keep_used_currency()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF (TG_OP = 'DELETE' OR OLD.code IS DISTINCT FROM NEW.code OR OLD.minor_units IS DISTINCT FROM NEW.minor_units)
     AND EXISTS (SELECT FROM pgbank.users u WHERE u.currency = OLD.code) THEN
    RAISE EXCEPTION USING ERRCODE = '23503',
      MESSAGE = format('currency %L: accounts are in it', OLD.code),
      HINT = 'an account''s currency never changes';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION pgbank_private.keep_used_currency() IS
  'Trigger: refuses deleting a currency, or changing its code or minor units, while accounts are in it';

CREATE OR REPLACE TRIGGER currencies_in_use
  BEFORE DELETE OR UPDATE OF code, minor_units ON pgbank.currencies
  FOR EACH ROW EXECUTE FUNCTION pgbank_private.keep_used_currency();
