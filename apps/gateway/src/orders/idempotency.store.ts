import { type Clock, LruMap, systemClock } from '@rebound/service-defaults';

/** A finished answer to a POST, replayed for the same key and body. */
export interface StoredAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Begin =
  | {
      readonly kind: 'new';
      /** A final answer: kept and replayed for the key's lifetime, and given to the duplicates waiting on it. */
      complete(answer: StoredAnswer): void;
      /** An answer that may change (an order still PENDING): given to the waiting duplicates, then the key is freed. */
      share(answer: StoredAnswer): void;
      /** A failure worth retrying: the key is freed and the waiting duplicates are told to retry. */
      abandon(): void;
    }
  | { readonly kind: 'replay'; readonly answer: StoredAnswer }
  | { readonly kind: 'join'; readonly answer: Promise<StoredAnswer | undefined> }
  | { readonly kind: 'conflict' };

interface Entry {
  readonly fingerprint: string;
  readonly at: number;
  answer: StoredAnswer | undefined;
  waiting: Promise<StoredAnswer | undefined>;
}

export interface IdempotencyStoreOptions {
  readonly ttlMs: number;
  readonly maxKeys: number;
  /** Read only (`now()`); injected in tests. */
  readonly clock?: Pick<Clock, 'now'>;
}

/**
 * Idempotency keys at the edge, each client's apart: an entry is found by (client, key), so two clients sending
 * the same key never see, join or block each other's request. The first request of a key runs; concurrent
 * duplicates join it and get its answer (one order, however many retries race); later duplicates get the
 * stored answer; the same key with another body is a conflict (422). Answers are kept `ttlMs`, for at most
 * `maxKeys` entries over all clients (oldest forgotten). An abandoned run (a failure worth retrying) frees the
 * key. Orders itself is idempotent by the same (customer, key), so replicas of the gateway that do not share
 * this store, or an entry forgotten early, still never place an order twice.
 */
export class IdempotencyStore {
  /** Bounded; a lookup (`peek`) is not a use, so the oldest key written is forgotten first. */
  readonly #entries: LruMap<string, Entry>;
  readonly #options: IdempotencyStoreOptions;
  readonly #clock: Pick<Clock, 'now'>;

  constructor(options: IdempotencyStoreOptions) {
    this.#options = options;
    this.#entries = new LruMap(options.maxKeys);
    this.#clock = options.clock ?? systemClock;
  }

  begin(client: string, idempotencyKey: string, fingerprint: string): Begin {
    // An encoding that cannot be ambiguous, whatever characters a client id or key holds.
    const key = JSON.stringify([client, idempotencyKey]);
    const now = this.#clock.now();
    const existing = this.#entries.peek(key);
    if (existing !== undefined && now - existing.at < this.#options.ttlMs) {
      if (existing.fingerprint !== fingerprint) return { kind: 'conflict' };
      if (existing.answer !== undefined) return { kind: 'replay', answer: existing.answer };
      return { kind: 'join', answer: existing.waiting };
    }
    if (existing !== undefined) this.#entries.delete(key);
    let settle!: (answer: StoredAnswer | undefined) => void;
    const waiting = new Promise<StoredAnswer | undefined>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = { fingerprint, at: now, answer: undefined, waiting };
    this.#entries.set(key, entry);
    return {
      kind: 'new',
      complete: (answer) => {
        entry.answer = answer;
        settle(answer);
      },
      share: (answer) => {
        if (this.#entries.peek(key) === entry) this.#entries.delete(key);
        settle(answer);
      },
      abandon: () => {
        if (this.#entries.peek(key) === entry) this.#entries.delete(key);
        settle(undefined);
      },
    };
  }

  get size(): number {
    return this.#entries.size;
  }
}
