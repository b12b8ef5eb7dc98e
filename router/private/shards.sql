-- The shards this router routes to: number and libpq connection string, from the SQL/MED server pgbank_shards.
CREATE OR REPLACE FUNCTION pgbank_router.shards()
RETURNS TABLE (shard int, connstr text)
LANGUAGE sql
STABLE
AS $$
  SELECT substr(o.k, 2)::int, o.v
    FROM pg_foreign_server s
   CROSS JOIN LATERAL (SELECT split_part(x, '=', 1) AS k, substr(x, strpos(x, '=') + 1) AS v FROM unnest(s.srvoptions) x) o
   WHERE s.srvname = 'pgbank_shards' AND o.k ~ '^p[0-9]+$'
   ORDER BY 1
$$;
COMMENT ON FUNCTION pgbank_router.shards() IS 'The router''s shards: partition number and libpq connection string (delivery worker, npm run shards -- down)';
