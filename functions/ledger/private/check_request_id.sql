-- Rejects a missing (22004) or empty / over-long (22023) client request id.
CREATE OR REPLACE FUNCTION pgbank_private.check_request_id(caller text, request_id text)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
  IF request_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('%s: request_id must not be NULL', caller),
      HINT = 'a request id is the client''s idempotency key: a repeat returns the first outcome';
  ELSIF request_id = '' OR length(request_id) > 200 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: request_id %s must be 1 to 200 characters', caller, pgbank_private.shown(request_id));
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_request_id(text, text) IS 'Helper: raises 22004/22023 for a NULL, empty or over-long request id';
