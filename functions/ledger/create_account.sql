-- Opens an account (a user) with balance 0 in a currency (default: the database's) and an optional lower limit (default 0: no overdraft).
CREATE OR REPLACE FUNCTION pgbank.create_account(name text, lower_limit numeric DEFAULT 0, id uuid DEFAULT NULL, currency text DEFAULT NULL)
RETURNS pgbank.account
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  new_id uuid;
  code   text;      -- the account's currency
  units  smallint;  -- its minor units
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
     OR scale(lower_limit) > 4 AND lower_limit <> round(lower_limit, 4) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('create_account: lower_limit %s must be 0 or a negative amount down to -%s with at most its currency''s decimals',
                       pgbank_private.shown(lower_limit::text), pgbank_private.max_amount()),
      HINT = 'the balance may go down to lower_limit: 0 means no overdraft';
  END IF;
  IF id = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format('create_account: account %L already exists (the world account)', id);
  END IF;
  SELECT c.code, c.minor_units INTO code, units
    FROM currencies c WHERE c.code = create_account.currency OR create_account.currency IS NULL AND c.is_default;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('create_account: unknown currency %s', pgbank_private.shown(currency)),
      HINT = 'an ISO 4217 code in upper case, one of pgbank.currencies (an operator may add one)';
  END IF;
  -- The limit is in the account's currency: at most its decimals. Every amount of the row is kept
  -- with exactly as many (balances add amounts at the same scale, so they keep it).
  IF lower_limit <> round(lower_limit, units) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('create_account: lower_limit %s has more decimals than %s allows (%s)', lower_limit, code, units),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  BEGIN
    INSERT INTO users AS u (id, name, currency, minor_units, lower_limit, balance, held, day_sent, day_received)
    VALUES (coalesce(id, gen_random_uuid()), name, code, units, round(lower_limit, units),
            round(0, units), round(0, units), round(0, units), round(0, units))
    RETURNING u.id INTO new_id;
  EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format('create_account: account %L already exists', id);
  END;
  RETURN pgbank.get_account(new_id);
END
$$;
COMMENT ON FUNCTION pgbank.create_account(text, numeric, uuid, text) IS
  'Open an account: name, lower limit (0 = no overdraft, negative = bounded overdraft), optional id, currency (ISO 4217; default the database''s); returns it';
REVOKE ALL ON FUNCTION pgbank.create_account(text, numeric, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.create_account(text, numeric, uuid, text) TO pgbank_app;
