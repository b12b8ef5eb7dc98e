-- Opens an account (a user) with balance 0 and an optional lower limit (default 0: no overdraft).
CREATE OR REPLACE FUNCTION pgbank.create_account(name text, lower_limit numeric DEFAULT 0, id uuid DEFAULT NULL)
RETURNS pgbank.account
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  new_id uuid;
BEGIN
  IF name IS NULL OR lower_limit IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('create_account: %s must not be NULL',
      concat_ws(', ', CASE WHEN name IS NULL THEN 'name' END, CASE WHEN lower_limit IS NULL THEN 'lower_limit' END));
  END IF;
  -- Whitespace of any kind (tabs, line breaks, no-break and other Unicode spaces) is no name.
  IF name ~ '^[\s\u0085\u00a0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*$' OR length(name) > 200 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('create_account: name %s must be 1 to 200 characters, not only whitespace', pgbank_private.shown(name));
  END IF;
  IF lower_limit > 0 OR lower_limit IN ('NaN', '-Infinity') OR lower_limit < -pgbank_private.max_amount()
     OR scale(lower_limit) > 2 AND lower_limit <> round(lower_limit, 2) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('create_account: lower_limit %s must be 0 or a negative amount down to -%s with at most 2 decimals',
                       pgbank_private.shown(lower_limit::text), pgbank_private.max_amount()),
      HINT = 'the balance may go down to lower_limit: 0 means no overdraft';
  END IF;
  IF id = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format('create_account: account %L already exists (the world account)', id);
  END IF;
  BEGIN
    INSERT INTO users AS u (id, name, lower_limit) VALUES (coalesce(id, gen_random_uuid()), name, lower_limit)
    RETURNING u.id INTO new_id;
  EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format('create_account: account %L already exists', id);
  END;
  RETURN pgbank.get_account(new_id);
END
$$;
COMMENT ON FUNCTION pgbank.create_account(text, numeric, uuid) IS
  'Open an account: name, lower limit (0 = no overdraft, negative = bounded overdraft), optional id; returns it';
REVOKE ALL ON FUNCTION pgbank.create_account(text, numeric, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.create_account(text, numeric, uuid) TO pgbank_app;
