// Shared pieces of the benchmarks: latency percentiles and markdown tables.

/** A benchmark module's default export: runs, returns markdown (tables and a line of notes). */
export type Bench = () => Promise<string>;

/** Percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A markdown table from a header and rows of cells. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Run `call` from `clients` concurrent loops for `seconds`; latencies in ms and calls/s. */
export async function load(clients: number, seconds: number, call: (client: number, i: number) => Promise<unknown>):
  Promise<{ latenciesMs: number[]; perSecond: number }> {
  const latenciesMs: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const t0 = performance.now();
      await call(client, i);
      latenciesMs.push(performance.now() - t0);
    }
  }));
  return { latenciesMs, perSecond: latenciesMs.length / ((performance.now() - started) / 1000) };
}

export const ms = (x: number) => x.toFixed(x < 1 ? 3 : 2);
export const ratio = (x: number) => `${x.toFixed(2)}×`;
