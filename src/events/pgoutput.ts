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
  const r = new Reader(buf);
  const tag = r.byte();
  switch (tag) {
    case 'B': return { type: 'begin', finalLsn: r.int64(), commitTime: r.int64(), xid: r.uint32() };
    case 'C': {
      r.skip(1);  // flags (unused)
      return { type: 'commit', commitLsn: r.int64(), endLsn: r.int64(), commitTime: r.int64() };
    }
    case 'R': {
      const id = r.uint32();
      const schema = r.cstring();
      const name = r.cstring();
      r.skip(1);  // replica identity setting
      const n = r.int16();
      const columns: string[] = [];
      for (let i = 0; i < n; i++) {
        r.skip(1);  // flags (part of the key)
        columns.push(r.cstring());
        r.skip(8);  // type oid, type modifier
      }
      return { type: 'relation', relation: { id, schema, name, columns } };
    }
    case 'I': {
      const relationId = r.uint32();
      if (r.byte() !== 'N') throw new Error('pgoutput: insert without a new tuple');
      return { type: 'insert', relationId, row: r.tuple() };
    }
    case 'U': {
      const relationId = r.uint32();
      let kind = r.byte();
      let old: Value[] | null = null;
      if (kind === 'K' || kind === 'O') {
        old = r.tuple();
        kind = r.byte();
      }
      if (kind !== 'N') throw new Error('pgoutput: update without a new tuple');
      return { type: 'update', relationId, old, row: r.tuple() };
    }
    case 'D': {
      const relationId = r.uint32();
      r.byte();  // K or O
      return { type: 'delete', relationId, old: r.tuple() };
    }
    case 'T': {
      const n = r.int32();
      r.skip(1);  // options
      const relationIds: number[] = [];
      for (let i = 0; i < n; i++) relationIds.push(r.uint32());
      return { type: 'truncate', relationIds };
    }
    default:
      return { type: 'other', tag };  // origin, type, logical message: nothing for us
  }
}

// A cursor over one message (a class, not closures made per message: the publisher parses thousands a second).
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  skip(bytes: number): void { this.at += bytes; }
  byte(): string { return String.fromCharCode(this.buf[this.at++]!); }
  int16(): number { const v = this.buf.readInt16BE(this.at); this.at += 2; return v; }
  int32(): number { const v = this.buf.readInt32BE(this.at); this.at += 4; return v; }
  uint32(): number { const v = this.buf.readUInt32BE(this.at); this.at += 4; return v; }
  int64(): bigint { const v = this.buf.readBigInt64BE(this.at); this.at += 8; return v; }
  cstring(): string {
    const end = this.buf.indexOf(0, this.at);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.at, end);
    this.at = end + 1;
    return s;
  }
  tuple(): Value[] {
    const n = this.int16();
    const values: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const kind = this.byte();
      if (kind === 'n') values[i] = null;
      else if (kind === 'u') values[i] = undefined;
      else if (kind === 't') {
        const len = this.int32();
        values[i] = this.buf.toString('utf8', this.at, this.at + len);
        this.at += len;
      } else throw new Error(`pgoutput: unknown column kind ${JSON.stringify(kind)}`);
    }
    return values;
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
