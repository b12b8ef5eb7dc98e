// Exact decimal arithmetic on numeric text (PostgreSQL's output form), for amounts: never a JS number.

interface Scaled { units: bigint; scale: number }

function parse(text: string): Scaled {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const fraction = m[3] ?? '';
  const units = BigInt(m[2]! + fraction);
  return { units: m[1] ? -units : units, scale: fraction.length };
}

function align(a: Scaled, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const text = scale ? `${whole}.${digits.slice(digits.length - scale)}` : whole;
  return negative ? `-${text}` : text;
}

/** a - b, with the larger of their scales ('43.75' - '74.00' = '-30.25'). */
export function subtract(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return format(align(x, scale) - align(y, scale), scale);
}

/** -1, 0 or 1 as |a| compares with |b|, ignoring scale ('30.25' and '-30.250' are equal). */
export function compareMagnitude(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const ax = align(x, scale);
  const ay = align(y, scale);
  const mx = ax < 0n ? -ax : ax;
  const my = ay < 0n ? -ay : ay;
  return mx === my ? 0 : mx < my ? -1 : 1;
}

/** True when the text is zero (0, 0.00, -0.0). */
export const isZero = (a: string) => parse(a).units === 0n;
