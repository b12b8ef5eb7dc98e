// docker-compose.yml and docker/: the file validates (a broken copy doesn't), every service is wired as
// docs/docker.md says, and the PostgreSQL image is configured like scripts/system.sh. No database, no Docker engine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { YAML } from 'zx';
import { ROOT } from '../../src/paths.ts';

interface Service {
  build?: { context?: string; dockerfile?: string };
  image?: string;
  command?: string | string[];
  environment?: Record<string, string>;
  ports?: { published?: string | number; target?: number }[];
  volumes?: (string | { target?: string })[];
  healthcheck?: { test?: string | string[] };
  depends_on?: Record<string, { condition?: string }>;
}

const COMPOSE_FILE = 'docker-compose.yml';
const composeText = readFileSync(path.join(ROOT, COMPOSE_FILE), 'utf8');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

// An empty --env-file and an environment without the variables the file interpolates (nor
// COMPOSE_*): the defaults written in the file are what gets tested, not this shell's settings.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgbank-compose-'));
const emptyEnvFile = path.join(tmp, 'empty.env');
writeFileSync(emptyEnvFile, '');
const interpolated = new Set([...composeText.matchAll(/\$\{(\w+)/g)].map((m) => m[1]!));
const cleanEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([k]) => !interpolated.has(k) && !k.startsWith('COMPOSE_')));

/** Run docker-compose on the repository's file, or on `input` (stdin) resolved from the repository. */
function compose(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync('docker-compose', [
    '--project-directory', ROOT, '--env-file', emptyEnvFile,
    '-f', options.input === undefined ? COMPOSE_FILE : '-', ...args,
  ], { cwd: ROOT, input: options.input, env: { ...cleanEnv, ...options.env }, encoding: 'utf8' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('docker-compose is not installed: `bash scripts/system.sh` installs it (Debian package docker-compose)');
  }
  if (r.error) throw r.error;
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

let defaults: Record<string, Service> | undefined;
/** The resolved services (`docker-compose config`), with the file's defaults unless `env` is given. */
function services(env?: Record<string, string>): Record<string, Service> {
  if (!env && defaults) return defaults;
  const r = compose(['config'], { env });
  assert.ok(r.ok, `docker-compose config failed:\n${r.stderr}`);
  const parsed: Record<string, Service> = YAML.parse(r.stdout).services;
  if (!env) defaults = parsed;
  return parsed;
}

const service = (all: Record<string, Service>, name: string): Service => {
  const s = all[name];
  assert.ok(s, `service ${name} is missing`);
  return s;
};
const publishes = (s: Service, port: number) =>
  (s.ports ?? []).some((p) => Number(p.published) === port && Number(p.target) === port);
const words = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join(' ') : x ?? '');

/** name -> value of a postgresql.conf-style file (comments dropped, quotes removed). */
function pgSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const m = /^\s*([\w.]+)\s*=?\s*('(?:[^']|'')*'|[^\s#]+)/.exec(raw);
    if (m) settings.set(m[1]!.toLowerCase(), m[2]!.replace(/^'|'$/g, '').replaceAll("''", "'"));
  }
  return settings;
}

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('docker-compose validates the file', () => {
  const r = compose(['config', '-q']);
  assert.ok(r.ok, `docker-compose config -q rejected ${COMPOSE_FILE}:\n${r.stderr}`);
});

test('a broken copy of the file is rejected (the validation above can fail)', () => {
  assert.ok(compose(['config', '-q'], { input: composeText }).ok, 'the unchanged file, read from stdin, validates');
  const breakages: [string, RegExp, string][] = [
    ['unknown key', /^( {4})image: adminer$/m, '$1imagee: adminer'],
    ['bad depends_on condition', /condition: service_healthy/, 'condition: service_hapy'],
    ['ports not a list', /^( {2}bridge:)$/m, '$1\n    ports: 5'],
  ];
  for (const [what, from, to] of breakages) {
    const broken = composeText.replace(from, to);
    assert.is.not(broken, composeText, `${what}: the breakage applies to the file`);
    const r = compose(['config', '-q'], { input: broken });
    assert.not.ok(r.ok, `${what}: docker-compose accepted the broken file`);
    assert.match(r.stderr, /invalid|unsupported/i, `${what}: reported as invalid`);
  }
});

test('every service is there', () => {
  const listed = compose(['config', '--services']).stdout.split('\n').filter(Boolean);
  for (const name of ['postgres', 'keydb', 'rabbitmq', 'adminer', 'app', 'bridge']) {
    assert.ok(listed.includes(name), `service ${name} in ${listed.join(', ')}`);
  }
});

test('postgres: built from docker/postgres.Dockerfile, healthchecked, persistent, on 5432', () => {
  const pg = service(services(), 'postgres');
  assert.is(pg.build?.dockerfile, 'docker/postgres.Dockerfile');
  assert.is(pg.build?.context, ROOT);
  assert.ok(existsSync(path.join(ROOT, pg.build!.dockerfile!)), 'the Dockerfile exists (config does not check it)');
  assert.match(words(pg.healthcheck?.test), /pg_isready/);
  assert.ok((pg.volumes ?? []).some((v) => (typeof v === 'string' ? v.split(':')[1] : v.target) === '/var/lib/postgresql/data'),
    'PGDATA is on a volume');
  assert.ok(publishes(pg, 5432), 'port 5432');
  assert.ok(pg.environment?.POSTGRES_PASSWORD, 'POSTGRES_PASSWORD is set');
});

test('the PostgreSQL image has the extensions and the settings of scripts/system.sh', () => {
  const dockerfile = read('docker/postgres.Dockerfile');
  assert.match(dockerfile, /^FROM postgres:15-bookworm$/m);
  for (const pkg of ['partman', 'cron', 'plpgsql-check']) assert.match(dockerfile, `postgresql-$PG_MAJOR-${pkg}`);
  assert.match(dockerfile, /COPY docker\/postgres\/pgbank\.conf \/etc\/postgresql\/pgbank\.conf/);
  assert.match(dockerfile, /include '\/etc\/postgresql\/pgbank\.conf'.*postgresql\.conf\.sample/);

  const conf = pgSettings(read('docker/postgres/pgbank.conf'));
  const preload = (conf.get('shared_preload_libraries') ?? '').split(',').map((s) => s.trim());
  assert.ok(preload.includes('pg_cron'), `shared_preload_libraries = ${preload.join(',')}`);
  assert.is(conf.get('cron.database_name'), 'postgres');
  assert.is(conf.get('wal_level'), 'logical', 'change events decode the WAL (docs/events.md)');
  const minLocks = Number(/^MIN_LOCKS=(\d+)/m.exec(read('scripts/system.sh'))?.[1]);
  assert.ok(minLocks > 0, 'scripts/system.sh sets MIN_LOCKS');
  assert.ok(Number(conf.get('max_locks_per_transaction')) >= minLocks,
    `max_locks_per_transaction = ${conf.get('max_locks_per_transaction')}, scripts/system.sh wants >= ${minLocks}`);

  const init = read('docker/postgres/initdb/10-pg-cron.sh');
  assert.match(init, /create extension if not exists pg_cron/i);
  assert.match(dockerfile, /COPY docker\/postgres\/initdb\/ \/docker-entrypoint-initdb\.d\//);
});

test('app: waits for a healthy postgres, migrates then seeds, seed size overridable', () => {
  const app = service(services(), 'app');
  assert.is(app.build?.dockerfile, 'docker/app.Dockerfile');
  assert.ok(existsSync(path.join(ROOT, 'docker/app.Dockerfile')));
  assert.is(app.depends_on?.postgres?.condition, 'service_healthy');
  assert.is(app.environment?.PGHOST, 'postgres');
  assert.is(app.environment?.PGDATABASE, 'pgbank');
  assert.is(app.environment?.PGPASSWORD, service(services(), 'postgres').environment?.POSTGRES_PASSWORD);
  assert.is(app.environment?.SEED_USERS, '2000');
  assert.is(app.environment?.SEED_TRANSACTIONS, '3000000');

  const custom = service(services({ SEED_USERS: '5', SEED_TRANSACTIONS: '70' }), 'app');
  assert.is(custom.environment?.SEED_USERS, '5');
  assert.is(custom.environment?.SEED_TRANSACTIONS, '70');

  const cmd = /^CMD (.*)$/m.exec(read('docker/app.Dockerfile'))?.[1] ?? '';
  assert.match(cmd, /tsx scripts\/migrate\.ts && .*tsx scripts\/seed\.ts/, 'CMD migrates, then seeds only if that worked');
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', '.git']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
});

test('keydb, rabbitmq and adminer: images and ports', () => {
  const all = services();
  const keydb = service(all, 'keydb');
  assert.match(keydb.image ?? '', /^eqalpha\/keydb(:|$)/);
  assert.match(words(keydb.command), /--protected-mode no/);
  assert.ok(publishes(keydb, 6379), 'keydb on 6379');
  const rabbit = service(all, 'rabbitmq');
  assert.match(rabbit.image ?? '', /^rabbitmq:3-management/);
  assert.ok(publishes(rabbit, 5672) && publishes(rabbit, 15672), 'rabbitmq on 5672 and 15672');
  assert.ok(rabbit.healthcheck?.test, 'rabbitmq has a healthcheck');
  assert.ok(publishes(service(all, 'adminer'), 8080), 'adminer on 8080');
});

test('bridge: npm run bridge, once the brokers are healthy and the app is done', () => {
  const bridge = service(services(), 'bridge');
  assert.is(words(bridge.command), 'npm run bridge');
  assert.is(bridge.environment?.AMQP_URL, 'amqp://guest:guest@rabbitmq:5672');
  assert.is(bridge.environment?.REDIS_URL, 'redis://keydb:6379');
  assert.is(bridge.environment?.PGHOST, 'postgres');
  assert.is(bridge.depends_on?.rabbitmq?.condition, 'service_healthy');
  assert.is(bridge.depends_on?.keydb?.condition, 'service_healthy');
  assert.is(bridge.depends_on?.app?.condition, 'service_completed_successfully');
});

test.run();
