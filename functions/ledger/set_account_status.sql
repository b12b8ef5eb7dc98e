-- Opens, freezes or closes an account, under its row lock (so no transfer slips past), and records the change with who and why.
CREATE OR REPLACE FUNCTION pgbank.set_account_status(
  account uuid, status text, reason text, changed_by text, credits_frozen boolean DEFAULT false)
RETURNS pgbank.account
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  u users;
BEGIN
  IF account IS NULL OR status IS NULL OR reason IS NULL OR changed_by IS NULL OR credits_frozen IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('set_account_status: %s must not be NULL',
      concat_ws(', ', CASE WHEN account IS NULL THEN 'account' END, CASE WHEN status IS NULL THEN 'status' END,
                      CASE WHEN reason IS NULL THEN 'reason' END, CASE WHEN changed_by IS NULL THEN 'changed_by' END,
                      CASE WHEN credits_frozen IS NULL THEN 'credits_frozen' END));
  END IF;
  IF status NOT IN ('open', 'frozen', 'closed') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: status %s must be open, frozen or closed', pgbank_private.shown(status));
  END IF;
  IF credits_frozen AND status <> 'frozen' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: credits_frozen applies to status frozen only, not %L', status),
      HINT = 'an open account takes credits, a closed one never does';
  END IF;
  IF btrim(reason) = '' OR length(reason) > 500 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: reason %s must be 1 to 500 characters, not only spaces', pgbank_private.shown(reason));
  END IF;
  IF btrim(changed_by) = '' OR length(changed_by) > 200 THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: changed_by %s must be 1 to 200 characters, not only spaces', pgbank_private.shown(changed_by));
  END IF;
  IF account = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('set_account_status: account %L is the world account, always open', account);
  END IF;
  -- The row lock every transfer, hold and batch takes on this account: a movement that holds it
  -- now commits before the change; one that comes later waits, then sees the new status.
  SELECT * INTO u FROM users x WHERE x.id = account FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('set_account_status: unknown account %L', account);
  END IF;
  IF u.status = 'closed' THEN
    IF status = 'closed' THEN  -- closing twice: the first close stands
      RETURN pgbank.get_account(account);
    END IF;
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('set_account_status: account %L is closed; it cannot become %s', account, status),
      HINT = 'closing is final: open a new account';
  END IF;
  IF status = 'closed' AND (u.balance <> 0 OR u.held <> 0) THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('set_account_status: account %L has balance %s and %s held; only an account with balance 0 and no open hold can be closed',
                       account, u.balance, u.held),
      HINT = 'move the balance out (a transfer, or one to the world account) and post or void its holds first';
  END IF;
  IF u.status = status AND u.credits_frozen = credits_frozen THEN  -- already so: nothing changes, nothing recorded
    RETURN pgbank.get_account(account);
  END IF;
  UPDATE users x SET status = set_account_status.status, credits_frozen = set_account_status.credits_frozen, modified_at = now()
   WHERE x.id = account;
  INSERT INTO account_status_changes (account, from_status, to_status, credits_frozen, changed_by, reason)
  VALUES (account, u.status, status, credits_frozen, changed_by, reason);
  RETURN pgbank.get_account(account);
END
$$;
COMMENT ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) IS
  'Set an account open, frozen (no debits; credits_frozen: no credits either) or closed (final; balance 0, nothing held); recorded with changed_by and reason';
REVOKE ALL ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) TO pgbank_app;
