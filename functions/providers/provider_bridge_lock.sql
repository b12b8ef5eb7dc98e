-- Takes the provider bridge's single-instance lock for one queue (a session advisory lock), or says which session holds it.
CREATE OR REPLACE FUNCTION pgbank.provider_bridge_lock(
  queue_name text,
  OUT acquired boolean,
  OUT holder_pid int,
  OUT holder_application text,
  OUT holder_address text,
  OUT holder_since timestamptz)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  -- Two-key advisory lock: (bridge, queue). Held by the calling session until it ends.
  lock_class int := hashtext('pgbank.provider_bridge');
  lock_queue int := hashtext(queue_name);
BEGIN
  IF queue_name IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'provider_bridge_lock: queue_name must not be NULL';
  END IF;
  IF queue_name = '' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('provider_bridge_lock: queue_name %L is empty', queue_name),
      HINT = 'pass the name of the queue the bridge consumes';
  END IF;

  SELECT l.pid, a.application_name, host(a.client_addr), a.backend_start
    INTO holder_pid, holder_application, holder_address, holder_since
    FROM pg_locks l
    LEFT JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = lock_class::oid AND l.objid = lock_queue::oid AND l.objsubid = 2;

  IF holder_pid = pg_backend_pid() THEN
    acquired := true;  -- already ours: asking again is the bridge's heartbeat, it takes nothing more
  ELSIF holder_pid IS NOT NULL THEN
    acquired := false;
  ELSE
    acquired := pg_try_advisory_lock(lock_class, lock_queue);
    IF acquired THEN
      SELECT pg_backend_pid(), a.application_name, host(a.client_addr), a.backend_start
        INTO holder_pid, holder_application, holder_address, holder_since
        FROM pg_stat_activity a WHERE a.pid = pg_backend_pid();
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank.provider_bridge_lock(text) IS
  'Single-instance lock of the provider bridge for a queue: acquired = true when this session holds it (taken now or before), else the holder''s pid, application, address and start';
REVOKE ALL ON FUNCTION pgbank.provider_bridge_lock(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.provider_bridge_lock(text) TO pgbank_app;
