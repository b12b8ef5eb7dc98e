-- Periodic upkeep, run by pg_cron: pg_partman keeps daily partitions 30 days ahead (in UTC).
CREATE OR REPLACE FUNCTION pgbank_private.run_maintenance()
RETURNS void
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
SET timezone = 'UTC'
AS $$
BEGIN
  PERFORM partman.run_maintenance(p_parent_table := 'pgbank.transactions', p_analyze := false, p_jobmon := false);
END
$$;
COMMENT ON FUNCTION pgbank_private.run_maintenance() IS
  'pg_cron job: creates the future daily partitions of pgbank.transactions (pg_partman)';
