-- Sum of a user's effective transactions in one or two ranges each within one UTC day, read from those days' partitions only.
CREATE OR REPLACE FUNCTION pgbank_private.sum_partial_days(
  user_id uuid, direction text, first_start timestamptz, first_end timestamptz,
  second_start timestamptz DEFAULT NULL, second_end timestamptz DEFAULT NULL)
RETURNS numeric
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  -- Naming the partition skips planning over the parent's ~1,450 partitions (2-3x faster). With
  -- no partition by the expected name, the parent answers, which is always right.
  -- direction is 'sender' or 'receiver' (checked by the caller), quoted by %I all the same.
  part_sql text := 'SELECT amount FROM %s WHERE %I = $1 AND ts >= $%s AND ts < $%s AND status = ''success''';
  query    text := format(part_sql, coalesce(pgbank_private.partition_for_day((first_start AT TIME ZONE 'UTC')::date),
                                             'pgbank.transactions'::regclass), direction, 2, 3);
  result   numeric;
BEGIN
  IF second_start IS NOT NULL THEN
    query := query || ' UNION ALL ' || format(part_sql, coalesce(pgbank_private.partition_for_day((second_start AT TIME ZONE 'UTC')::date),
                                                                 'pgbank.transactions'::regclass), direction, 4, 5);
  END IF;
  EXECUTE 'SELECT coalesce(sum(amount), 0) FROM (' || query || ') AS parts' INTO result
    USING user_id, first_start, first_end, second_start, second_end;
  RETURN result;
END
$$;
COMMENT ON FUNCTION pgbank_private.sum_partial_days(uuid, text, timestamptz, timestamptz, timestamptz, timestamptz) IS
  'Helper: a user''s effective transactions as ''sender'' or ''receiver'' in [first_start, first_end) and [second_start, second_end), each within one UTC day, from those days'' partitions';
