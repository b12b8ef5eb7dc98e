// Prints a few user ids and real sum_amount calls, so a new user has something to try.
import type { Sql } from '../../src/db.ts';
import { sumAmount } from '../../src/api.ts';

export async function printSample(sql: Sql, users = 3): Promise<void> {
  const ids = await sql<{ id: string; name: string }[]>`select id, name from pgbank.users where id <> pgbank_private.world() order by id limit ${users}`;
  if (!ids.length) return;
  console.log('\nuser ids to try:');
  for (const u of ids) console.log(`  ${u.id}  ${u.name}`);
  const first = ids[0]!.id;
  console.log('\nsum_amount calls:');
  for (const [start, end, direction] of [
    ['2023-06-01T00:00:00', '2023-07-01T00:00:00', 'sender'],
    ['2024-01-01T00:00:00', '2025-01-01T00:00:00', 'receiver'],
    ['2023-01-01T00:00:00', new Date().toISOString().slice(0, 19), 'sender'],
  ] as const) {
    const r = await sumAmount(sql, first, start, end, direction);
    console.log(`  select * from pgbank.sum_amount('${first}', '${start}', '${end}', '${direction}');`);
    console.log(`    -> sum_amount ${r.sumAmount}, response_time_seconds ${r.responseTimeSeconds}`);
  }
}
