// Entry-point helpers for scripts: one clean line on error (stack only with DEBUG=1), exit code 1.
export async function main(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    console.error(`${name}: ${process.env.DEBUG ? (err as Error).stack : (err as Error).message}`);
    process.exitCode = 1;
  }
}

/** Parse a whole number flag ("3000000", "3_000_000" or "3,000,000"), naming the flag when it isn't one. */
export function wholeNumber(flag: string, raw: string | undefined): number {
  const n = Number(String(raw).replaceAll('_', '').replaceAll(',', ''));
  if (raw === undefined || raw === '' || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`--${flag} must be a whole number >= 0, got ${JSON.stringify(raw)}`);
  }
  return n;
}
