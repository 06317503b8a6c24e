import { join } from 'node:path';
import { readJson, writeJsonAtomic } from './json.file.ts';

/** Hands out producer ids for InitProducerId, never reusing one across restarts. */
export class ProducerIds {
  #next: bigint;
  readonly #path: string | null;

  constructor(dataDir: string | null, atLeast: bigint) {
    this.#path = dataDir === null ? null : join(dataDir, 'producer-ids.json');
    const stored = this.#path ? readJson<{ next: string }>(this.#path) : null;
    this.#next = stored ? BigInt(stored.next) : 1000n;
    if (atLeast >= this.#next) this.#next = atLeast + 1n;
  }

  allocate(): bigint {
    const id = this.#next++;
    if (this.#path) writeJsonAtomic(this.#path, { next: String(this.#next) });
    return id;
  }
}
