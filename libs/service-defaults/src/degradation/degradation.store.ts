import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** A flag's state as stored for every replica of the service. */
export interface StoredDegradationFlag {
  readonly on: boolean;
  /** When it last changed (ISO time). */
  readonly since: string | null;
  readonly reason: string;
}

/**
 * Where a service's degradation flags outlive a replica and are shared by its replicas: each one reads it at
 * start and re-reads it while running, and a switch at any replica writes it.
 */
export interface DegradationStore {
  /** Where it is, for log lines (`/…/.data/degradation/gateway`, `ConfigMap rebound/gateway-degradation`). */
  readonly where: string;
  /** Once before the flags are declared: a store behind a network fetches what `readSync` then answers. */
  load(): Promise<void>;
  /** At declaration, before the service serves: undefined when the flag was never switched. */
  readSync(flag: string): StoredDegradationFlag | undefined;
  read(flag: string): Promise<StoredDegradationFlag | undefined>;
  write(flag: string, state: StoredDegradationFlag): Promise<void>;
}

const stored = z.strictObject({
  on: z.boolean(),
  since: z.string().nullable(),
  reason: z.string(),
});

/** A flag's stored text as its state; `where` names the file or key in the error. */
export function parseStoredFlag(where: string, text: string): StoredDegradationFlag {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  const result = stored.safeParse(json);
  if (!result.success) throw new Error(`${where}: expected {on, since, reason}`);
  return result.data;
}

let writes = 0;

/**
 * One JSON file per flag in `dir` (`DEGRADATION_DIR`; locally the supervisor gives every replica of a service
 * the same directory under `.data/`). One file per flag, so a switch of one flag never rewrites another's;
 * written to a temporary name and renamed, so a reader sees the old file or the new one, never half of one.
 */
export function fileDegradationStore(dir: string): DegradationStore {
  const path = (flag: string) => join(dir, `${flag}.json`);
  const parse = (flag: string, text: string) => parseStoredFlag(path(flag), text);
  const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
  return {
    where: dir,
    load: async () => {},
    readSync(flag) {
      try {
        return parse(flag, readFileSync(path(flag), 'utf8'));
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async read(flag) {
      try {
        return parse(flag, await readFile(path(flag), 'utf8'));
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async write(flag, state) {
      await mkdir(dir, { recursive: true });
      writes += 1;
      const temporary = `${path(flag)}.${process.pid}.${writes}.tmp`;
      await writeFile(temporary, `${JSON.stringify(state)}\n`);
      await rename(temporary, path(flag));
    },
  };
}
