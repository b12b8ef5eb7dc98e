// A parser of pgoutput's logical replication messages (protocol version 1), as pg_logical_slot_peek_binary_changes returns them.
// https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html

/** A column value in text form; null for SQL NULL; undefined for an unchanged TOASTed value (not sent). */
export type Value = string | null | undefined;

export interface Relation {
  id: number;
  schema: string;
  name: string;
  columns: string[];
}

export type Message =
  | { type: 'begin'; finalLsn: bigint; commitTime: bigint; xid: number }
  | { type: 'commit'; commitLsn: bigint; endLsn: bigint; commitTime: bigint }
  | { type: 'relation'; relation: Relation }
  | { type: 'insert'; relationId: number; row: Value[] }
  | { type: 'update'; relationId: number; old: Value[] | null; row: Value[] }
  | { type: 'delete'; relationId: number; old: Value[] }
  | { type: 'truncate'; relationIds: number[] }
  | { type: 'other'; tag: string };

/** Parse one message. Throws on a malformed one (a protocol this parser doesn't know). */
export function parseMessage(buf: Buffer): Message {
  let at = 0;
  const byte = () => String.fromCharCode(buf[at++]!);
  const int16 = () => { const v = buf.readInt16BE(at); at += 2; return v; };
  const int32 = () => { const v = buf.readInt32BE(at); at += 4; return v; };
  const uint32 = () => { const v = buf.readUInt32BE(at); at += 4; return v; };
  const int64 = () => { const v = buf.readBigInt64BE(at); at += 8; return v; };
  const cstring = () => {
    const end = buf.indexOf(0, at);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = buf.toString('utf8', at, end);
    at = end + 1;
    return s;
  };
  const tuple = (): Value[] => {
    const n = int16();
    const values: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const kind = byte();
      if (kind === 'n') values[i] = null;
      else if (kind === 'u') values[i] = undefined;
      else if (kind === 't') {
        const len = int32();
        values[i] = buf.toString('utf8', at, at + len);
        at += len;
      } else throw new Error(`pgoutput: unknown column kind ${JSON.stringify(kind)}`);
    }
    return values;
  };
  const tag = byte();
  switch (tag) {
    case 'B': return { type: 'begin', finalLsn: int64(), commitTime: int64(), xid: uint32() };
    case 'C': {
      at++;  // flags (unused)
      return { type: 'commit', commitLsn: int64(), endLsn: int64(), commitTime: int64() };
    }
    case 'R': {
      const id = uint32();
      const schema = cstring();
      const name = cstring();
      at++;  // replica identity setting
      const n = int16();
      const columns: string[] = [];
      for (let i = 0; i < n; i++) {
        at++;  // flags (part of the key)
        columns.push(cstring());
        at += 8;  // type oid, type modifier
      }
      return { type: 'relation', relation: { id, schema, name, columns } };
    }
    case 'I': {
      const relationId = uint32();
      if (byte() !== 'N') throw new Error('pgoutput: insert without a new tuple');
      return { type: 'insert', relationId, row: tuple() };
    }
    case 'U': {
      const relationId = uint32();
      let kind = byte();
      let old: Value[] | null = null;
      if (kind === 'K' || kind === 'O') {
        old = tuple();
        kind = byte();
      }
      if (kind !== 'N') throw new Error('pgoutput: update without a new tuple');
      return { type: 'update', relationId, old, row: tuple() };
    }
    case 'D': {
      const relationId = uint32();
      byte();  // K or O
      return { type: 'delete', relationId, old: tuple() };
    }
    case 'T': {
      const n = int32();
      at++;  // options
      const relationIds: number[] = [];
      for (let i = 0; i < n; i++) relationIds.push(uint32());
      return { type: 'truncate', relationIds };
    }
    default:
      return { type: 'other', tag };  // origin, type, logical message: nothing for us
  }
}

/** An LSN in PostgreSQL's text form (0/16B3748). */
export function lsnText(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** A pgoutput timestamp (microseconds since 2000-01-01 UTC) as ISO 8601 with microseconds. */
export function pgTime(micros: bigint): string {
  const unixMicros = micros + 946_684_800_000_000n;
  const ms = unixMicros / 1000n;
  const extra = String(((unixMicros % 1000n) + 1000n) % 1000n).padStart(3, '0');
  return new Date(Number(ms)).toISOString().replace('Z', `${extra}Z`);
}
