// The slot read by the streaming replication protocol (START_REPLICATION … LOGICAL over a replication connection):
// PostgreSQL decodes each WAL record once and sends pgoutput messages as they commit; the position reported as
// flushed (what the slot keeps from) is ours to set, and we set it only to what the broker confirmed.
import type { Duplex } from 'node:stream';
import postgres from 'postgres';
import type { DbSettings } from '../config.ts';

export interface ReplicationStream {
  /** Each pgoutput message, in order (XLogData payloads). */
  onMessage(handler: (message: Buffer) => void): void;
  /** Report `lsn` as written and flushed: the slot's confirmed position moves there. */
  confirm(lsn: bigint): void;
  pause(): void;
  resume(): void;
  /** Rejects when the stream or its connection ends or fails. */
  closed: Promise<never>;
  end(): Promise<void>;
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/**
 * Open a replication connection and start streaming `slot` from its confirmed position. `idle()`
 * says whether everything received so far is confirmed: then a keepalive's position (the WAL the
 * server has decoded up to, none of it ours) is confirmed too, so the slot does not keep the WAL
 * other databases write while ours is quiet.
 */
export async function startReplication(db: DbSettings, slot: string, publication: string, name: string, idle: () => boolean): Promise<ReplicationStream> {
  if (!/^[a-z0-9_]{1,63}$/.test(slot)) throw new Error(`bad slot name ${JSON.stringify(slot)}`);
  const sql = postgres({
    host: db.host, port: db.port, database: db.database, username: db.user, password: db.password,
    max: 1, fetch_types: false, idle_timeout: 0, max_lifetime: 0, onnotice: () => {},
    connection: { application_name: name, replication: 'database' } as Record<string, string>,
  });
  let stream: Duplex;
  try {
    // 0/0: from the slot's confirmed position. Options are literals of the replication grammar.
    stream = (await sql.unsafe(
      `START_REPLICATION SLOT ${slot} LOGICAL 0/0 (proto_version '1', publication_names '${publication.replaceAll("'", "''")}')`,
    ).writable()) as unknown as Duplex;
  } catch (err) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw err;
  }
  let flushed = 0n;
  const closed = new Promise<never>((_, reject) => {
    stream.on('error', (err) => reject(err));
    stream.on('close', () => reject(new Error('the replication stream closed')));
    stream.on('end', () => reject(new Error('the replication stream ended')));
  });
  closed.catch(() => {});
  const status = () => {
    const b = Buffer.alloc(34);
    b[0] = 0x72;  // 'r': standby status update
    b.writeBigUInt64BE(flushed, 1);   // written
    b.writeBigUInt64BE(flushed, 9);   // flushed: the slot may forget what is before
    b.writeBigUInt64BE(flushed, 17);  // applied
    b.writeBigInt64BE(BigInt(Date.now() - PG_EPOCH_MS) * 1000n, 25);
    b[33] = 0;
    if (!stream.destroyed) stream.write(b);
  };
  // Keep the walsender from timing out while nothing is confirmed (wal_sender_timeout, 60 s).
  const timer = setInterval(status, 10_000);
  let handler: (message: Buffer) => void = () => {};
  stream.on('data', (x: Buffer) => {
    if (x[0] === 0x77) handler(x.subarray(25));            // 'w': XLogData, then the message
    else if (x[0] === 0x6b) {                              // 'k': keepalive (WAL end, time, reply wanted)
      const end = x.readBigUInt64BE(1);
      if (idle() && end > flushed) {
        flushed = end;
        status();
      } else if (x[17]) status();
    }
  });
  return {
    onMessage: (h) => (handler = h),
    confirm(lsn) {
      if (lsn > flushed) flushed = lsn;
      status();
    },
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    closed,
    async end() {
      clearInterval(timer);
      stream.destroy();
      await sql.end({ timeout: 0 }).catch(() => {});
    },
  };
}
