// Reads an incoming message body {"id": <provider id>, "value": <amount>} without turning numbers into JS numbers.
import { isLosslessNumber, parse } from 'lossless-json';
import { cut } from './cut.ts';

/** A message shaped like a transaction; its numbers are the exact JSON text ("600", "-12.35"). */
export interface TransactionMessage {
  ok: true;
  providerId: string;
  value: string;
}

/** A message that can't be a transaction: the SQLSTATE-style code and reason that go with it to the dead-letter queue. */
export interface RejectedMessage {
  ok: false;
  code: string;
  reason: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
// What Python's json.dumps writes for float('nan') / float('inf'): not JSON, but worth naming.
const NON_FINITE = /"value"\s*:\s*(-?Infinity|NaN)\b/;

/** A body longer than this is refused unread (BRIDGE_MAX_MESSAGE_BYTES): a provider message is ~40 bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4096;

/**
 * Shape checks only: not over `maxBytes`, UTF-8, JSON, an object, `id` and `value` present and
 * JSON numbers. Whether the id is a known provider and the value a finite amount in range is for
 * SQL to say (pgbank.provider_record_transactions), so it is said in one place. The size is
 * checked first, so a huge body costs nothing to refuse; every reason is at most a few hundred
 * characters, whatever the body.
 */
export function readTransactionMessage(body: Buffer, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): TransactionMessage | RejectedMessage {
  if (body.length > maxBytes) {
    return reject('22023', `body of ${body.length.toLocaleString('en-US')} bytes is over the limit of ${maxBytes.toLocaleString('en-US')} bytes`);
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return reject('22021', 'body is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const nonFinite = NON_FINITE.exec(text);
    if (nonFinite) return reject('22023', `value ${nonFinite[1]} is not finite`);
    if (err instanceof RangeError) return reject('22P02', 'malformed JSON: nested too deeply');  // the parser's stack overflowed
    return reject('22P02', `malformed JSON: ${cut((err as Error).message)}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || isLosslessNumber(doc)) {
    return reject('22P02', `the message must be a JSON object {"id": ..., "value": ...}, got ${describe(doc)}`);
  }
  const id = field(doc, 'id');
  const value = field(doc, 'value');
  if (id === undefined || id === null) return reject('22004', 'id is missing');
  if (!isLosslessNumber(id)) return reject('22P02', `id must be a JSON number, got ${describe(id)}`);
  if (value === undefined || value === null) return reject('22004', 'value is missing');
  if (!isLosslessNumber(value)) return reject('22P02', `value must be a JSON number, got ${describe(value)}`);
  return { ok: true, providerId: id.value, value: value.value };
}

// Own properties only: a "__proto__" key is data, never a way in.
const field = (doc: object, name: string): unknown => (Object.hasOwn(doc, name) ? (doc as Record<string, unknown>)[name] : undefined);

function reject(code: string, reason: string): RejectedMessage {
  return { ok: false, code, reason };
}

function describe(x: unknown): string {
  if (isLosslessNumber(x)) return `the number ${cut(x.value, 40)}`;
  if (Array.isArray(x)) return 'an array';
  if (x === null) return 'null';
  if (typeof x === 'string') return `the string ${cut(JSON.stringify(x), 40)}`;
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}
