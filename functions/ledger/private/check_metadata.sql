-- Rejects metadata that is not a JSON object (22023) or is over 4,096 bytes as text (22023); NULL is no metadata.
CREATE OR REPLACE FUNCTION pgbank_private.check_metadata(caller text, metadata jsonb, what text DEFAULT 'metadata')
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
  size int;
BEGIN
  IF metadata IS NULL THEN
    RETURN;
  ELSIF jsonb_typeof(metadata) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s is a JSON %s, not an object', caller, what, pgbank_private.shown(metadata::text), jsonb_typeof(metadata)),
      HINT = 'metadata is a JSON object, e.g. {"order": "A-17"}';
  END IF;
  size := octet_length(metadata::text);
  IF size > 4096 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %s is %s bytes as text, more than 4,096', caller, what, pgbank_private.shown(metadata::text), size),
      HINT = 'keep references in metadata (ids, short labels), not documents';
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_metadata(text, jsonb, text) IS
  'Helper: raises 22023 unless the metadata is NULL or a JSON object of at most 4,096 bytes as text';

