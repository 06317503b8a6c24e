import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Writes a JSON file atomically (temporary file + rename), so a crash leaves the old or the new version. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(value));
  renameSync(temporary, path);
}

export function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
