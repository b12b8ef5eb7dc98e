// Splits a COPY ... TO STDOUT text stream into chunks of whole rows and decodes the last row's fields.
// In COPY text format every row ends with a raw '\n' and fields are separated by raw tabs: both are
// escaped (\n, \t) inside values, so row and field boundaries can be found without a parser.

const NEWLINE = 0x0a;
const TAB = 0x09;

export interface RowChunk {
  buffers: Buffer[];
  rows: number;
  /** The chunk's last row, without its newline; null when the chunk is empty. */
  lastRow: Buffer | null;
}

export class CopyRowReader {
  private readonly source: AsyncIterator<Buffer>;
  /** Bytes read from the source and not handed out yet (always starts at a row boundary). */
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Rows handed out so far. */
  rows = 0;
  /** The last complete row handed out, without its newline. */
  lastRow: Buffer | null = null;

  constructor(stream: AsyncIterable<Buffer>) {
    this.source = stream[Symbol.asyncIterator]();
  }

  /** True while at least one more row can be read. */
  async hasMore(): Promise<boolean> {
    while (!this.pending.length && !this.ended) await this.fill();
    return this.pending.length > 0;
  }

  /** Buffers holding the next `count` rows (fewer at the end of the stream), split only at row ends. */
  async *take(count: number): AsyncGenerator<Buffer> {
    let left = count;
    while (left > 0 && (await this.hasMore())) {
      const { bytes, rows } = this.cutRows(left);
      if (rows === 0) {
        // The pending bytes hold part of one row: read more before handing anything out.
        if (this.ended) throw new Error(`COPY stream ended inside a row (${this.pending.length} bytes without a newline)`);
        await this.fill();
        continue;
      }
      left -= rows;
      yield bytes;
    }
  }

  /** The next `count` rows (fewer at the end of the stream), read into memory. */
  async readChunk(count: number): Promise<RowChunk> {
    const buffers: Buffer[] = [];
    const before = this.rows;
    for await (const bytes of this.take(count)) buffers.push(bytes);
    const rows = this.rows - before;
    return { buffers, rows, lastRow: rows ? this.lastRow : null };
  }

  /** Up to `max` whole rows from the front of `pending`. */
  private cutRows(max: number): { bytes: Buffer; rows: number } {
    const buf = this.pending;
    let rows = 0;
    let end = 0; // just past the last newline taken
    let lastStart = 0;
    while (rows < max) {
      const newline = buf.indexOf(NEWLINE, end);
      if (newline < 0) break;
      lastStart = end;
      end = newline + 1;
      rows++;
    }
    if (rows === 0) return { bytes: buf.subarray(0, 0), rows };
    this.lastRow = buf.subarray(lastStart, end - 1);
    this.rows += rows;
    this.pending = buf.subarray(end);
    return { bytes: buf.subarray(0, end), rows };
  }

  private async fill(): Promise<void> {
    const step = await this.source.next();
    if (step.done) {
      this.ended = true;
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, step.value]) : step.value;
  }
}

/** The fields of one COPY text row, unescaped; `null` for \N. */
export function copyFields(row: Buffer): (string | null)[] {
  const fields: (string | null)[] = [];
  let start = 0;
  for (;;) {
    const tab = row.indexOf(TAB, start);
    const raw = row.toString('utf8', start, tab < 0 ? row.length : tab);
    fields.push(raw === '\\N' ? null : unescapeCopyText(raw));
    if (tab < 0) return fields;
    start = tab + 1;
  }
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Undo COPY TO's text escaping (\\, \n, \t, \r, \b, \f, \v: the only escapes it writes). */
export function unescapeCopyText(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(.)/gs, (_, code: string) => ESCAPES[code] ?? code);
}
