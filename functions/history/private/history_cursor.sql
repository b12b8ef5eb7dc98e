-- A history row's position as an opaque cursor: URL-safe base64 of 'v1:<microseconds since 1970>:<id>'.
CREATE OR REPLACE FUNCTION pgbank_private.history_cursor(ts timestamptz, id bigint)
RETURNS text
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
  SELECT translate(encode(convert_to(format('v1:%s:%s', (extract(epoch FROM ts) * 1000000)::bigint, id), 'UTF8'), 'base64'), '+/=', '-_')
$$;
COMMENT ON FUNCTION pgbank_private.history_cursor(timestamptz, bigint) IS
  'Helper: the opaque cursor of a history row (its ts and id); pgbank_private.history_position reads it back';
