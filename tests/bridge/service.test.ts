// What the long-running services share at start (src/bridge/service.ts): an unhandled rejection ends
// the process, unless it is postgres.js failing a connection of a pool that was ended.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('a postgres.js connection error nobody awaits is logged and survived; any other unhandled rejection exits 1', async () => {
  const file = path.join(tmpdir(), `pgbank-service-${process.pid}.mts`);
  await writeFile(file, `
    import { jsonLog } from ${JSON.stringify(path.join(ROOT, 'src/bridge/log.ts'))};
    import { startService } from ${JSON.stringify(path.join(ROOT, 'src/bridge/service.ts'))};
    import { connect } from ${JSON.stringify(path.join(ROOT, 'src/db.ts'))};
    const log = jsonLog();
    startService(log, () => ({}));
    const sql = connect({ database: 'postgres', max: 1, name: 'pgbank-test-service' });
    const failed = sql\`select pg_sleep(5)\`.then(() => null, (e) => e);
    await new Promise((r) => setTimeout(r, 300));
    await sql.end({ timeout: 0 });
    const err = await failed;
    log('info', 'query_failed', { code: err?.code });
    void Promise.reject(err);  // as postgres.js's own promises do
    await new Promise((r) => setTimeout(r, 300));
    log('info', 'alive');
    void Promise.reject(new Error('a bug of ours'));
    await new Promise((r) => setTimeout(r, 300));
    log('info', 'still_alive');
  `);
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const [code] = await once(child, 'exit');
    const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; level: string; code?: string });
    assert.equal(events.map((e) => [e.level, e.event]), [
      ['info', 'query_failed'], ['warn', 'postgres_driver_error'], ['info', 'alive'], ['error', 'unhandled_rejection'],
    ], out);
    assert.is(events[0]!.code, 'CONNECTION_DESTROYED');
    assert.is(code, 1);
  } finally {
    await rm(file, { force: true });
  }
});

test.run();
