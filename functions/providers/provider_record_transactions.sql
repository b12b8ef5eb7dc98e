-- Records a batch of incoming provider transactions (the bridge's messages) in one statement; returns the messages it did not record: duplicates, and rejects with their reason.
CREATE OR REPLACE FUNCTION pgbank.provider_record_transactions(
  message_ids  text[],
  provider_ids text[],
  amounts      text[])
RETURNS TABLE (message_position int, outcome text, transaction_id bigint, error_code text, reason text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
-- A plan made for this batch's arrays: the generic plan (used after five calls in a session)
-- guesses at their size and was 4 times slower.
SET plan_cache_mode = force_custom_plan
AS $$
-- provider_ids and amounts are text, as they appear in the message, so that one bad element
-- rejects its own message (with a SQLSTATE and a reason) instead of failing the whole batch.
-- A message_id already recorded (earlier or in this batch) makes the message a duplicate: the
-- first one counts, the others change nothing.
DECLARE
  -- A JSON number: sign, integer part without leading zeros, fraction, exponent (at most 4
  -- digits, so the cast to numeric below cannot overflow).
  number_pattern constant text := '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]{1,4})?$';
  max_length     constant int := 1000;  -- characters of a value as sent: '1.' and 990 zeros is still 1.00
  max_decimals   constant int := 2;     -- money has cents: more decimals that are not zeros are refused, never rounded
  max_abs        constant numeric := pgbank_private.max_amount();
  max_message_id constant int := 255;   -- bytes: an AMQP message_id (shortstr) is never longer
BEGIN
  IF message_ids IS NULL OR provider_ids IS NULL OR amounts IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004',
      MESSAGE = format('provider_record_transactions: %s must not be NULL',
        concat_ws(', ', CASE WHEN message_ids IS NULL THEN 'message_ids' END,
                        CASE WHEN provider_ids IS NULL THEN 'provider_ids' END,
                        CASE WHEN amounts IS NULL THEN 'amounts' END)),
      HINT = 'pass empty arrays for an empty batch, and NULL elements of message_ids for messages without one';
  END IF;
  IF coalesce(array_ndims(message_ids), 1) <> 1 OR coalesce(array_ndims(provider_ids), 1) <> 1
     OR coalesce(array_ndims(amounts), 1) <> 1
     OR cardinality(message_ids) <> cardinality(provider_ids) OR cardinality(message_ids) <> cardinality(amounts) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('provider_record_transactions: the arrays must be one-dimensional and of one length, got %s message_ids, %s provider_ids, %s amounts',
                       cardinality(message_ids), cardinality(provider_ids), cardinality(amounts)),
      HINT = 'element i of each array describes message i';
  END IF;

  RETURN QUERY
  WITH input AS (
    SELECT u.n::int AS pos, nullif(u.mid, '') AS mid, u.pid_text, u.amount_text,
           u.pid_text ~ '^-?[0-9]+$' AS pid_is_integer,
           length(u.amount_text) <= max_length AND u.amount_text ~ number_pattern AS amount_is_number
      FROM unnest(message_ids, provider_ids, amounts) WITH ORDINALITY AS u(mid, pid_text, amount_text, n)
  ),
  parsed AS (
    SELECT i.*,
           CASE WHEN i.pid_is_integer AND length(i.pid_text) <= 30 AND i.pid_text::numeric BETWEEN 1 AND 9223372036854775807
                THEN i.pid_text::bigint END AS pid,
           CASE WHEN i.amount_is_number THEN i.amount_text::numeric END AS amount
      FROM input i
  ),
  checked AS (  -- the first problem of each message, if any; every value quoted is cut (pgbank_private.shown)
    SELECT p.pos, p.mid, p.pid, p.amount,
           CASE
             WHEN d.id IS NOT NULL AND abs(p.amount) <= max_abs AND scale(trim_scale(p.amount)) <= max_decimals
                  AND (octet_length(p.mid) <= max_message_id) IS NOT FALSE
               THEN NULL  -- the usual case, decided in one test
             WHEN octet_length(p.mid) > max_message_id
               THEN ARRAY['22023', format('message_id %s is too long: at most %s bytes', pgbank_private.shown(p.mid), max_message_id)]
             WHEN p.pid_text IS NULL THEN ARRAY['22004', 'provider id is missing']
             WHEN NOT p.pid_is_integer
               THEN ARRAY['22P02', format('provider id %s is not an integer', pgbank_private.shown(p.pid_text))]
             WHEN d.id IS NULL THEN ARRAY['P0002', format('unknown provider %s', pgbank_private.shown(p.pid_text))]
             WHEN p.amount_text IS NULL THEN ARRAY['22004', 'value is missing']
             WHEN length(p.amount_text) > max_length
               THEN ARRAY['22023', format('value %s is too long: at most %s characters', pgbank_private.shown(p.amount_text), max_length)]
             WHEN lower(ltrim(p.amount_text, '+-')) IN ('nan', 'infinity', 'inf')
               THEN ARRAY['22023', format('value %L is not finite', p.amount_text)]
             WHEN NOT p.amount_is_number
               THEN ARRAY['22P02', format('value %s is not a decimal number', pgbank_private.shown(p.amount_text))]
             WHEN abs(p.amount) > max_abs
               THEN ARRAY['22023', format('value %s is out of range: at most %s either way', pgbank_private.shown(p.amount_text), max_abs)]
             WHEN scale(trim_scale(p.amount)) > max_decimals
               THEN ARRAY['22023', format('value %s has more than %s decimal places', pgbank_private.shown(p.amount_text), max_decimals)]
           END AS problem
      FROM parsed p
      LEFT JOIN initial_data d ON d.id = p.pid
  ),
  numbered AS (  -- ids drawn up front (in message order) so each inserted row maps back to its message
    SELECT c.*, nextval('historical_transactions_id_seq') AS new_id
      FROM checked c
     WHERE c.problem IS NULL
  ),
  inserted AS (
    INSERT INTO historical_transactions AS h (id, provider_id, transaction_value, message_id)
    -- Money has exactly 2 decimals whatever scale was sent ('600' and '600.000' are 600.00).
    SELECT n.new_id, n.pid, round(n.amount, 2), n.mid
      FROM numbered n
     ORDER BY n.pos
    ON CONFLICT (message_id) DO NOTHING
    RETURNING h.id, h.message_id
  )
  -- Only the messages that were not recorded: a batch of good messages returns nothing.
  SELECT c.pos,
         CASE WHEN c.problem IS NOT NULL THEN 'rejected' ELSE 'duplicate' END,
         CASE WHEN c.problem IS NULL  -- the row that counts: recorded by this batch, or earlier
              THEN coalesce(same_batch.id, (SELECT e.id FROM historical_transactions e WHERE e.message_id = n.mid)) END,
         c.problem[1],
         c.problem[2]
    FROM checked c
    LEFT JOIN numbered n ON n.pos = c.pos
    LEFT JOIN inserted mine ON mine.id = n.new_id
    LEFT JOIN inserted same_batch ON same_batch.message_id = n.mid
   WHERE mine.id IS NULL
   ORDER BY c.pos;
END
$$;
COMMENT ON FUNCTION pgbank.provider_record_transactions(text[], text[], text[]) IS
  'Records message i = (message_ids[i], provider_ids[i], amounts[i]) in pgbank.historical_transactions, all in one statement; returns a row per message NOT recorded: duplicate (its message_id was recorded before; transaction_id = that row) or rejected (error_code = SQLSTATE, reason)';
REVOKE ALL ON FUNCTION pgbank.provider_record_transactions(text[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.provider_record_transactions(text[], text[], text[]) TO pgbank_app;
