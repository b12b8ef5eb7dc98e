// src/config.ts and src/db.ts: DATABASE_URL naming several servers (a pg_auto_failover formation):
// parsing, and a client that walks the list to the first primary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dbSettings } from '../src/config.ts';
import { connect } from '../src/db.ts';
import { freePorts } from '../scripts/cluster/formation.ts';

const env = (DATABASE_URL: string) => ({ DATABASE_URL });

test('a host list with target_session_attrs', () => {
  const s = dbSettings({}, env('postgres://app:s%40cret@10.0.0.1:5433,db2.example:5434/pgbank?target_session_attrs=read-write'));
  assert.equal(s.hosts, [{ host: '10.0.0.1', port: 5433 }, { host: 'db2.example', port: 5434 }]);
  assert.is(s.host, '10.0.0.1');
  assert.is(s.port, 5433);
  assert.is(s.database, 'pgbank');
  assert.is(s.user, 'app');
  assert.is(s.password, 's@cret');
  assert.is(s.targetSessionAttrs, 'read-write');
  assert.equal(dbSettings({}, env('postgres://h1,h2:6000/x')).hosts, [{ host: 'h1', port: 5432 }, { host: 'h2', port: 6000 }]);
});

test('one host parses as before', () => {
  const s = dbSettings({}, env('postgres://u@db:6543/ledger'));
  assert.equal(s, { host: 'db', port: 6543, database: 'ledger', user: 'u' });
  assert.equal(dbSettings({}, {}), { host: '127.0.0.1', port: 5432, database: 'pgbank', user: 'postgres' });
});

test('an explicit host or port means that one server; a database override keeps the list', () => {
  const url = env('postgres://h1:1,h2:2/db?target_session_attrs=primary');
  assert.is(dbSettings({ port: 7000 }, url).hosts, undefined);
  assert.is(dbSettings({ host: 'x' }, url).hosts, undefined);
  assert.equal(dbSettings({ database: 'other' }, url).hosts, [{ host: 'h1', port: 1 }, { host: 'h2', port: 2 }]);
});

test('bad lists and attributes are named', () => {
  assert.throws(() => dbSettings({}, env('postgres://h1:1,h2:99999/db')), /a port of DATABASE_URL is not a port number: "99999"/);
  assert.throws(() => dbSettings({}, env('postgres://h1:1,,h2/db')), /empty host/);
  assert.throws(() => dbSettings({}, env('postgres://h/db?target_session_attrs=writable')),
    /target_session_attrs in DATABASE_URL must be one of any, read-write, .* \(got "writable"\)/);
  assert.throws(() => dbSettings({}, { PGTARGETSESSIONATTRS: 'x' }), /PGTARGETSESSIONATTRS must be one of/);
});

test('a client skips a dead server and finds the primary', async () => {
  const [dead] = await freePorts(1);
  const s = dbSettings({}, { DATABASE_URL: `postgres://postgres@127.0.0.1:${dead},127.0.0.1:5432/postgres?target_session_attrs=read-write` });
  const sql = connect({ ...s, max: 1, name: 'pgbank-test-ha-config' });
  try {
    const [row] = await sql<{ port: string; recovery: boolean }[]>`select current_setting('port') as port, pg_is_in_recovery() as recovery`;
    assert.equal(row, { port: '5432', recovery: false });
  } finally {
    await sql.end();
  }
});

test.run();
