-- The (ts, id) a history cursor stands for; 22023 naming the cursor when it is not one.
CREATE OR REPLACE FUNCTION pgbank_private.history_position(cursor text, OUT ts timestamptz, OUT id bigint)
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
  parts text[];
BEGIN
  IF length(cursor) <= 80 AND cursor ~ '^[A-Za-z0-9_-]+$' THEN
    BEGIN
      parts := regexp_match(convert_from(decode(rpad(translate(cursor, '-_', '+/'), (length(cursor) + 3) / 4 * 4, '='), 'base64'), 'UTF8'),
                            '^v1:(-?[0-9]{1,19}):([0-9]{1,19})$');
      ts := to_timestamp(0) + parts[1]::bigint * interval '1 microsecond';
      id := parts[2]::bigint;
    EXCEPTION WHEN data_exception THEN
      parts := NULL;  -- not base64, not UTF-8 text, or numbers out of range: not a cursor
    END;
  END IF;
  IF parts IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: after %s is not a history cursor', pgbank_private.shown(cursor)),
      HINT = 'pass the cursor column of the last row of the previous page, unchanged';
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.history_position(text) IS
  'Helper: the (ts, id) of a history cursor; raises 22023 when the text is not one';
