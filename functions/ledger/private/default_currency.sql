-- The database's default currency and its minor units: the scale of an amount whose accounts are all unknown.
CREATE OR REPLACE FUNCTION pgbank_private.default_currency(OUT code text, OUT minor_units smallint)
LANGUAGE sql
STABLE
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
  SELECT c.code, c.minor_units FROM pgbank.currencies c WHERE c.is_default;
$$;
COMMENT ON FUNCTION pgbank_private.default_currency() IS
  'Helper: the default currency (pgbank.currencies.is_default) and its minor units, for amounts no account''s currency decides';
