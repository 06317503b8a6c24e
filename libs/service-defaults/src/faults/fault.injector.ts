import { status } from '@grpc/grpc-js';
import type { Logger } from '@rebound/observability';
import { type CallFaultSettings, LinkFaults } from '@rebound/rpc';
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { INJECTED_CRASH_EXIT_CODE } from '../constants.ts';
import { LinkFaultsBinding, linkFaultsSchema } from './link-faults.binding.ts';

const rate = z.number().min(0, 'expected a rate between 0 and 1').max(1, 'expected a rate between 0 and 1');

/** What `POST /admin/faults` accepts: any subset; omitted fields keep their value. */
export const faultSettingsSchema = z
  .object({
    /** Added before each call's handler runs (ms). */
    latencyMs: z.number().int().min(0).max(600_000),
    /** Fraction of calls answered with `errorCode` before the handler runs. */
    errorRate: rate,
    errorCode: z.enum(['UNAVAILABLE', 'INTERNAL', 'RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED', 'ABORTED']),
    /** Calls are accepted and never answered (until the caller's deadline or cancel). */
    hang: z.boolean(),
    /** Retains this many MiB of heap per second until switched off (memory leak). */
    leakMbPerSecond: z.number().min(0).max(512),
    /** Busy-spins the event loop this share of every 100 ms (0–100). */
    cpuBurnPercent: z.number().min(0).max(100),
    /** Partitioned links to peers (this process's outgoing calls); `[]` heals them all. */
    links: linkFaultsSchema,
  })
  .strict()
  .partial();

export type FaultSettings = Required<z.infer<typeof faultSettingsSchema>>;

export const NO_FAULT_SETTINGS: FaultSettings = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  errorCode: 'UNAVAILABLE',
  hang: false,
  leakMbPerSecond: 0,
  cpuBurnPercent: 0,
  links: Object.freeze([]) as unknown as FaultSettings['links'],
});

export interface FaultInjectorOptions {
  readonly registry: Registry;
  /** Where per-call faults go: the gRPC server's hooks (`rpcServer.faults.configure`). */
  readonly configureCalls?: (config: CallFaultSettings) => void;
  /** What a crash does; default: log and `process.exit(70)`. */
  readonly crash?: () => void;
  /** The link faults the process's rpc clients check (one is made when absent). */
  readonly links?: LinkFaults;
  /** Where link-fault changes and their first effect are logged. */
  readonly logger?: Logger;
}

/**
 * Faults switched at run time (off by default): per-call ones (latency, errors, hang) handed to the gRPC
 * server's hooks, which apply them before each handler runs, and process-wide ones (memory leak, CPU burn,
 * crash), and link faults (a partition: the process's own calls to a peer blackholed or refused, checked by
 * its rpc clients). Every fault is visible in metrics: `rebound_fault_active{fault}` (1 while switched on),
 * `rebound_fault_injections_total{fault}` (leak ticks, CPU burns, crashes), `rebound_fault_leaked_bytes` and
 * `rebound_fault_link_injections_total{target,mode}` (calls a link fault took).
 */
export class FaultInjector {
  #settings: FaultSettings = { ...NO_FAULT_SETTINGS };
  readonly #configureCalls: (config: CallFaultSettings) => void;
  readonly #crash: () => void;
  readonly #active: Gauge<'fault'>;
  readonly #injected: Counter<'fault'>;
  readonly #leakedBytes: Gauge;
  readonly #leaked: Buffer[] = [];
  readonly #links: LinkFaultsBinding;
  /** The switches the process's rpc clients check (hand it to `createRpcClient`'s `linkFaults`). */
  readonly linkFaults: LinkFaults;
  #leakTimer: NodeJS.Timeout | undefined;
  #burnTimer: NodeJS.Timeout | undefined;

  constructor(options: FaultInjectorOptions) {
    this.#configureCalls = options.configureCalls ?? (() => {});
    this.#crash =
      options.crash ??
      (() => {
        process.stderr.write('fault injection: crashing on purpose\n');
        process.exit(INJECTED_CRASH_EXIT_CODE);
      });
    this.#active = new Gauge({
      name: 'rebound_fault_active',
      help: 'Injected faults switched on (1) or off (0), by fault.',
      labelNames: ['fault'] as const,
      registers: [options.registry],
    });
    this.#injected = new Counter({
      name: 'rebound_fault_injections_total',
      help: 'Faults injected into calls or the process, by fault.',
      labelNames: ['fault'] as const,
      registers: [options.registry],
    });
    this.linkFaults = options.links ?? new LinkFaults();
    this.#links = new LinkFaultsBinding(this.linkFaults, options.registry, options.logger);
    this.#leakedBytes = new Gauge({
      name: 'rebound_fault_leaked_bytes',
      help: 'Heap retained on purpose by the memory-leak fault.',
      registers: [options.registry],
    });
    this.#publish();
  }

  get settings(): FaultSettings {
    return { ...this.#settings };
  }

  /** The peers a link fault may name: those this process has rpc clients for. */
  get linkTargets(): readonly string[] {
    return this.#links.targets;
  }

  /** Merges a partial update (already validated by {@link faultSettingsSchema}) and applies it. */
  update(change: Partial<FaultSettings>): FaultSettings {
    this.#settings = { ...this.#settings, ...change };
    this.#apply();
    return this.settings;
  }

  /** Everything off; leaked memory is let go. */
  reset(): FaultSettings {
    this.#settings = { ...NO_FAULT_SETTINGS };
    this.#apply();
    return this.settings;
  }

  /** Ends the process (after the admin answer is written). */
  crash(): void {
    this.#injected.inc({ fault: 'crash' });
    this.#crash();
  }

  /** Stops the timers and answers hung calls (shutdown). */
  close(): void {
    this.reset();
  }

  #apply(): void {
    const settings = this.#settings;
    this.#configureCalls({
      latencyMs: settings.latencyMs,
      errorRate: settings.errorRate,
      errorCode: status[settings.errorCode],
      hang: settings.hang,
    });
    this.#links.apply(settings.links);
    clearInterval(this.#leakTimer);
    this.#leakTimer = undefined;
    if (settings.leakMbPerSecond > 0) {
      const chunk = Math.ceil((settings.leakMbPerSecond * 1024 * 1024) / 10);
      this.#leakTimer = setInterval(() => {
        this.#leaked.push(Buffer.alloc(chunk, 1));
        this.#injected.inc({ fault: 'leak' });
        this.#leakedBytes.set(this.#leaked.length * chunk);
      }, 100);
      this.#leakTimer.unref();
    } else {
      this.#leaked.length = 0;
      this.#leakedBytes.set(0);
    }
    clearInterval(this.#burnTimer);
    this.#burnTimer = undefined;
    if (settings.cpuBurnPercent > 0) {
      const busyMs = settings.cpuBurnPercent;
      this.#burnTimer = setInterval(() => {
        const until = performance.now() + busyMs;
        while (performance.now() < until) {
          // burning CPU on purpose: the event loop is blocked for busyMs of every 100 ms
        }
        this.#injected.inc({ fault: 'cpu_burn' });
      }, 100);
      this.#burnTimer.unref();
    }
    this.#publish();
  }

  #publish(): void {
    const s = this.#settings;
    this.#active.set({ fault: 'latency' }, s.latencyMs > 0 ? 1 : 0);
    this.#active.set({ fault: 'error' }, s.errorRate > 0 ? 1 : 0);
    this.#active.set({ fault: 'hang' }, s.hang ? 1 : 0);
    this.#active.set({ fault: 'leak' }, s.leakMbPerSecond > 0 ? 1 : 0);
    this.#active.set({ fault: 'cpu_burn' }, s.cpuBurnPercent > 0 ? 1 : 0);
    this.#active.set({ fault: 'link' }, s.links.length > 0 ? 1 : 0);
  }
}
