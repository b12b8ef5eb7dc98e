-- pg_cron job: expires holds past their deadline, one transaction per hold (so it never holds many locks at once).
CREATE OR REPLACE PROCEDURE pgbank_private.expire_holds(max_holds int DEFAULT 10000)
LANGUAGE plpgsql
-- No SET clause: a procedure with one cannot COMMIT. Names are schema-qualified instead.
AS $$
DECLARE
  due record;
BEGIN
  FOR due IN SELECT h.id FROM pgbank.holds h WHERE h.status = 'held' AND h.expires_at <= now()
              ORDER BY h.expires_at LIMIT max_holds LOOP
    PERFORM pgbank_private.finish_hold(due.id, 'expire');
    COMMIT;
  END LOOP;
END
$$;
COMMENT ON PROCEDURE pgbank_private.expire_holds(int) IS
  'pg_cron job: expires every hold past its deadline (the reconciliation of transfers not in a final state)';
