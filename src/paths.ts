// Absolute paths of the repository's folders, wherever the process was started from.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MIGRATIONS_DIR = path.join(ROOT, 'migrations');
export const FUNCTIONS_DIR = path.join(ROOT, 'functions');
