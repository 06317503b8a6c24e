import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  Gauge,
  registerJsonAdminRoute,
  SERVICE_CONTEXT,
  type ServiceContext,
  systemClock,
} from '@rebound/service-defaults';
import { z } from 'zod';

/** Where a saga can be held: before its reserve, before its charge, before its confirm, mid-compensation. */
export const SAGA_BOUNDARIES = ['reserve', 'charge', 'confirm', 'release'] as const;
export type SagaBoundary = (typeof SAGA_BOUNDARIES)[number];

export const sagaHoldSchema = z
  .object({
    /** The boundary to hold sagas at; `null` holds none. */
    at: z.enum(SAGA_BOUNDARIES).nullable(),
    /** A held saga goes on by itself after this long (ms), if not released first. */
    maxMs: z.number().int().min(1).max(120_000),
  })
  .strict()
  .partial();

interface HoldSettings {
  at: SagaBoundary | null;
  maxMs: number;
}

/**
 * A fault hook for game days and the crash/freeze matrix: sagas reaching the chosen boundary wait there (up to
 * `maxMs`) until released, so a kill, a freeze or a database outage lands exactly between two steps.
 * `POST /admin/saga-hold {"at":"charge","maxMs":20000}` holds, `DELETE /admin/saga-hold` releases every held
 * saga and holds no more; `rebound_orders_sagas_held` counts the sagas waiting. Off by default.
 */
@Injectable()
export class SagaHold implements OnModuleInit {
  readonly #context: ServiceContext;
  #settings: HoldSettings = { at: null, maxMs: 30_000 };
  readonly #waiting = new Set<() => void>();

  constructor(@Inject(SERVICE_CONTEXT) context: ServiceContext) {
    this.#context = context;
    const waiting = this.#waiting;
    new Gauge({
      name: 'rebound_orders_sagas_held',
      help: 'Sagas waiting at the boundary chosen with /admin/saga-hold (a fault hook; 0 unless switched on).',
      registers: [context.registry],
      collect() {
        this.set(waiting.size);
      },
    });
  }

  onModuleInit(): void {
    registerJsonAdminRoute(this.#context.admin, {
      path: '/admin/saga-hold',
      token: this.#context.config.ADMIN_TOKEN,
      schema: sagaHoldSchema,
      get: () => ({ ...this.#settings, held: this.#waiting.size }),
      post: (change) => {
        this.#settings = { ...this.#settings, ...change };
        if (this.#settings.at === null) this.#releaseAll();
        return { ...this.#settings, held: this.#waiting.size };
      },
      reset: () => {
        this.#settings = { ...this.#settings, at: null };
        this.#releaseAll();
        return { ...this.#settings, held: 0 };
      },
    });
  }

  /** Waits here if sagas are held at `boundary` (until released, `maxMs`, or `signal`); else returns at once. */
  async at(boundary: SagaBoundary, signal: AbortSignal): Promise<void> {
    if (this.#settings.at !== boundary || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        timer.cancel();
        signal.removeEventListener('abort', done);
        this.#waiting.delete(done);
        resolve();
      };
      const timer = systemClock.setTimer(done, this.#settings.maxMs);
      signal.addEventListener('abort', done, { once: true });
      this.#waiting.add(done);
    });
  }

  #releaseAll(): void {
    for (const release of [...this.#waiting]) release();
  }
}
