-- Why a failed attempt failed, by priority: unknown_account > account_closed/frozen (payer, then payee) > the reason met first.
CREATE OR REPLACE FUNCTION pgbank_private.failure_reason(sender uuid, receiver uuid, met text)
RETURNS text
LANGUAGE sql
STABLE
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
  -- Runs only on a failed attempt: the trigger met one reason on the first account it could not
  -- move; the other account may have a stronger one. (The world account is always open.)
  SELECT CASE WHEN p.id IS NULL OR r.id IS NULL THEN 'unknown_account'
              WHEN p.status <> 'open' THEN 'account_' || p.status
              WHEN r.status = 'closed' OR r.status = 'frozen' AND r.credits_frozen THEN 'account_' || r.status
              ELSE met END
    FROM (SELECT) AS one
    LEFT JOIN pgbank.users p ON p.id = failure_reason.sender
    LEFT JOIN pgbank.users r ON r.id = failure_reason.receiver;
$$;
COMMENT ON FUNCTION pgbank_private.failure_reason(uuid, uuid, text) IS
  'Helper: the reason a failed attempt names, by priority: unknown_account, account_closed / account_frozen (payer first), then the reason met';
