import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API-key authentication: `key → client id`. Keys are compared as SHA-256 digests with a constant-time
 * comparison, so the time an answer takes says nothing about how much of a key was right.
 */
export class ApiKeys {
  readonly #clients: Array<{ digest: Buffer; client: string }>;

  constructor(byKey: ReadonlyMap<string, string>) {
    this.#clients = [...byKey].map(([key, client]) => ({ digest: digest(key), client }));
  }

  /** The client id owning `key`, or undefined. */
  authenticate(key: string | undefined): string | undefined {
    if (key === undefined || key.length === 0 || key.length > 256) return undefined;
    const candidate = digest(key);
    let found: string | undefined;
    for (const entry of this.#clients) {
      if (timingSafeEqual(entry.digest, candidate)) found = entry.client;
    }
    return found;
  }

  get size(): number {
    return this.#clients.length;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
