-- An account's balance from every effective transaction stamped before a UTC midnight, from the day and monthly totals only.
CREATE OR REPLACE FUNCTION pgbank_private.balance_before_day(account uuid, day date)
RETURNS numeric
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  balance  numeric;
  row_day  date;     -- the day whose totals the account row holds, and its net
  row_net  numeric;
  net      numeric;
BEGIN
  SELECT u.balance, u.totals_day, u.day_received - u.day_sent INTO balance, row_day, row_net FROM users u WHERE u.id = account;
  -- A midnight splits a month at a day: whole months on one side, a slice of days of one month.
  -- Read the side with fewer months: before the midnight for old days, after it (taken from the
  -- balance) for recent ones.
  IF day < (now() AT TIME ZONE 'UTC')::date - 365 THEN
    SELECT coalesce(sum(CASE WHEN m.month < date_trunc('month', day) THEN m.received - m.sent
                             ELSE (SELECT coalesce(sum(z.r) - sum(z.s), 0)
                                     FROM unnest(m.received_days[1:day - m.month], m.sent_days[1:day - m.month]) AS z (r, s)) END), 0)
      INTO net
      FROM user_monthly_totals m WHERE m.user_id = account AND m.month < day;
    RETURN net + CASE WHEN row_day < day THEN row_net ELSE 0 END;
  END IF;
  SELECT coalesce(sum(CASE WHEN m.month >= day THEN m.received - m.sent
                           ELSE (SELECT coalesce(sum(z.r) - sum(z.s), 0)
                                   FROM unnest(m.received_days[day - m.month + 1:31], m.sent_days[day - m.month + 1:31]) AS z (r, s)) END), 0)
    INTO net
    FROM user_monthly_totals m WHERE m.user_id = account AND m.month >= date_trunc('month', day);
  RETURN balance - net - CASE WHEN row_day >= day THEN row_net ELSE 0 END;
END
$$;
COMMENT ON FUNCTION pgbank_private.balance_before_day(uuid, date) IS
  'Helper: an account''s balance from effective transactions stamped before a UTC day, from the totals (no ledger rows read)';
