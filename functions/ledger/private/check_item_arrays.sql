-- Rejects (22023) item arrays that are multidimensional or don't start at 1: a call reads items by position and writes them by unnest, which agree only then.
CREATE OR REPLACE FUNCTION pgbank_private.check_item_arrays(caller text, names text, VARIADIC dims text[])
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
  -- dims are the arrays' array_dims(): '[1:n]' for a 1-based one-dimensional array, NULL when empty.
  IF EXISTS (SELECT FROM unnest(dims) AS d WHERE d !~ '^\[1:\d+\]$') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s must be one-dimensional arrays starting at 1 (got %s)', caller, names, array_to_string(dims, ', ', '{}'));
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_item_arrays(text, text, text[]) IS
  'Helper: raises 22023 unless every item array (given by its array_dims) is one-dimensional and starts at 1';
