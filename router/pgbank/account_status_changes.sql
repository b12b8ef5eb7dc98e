-- Router: account_status_changes() on the account's shard
CREATE OR REPLACE FUNCTION pgbank.account_status_changes(account uuid)
RETURNS TABLE (id bigint, from_status text, to_status text, credits_frozen boolean, changed_by text, reason text,
               db_user text, changed_at timestamptz)
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(account);
  TARGET pgbank.account_status_changes;
$$;
COMMENT ON FUNCTION pgbank.account_status_changes(uuid) IS
  'Router: account_status_changes() on the account''s shard';
REVOKE ALL ON FUNCTION pgbank.account_status_changes(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.account_status_changes(uuid) TO pgbank_app;
