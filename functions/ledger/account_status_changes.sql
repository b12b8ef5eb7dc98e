-- An account's status changes, newest first: from, to, credits flag, who (caller and database login), why, when.
CREATE OR REPLACE FUNCTION pgbank.account_status_changes(account uuid)
RETURNS TABLE (id bigint, from_status text, to_status text, credits_frozen boolean, changed_by text, reason text,
               db_user text, changed_at timestamptz)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  IF account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'account_status_changes: account must not be NULL';
  END IF;
  IF NOT EXISTS (SELECT FROM users u WHERE u.id = account) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('account_status_changes: unknown account %L', account);
  END IF;
  RETURN QUERY
    SELECT c.id, c.from_status::text, c.to_status::text, c.credits_frozen, c.changed_by, c.reason, c.db_user, c.changed_at
      FROM account_status_changes c WHERE c.account = account_status_changes.account ORDER BY c.id DESC;
END
$$;
COMMENT ON FUNCTION pgbank.account_status_changes(uuid) IS
  'An account''s status changes, newest first: id, from_status, to_status, credits_frozen, changed_by, reason, db_user, changed_at';
REVOKE ALL ON FUNCTION pgbank.account_status_changes(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.account_status_changes(uuid) TO pgbank_app;
