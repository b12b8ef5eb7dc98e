// The schema snapshot: pg_dump of pgbank's schemas, compared with tests/schema.snapshot.sql.
import path from 'node:path';
import { $ } from 'zx';
import type { DbSettings } from '../../src/config.ts';
import { ROOT } from '../../src/paths.ts';

export const SNAPSHOT = path.join(ROOT, 'tests', 'schema.snapshot.sql');

/** pg_dump of pgbank's schemas without the daily partitions (their names follow the calendar). */
export async function schemaDump(s: DbSettings): Promise<string> {
  const out = await $({ quiet: true, env: { ...process.env, PGPASSWORD: s.password ?? '' } })`pg_dump --schema-only \
    -h ${s.host} -p ${s.port} -U ${s.user} -d ${s.database} -n pgbank -n pgbank_private --exclude-table=pgbank.transactions_p*`;
  return out.stdout.split('\n')
    // comments, session settings and pg_dump's random \restrict key vary from run to run
    .filter((l) => !/^(--|SET |SELECT pg_catalog.set_config|\\(un)?restrict )/.test(l))
    .join('\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}
