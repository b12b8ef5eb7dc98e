-- pg_cron job: copies each day that is over into pgbank.history_copy and sets a trigger on its partition that keeps the copy equal.
CREATE OR REPLACE PROCEDURE pgbank_private.copy_closed_days(max_days int DEFAULT NULL)
LANGUAGE plpgsql
-- No SET clause: a procedure with one cannot COMMIT. Names are schema-qualified instead.
AS $$
DECLARE
  today   date := (now() AT TIME ZONE 'UTC')::date;
  day     date;
  part    regclass;
  copied  int := 0;
BEGIN
  IF max_days < 0 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('copy_closed_days: max_days %s is below 0', max_days);
  END IF;
  LOOP
    -- One day per transaction; the state row's lock keeps two copiers apart.
    SELECT coalesce(s.copied_until,
                    (SELECT min(to_date(substring(c.relname FROM '_p(\d{4}_\d{2}_\d{2})$'), 'YYYY_MM_DD'))
                       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                      WHERE i.inhparent = 'pgbank.transactions'::regclass))
      INTO day FROM pgbank.history_copy_state s FOR UPDATE;
    EXIT WHEN day IS NULL OR day >= today OR copied >= max_days;
    part := pgbank_private.partition_for_day(day);
    IF part IS NOT NULL THEN
      -- The triggers first: CREATE TRIGGER waits for the writers of the partition to end and holds
      -- back new ones until this commits, so the copy below sees every row and misses no change.
      -- Not for long: a writer left open on the day would queue every later one behind this, so
      -- after 5 s the day waits for the next run.
      BEGIN
        PERFORM set_config('lock_timeout', '5s', true);
        EXECUTE format('CREATE OR REPLACE TRIGGER transactions_keep_history_copy AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION pgbank_private.keep_history_copy(%L)', part, day);
      EXCEPTION WHEN lock_not_available THEN
        RAISE NOTICE 'copy_closed_days: % is still being written to; its copy waits for the next run', part;
        EXIT;
      END;
      EXECUTE format('CREATE OR REPLACE TRIGGER transactions_truncate_history_copy AFTER TRUNCATE ON %s '
                     'FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.keep_history_copy(%L)', part, day);
      -- ALWAYS: bulk loaders and subscribers (session_replication_role = replica) write here too.
      EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER transactions_keep_history_copy, '
                     'ENABLE ALWAYS TRIGGER transactions_truncate_history_copy', part);
      EXECUTE format('INSERT INTO pgbank.history_copy (account, ts, id, sent, counterparty, amount, status, reason, metadata, reverses) '
                     'SELECT s.account, t.ts, t.id, s.sent, s.counterparty, t.amount, t.status, t.reason, t.metadata, t.reverses '
                     '  FROM %s t, LATERAL pgbank_private.ledger_sides(t.sender, t.receiver) s', part);
    END IF;
    UPDATE pgbank.history_copy_state SET copied_until = day + 1;
    copied := copied + 1;
    COMMIT;
  END LOOP;
  IF copied > 0 THEN
    ANALYZE pgbank.history_copy;
  END IF;
  COMMIT;
END
$$;
COMMENT ON PROCEDURE pgbank_private.copy_closed_days(int) IS
  'pg_cron job: copies every UTC day before today not yet copied (at most max_days) into pgbank.history_copy, for history()';
