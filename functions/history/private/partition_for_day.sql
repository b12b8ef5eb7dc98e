-- The daily partition of pgbank.transactions that holds a UTC day, or NULL when there is none.
CREATE OR REPLACE FUNCTION pgbank_private.partition_for_day(day date)
RETURNS regclass
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
  -- pg_partman names daily partitions <parent>_pYYYY_MM_DD (part_config.datetime_string);
  -- tests/partitions.test.ts checks every name against its bounds.
  SELECT to_regclass(format('pgbank.%I', 'transactions_p' || to_char(day, 'YYYY_MM_DD')))
$$;
COMMENT ON FUNCTION pgbank_private.partition_for_day(date) IS
  'Helper: the daily partition of pgbank.transactions holding a UTC day (NULL if missing)';
