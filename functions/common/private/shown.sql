-- How an error message quotes a caller's value: a literal cut to 100 characters with its length stated, so a huge input never makes a huge error.
CREATE OR REPLACE FUNCTION pgbank_private.shown(value text)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN value IS NULL THEN 'NULL'
              WHEN length(value) <= 100 THEN quote_literal(value)
              ELSE quote_literal(left(value, 100)) || format('… (%s characters)', length(value)) END
$$;
COMMENT ON FUNCTION pgbank_private.shown(text) IS
  'Helper: a value quoted for an error message, cut to 100 characters with its length stated';
