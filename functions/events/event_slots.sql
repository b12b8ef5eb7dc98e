-- The change-event slots of this database (npm run events): how far each has published, and how far behind the WAL it is.
CREATE OR REPLACE FUNCTION pgbank.event_slots()
RETURNS TABLE (slot_name text, active boolean, confirmed_flush_lsn pg_lsn, current_lsn pg_lsn, lag_bytes numeric, retained_bytes numeric)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
  -- lag_bytes: WAL written since the last change confirmed by the broker (0 when idle and caught up
  -- up to the WAL the server writes on its own); retained_bytes: WAL the slot keeps on disk.
  SELECT s.slot_name::text, s.active, s.confirmed_flush_lsn, pg_current_wal_lsn(),
         pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn),
         pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)
    FROM pg_replication_slots s
   WHERE s.database = current_database() AND s.plugin = 'pgoutput' AND s.slot_type = 'logical'
   ORDER BY s.slot_name
$$;
COMMENT ON FUNCTION pgbank.event_slots() IS
  'Logical slots (pgoutput) of this database, as npm run events uses them: confirmed position, WAL lag and WAL retained, in bytes';
REVOKE ALL ON FUNCTION pgbank.event_slots() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.event_slots() TO pgbank_app;
