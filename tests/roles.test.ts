// Least privilege: pgbank_app may only EXECUTE the pgbank API functions; every API function is safe to grant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testDatabase, type TestDatabase } from './helpers/db.ts';

let db: TestDatabase;
test.before(async () => { db = await testDatabase('roles'); });
test.after(async () => db?.drop());

/** Run `statement` as pgbank_app; the SQLSTATE it fails with, or 'ok'. Nothing it does is kept. */
async function asApp(statement: string): Promise<string> {
  try {
    await db.sql.begin(async (tx) => {
      await tx`set local role pgbank_app`;
      await tx.unsafe(statement);
      throw Object.assign(new Error('rollback'), { code: 'ok' });
    });
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return 'ok';
}

test('direct SELECT/INSERT/UPDATE/DELETE on every pgbank table (and partition) fails with 42501', async () => {
  const tables = await db.sql<{ t: string; col: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as t,
           (select quote_ident(a.attname) from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               and a.attidentity <> 'a'  -- GENERATED ALWAYS: its UPDATE is refused (428C9) before privileges are checked
             order by a.attnum limit 1) as col
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('pgbank', 'pgbank_private', 'partman') and c.relkind in ('r', 'p') order by 1`;
  assert.ok(tables.length > 1400, `${tables.length} tables, partitions included`);
  const sample = tables.filter((_, i) => i % 50 === 0 || !/_p\d{4}_\d\d_\d\d$/.test(tables[i]!.t));
  for (const { t, col } of sample) {
    for (const stmt of [`select * from ${t} limit 1`, `insert into ${t} default values`, `update ${t} set ${col} = ${col}`, `delete from ${t}`]) {
      assert.is(await asApp(stmt), '42501', stmt);
    }
  }
});

test('pgbank_app can execute every API function, and no private or pg_partman function', async () => {
  const rows = await db.sql<{ fn: string; schema: string; app: boolean; pub: boolean }[]>`
    select p.oid::regprocedure::text as fn, n.nspname as schema,
           has_function_privilege('pgbank_app', p.oid, 'EXECUTE') as app,
           coalesce(bool_or(a.grantee = 0 and a.privilege_type = 'EXECUTE'), p.proacl is null) as pub
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      left join lateral aclexplode(p.proacl) a on true
     where n.nspname in ('pgbank', 'pgbank_private')
     group by p.oid, n.nspname order by 1`;
  assert.ok(rows.some((r) => r.fn.startsWith('pgbank.sum_amount(')));
  for (const r of rows) {
    assert.is(r.pub, false, `${r.fn} is not executable by PUBLIC`);
    assert.is(r.app, r.schema === 'pgbank', `${r.fn}: pgbank_app ${r.schema === 'pgbank' ? 'can' : 'cannot'} execute it`);
  }
  assert.is(await asApp(`select partman.run_maintenance()`), '42501');
  assert.is(await asApp(`select pgbank_private.run_maintenance()`), '42501');
  const [u] = await db.sql`insert into pgbank.users (name) values ('App') returning id`;
  assert.is(await asApp(`select * from pgbank.sum_amount('${u!.id}', '2024-01-01', '2024-02-01', 'sender')`), 'ok');
});

test('every API function is SECURITY DEFINER with a fixed search_path, pg_temp last', async () => {
  const rows = await db.sql<{ fn: string; secdef: boolean; config: string[] | null; comment: string | null }[]>`
    select p.oid::regprocedure::text as fn, p.prosecdef as secdef, p.proconfig as config,
           obj_description(p.oid, 'pg_proc') as comment
      from pg_proc p where p.pronamespace = 'pgbank'::regnamespace`;
  assert.ok(rows.length > 0);
  for (const r of rows) {
    assert.ok(r.secdef, `${r.fn} is SECURITY DEFINER`);
    const path = (r.config ?? []).find((c) => c.startsWith('search_path='));
    assert.ok(path && /pg_temp$/.test(path), `${r.fn} sets search_path with pg_temp last (got ${path})`);
    assert.ok(r.comment, `${r.fn} has a COMMENT`);
  }
});

test.run();
