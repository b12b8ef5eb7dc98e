#!/usr/bin/env tsx
// SQL lint: plpgsql_check on every PL/pgSQL function of pgbank, in a freshly migrated database.
import { createDatabase, dropDatabase, connect } from '../src/db.ts';
import { migrate } from '../src/migrate.ts';

const database = `pgbank_lint_${process.pid}`;
await createDatabase(database);
let problems = 0;
try {
  await migrate({ database });
  const sql = connect({ database, max: 1, name: 'pgbank-lint' });
  try {
    await sql`create extension if not exists plpgsql_check`;
    const functions = await sql<{ oid: number; name: string; relid: number | null }[]>`
      select p.oid::int as oid, p.oid::regprocedure::text as name,
             -- a trigger function on no table yet (keep_history_copy goes on a day's partition once
             -- the day is copied) is checked against pgbank.transactions, whose columns it reads
             coalesce((select t.tgrelid::int from pg_trigger t where t.tgfoid = p.oid limit 1),
                      case when p.prorettype = 'trigger'::regtype then 'pgbank.transactions'::regclass::int end) as relid
        from pg_proc p join pg_language l on l.oid = p.prolang
       where l.lanname = 'plpgsql' and p.pronamespace::regnamespace::text in ('pgbank', 'pgbank_private')
       order by 2`;
    for (const f of functions) {
      const rows = await sql<{ level: string; message: string; lineno: number | null; detail: string | null }[]>`
        select level, message, lineno, detail
          from plpgsql_check_function_tb(${f.oid}::regprocedure, coalesce(${f.relid}::int, 0)::oid,
                                         extra_warnings := true, performance_warnings := false)`;
      for (const r of rows) {
        problems++;
        console.log(`${f.name}:${r.lineno ?? '?'}: ${r.level}: ${r.message}${r.detail ? ` (${r.detail})` : ''}`);
      }
    }
    console.log(`sql lint: ${functions.length} PL/pgSQL functions checked, ${problems} problems`);
  } finally {
    await sql.end();
  }
} finally {
  await dropDatabase(database);
}
if (problems) process.exit(1);
