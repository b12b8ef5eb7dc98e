// Preloaded by scripts/test.ts (node --import): prints the error of a failed test.before/test.after
// hook, which uvu 0.5 swallows (its runner returns from a finally block: "(0 / N)", exit code 0).
// scripts/test.ts also fails a file whose summary says fewer passed than ran.
import { test } from 'uvu';

type Register = typeof test.before;
type Hook = Parameters<Register>[0];
for (const name of ['before', 'after'] as const) {
  const register = test[name];
  const loud = (fn: Hook) => register(async (state) => {
    try {
      await fn(state);
    } catch (err) {
      console.error(`test.${name} hook failed:`, err);
      throw err;
    }
  });
  test[name] = Object.assign(loud, { each: register.each }) as Register;
}
