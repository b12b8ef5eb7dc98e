#!/usr/bin/env tsx
// Back up the formation of `npm run cluster` to its pgBackRest repository.
//   npm run backup                  # incremental (full when the repository has none)
//   npm run backup -- --type full   # full, incr or diff
// Options: --dir DIR (default /var/lib/postgresql/pgbank-ha). Restore: docs/operations.md.
import { parseArgs } from 'node:util';
import { BACKUP_TYPES, takeBackup, type BackupType } from './cluster/backup.ts';
import { DEFAULT_DIR, readState } from './cluster/formation.ts';
import { main } from './lib/cli.ts';

await main('backup', async () => {
  const { values } = parseArgs({
    options: { dir: { type: 'string', default: process.env.PGBANK_HA_DIR ?? DEFAULT_DIR }, type: { type: 'string', default: 'incr' } },
  });
  const type = values.type as BackupType;
  if (!BACKUP_TYPES.includes(type)) throw new Error(`--type must be one of ${BACKUP_TYPES.join(', ')} (got ${JSON.stringify(values.type!.slice(0, 50))})`);
  if (process.getuid?.() !== 0) throw new Error('run as root: pgBackRest runs as the postgres OS user, started from here');
  const state = readState(values.dir);
  if (!state) throw new Error(`no formation in ${values.dir} (npm run cluster -- up)`);
  const b = takeBackup(state, type);
  console.log(`backup ${b.label} (${b.type}): database ${(b.sizeBytes / 2 ** 20).toFixed(1)} MB, ` +
    `repository +${(b.repoBytes / 2 ** 20).toFixed(1)} MB, ${b.seconds.toFixed(1)} s, ${b.mbPerSecond.toFixed(1)} MB/s`);
});
