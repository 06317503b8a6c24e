import type { Logger } from '@rebound/observability';
import type { LinkFault, LinkFaults } from '@rebound/rpc';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';

/** One partitioned link in `POST /admin/faults` `links`: to a peer service, or to one of its replicas. */
export const linkFaultSchema = z
  .object({
    /** The peer as this service's clients name it (`payments`). */
    target: z.string().min(1, 'expected a peer service name').max(64),
    /** One replica only, as its host:port in this service's target list. */
    replica: z
      .string()
      .regex(/^[^\s/:]+:\d{1,5}$/, 'expected the replica as host:port')
      .optional(),
    /** `blackhole`: calls hang until their deadline; `refuse`: UNAVAILABLE at once. */
    mode: z.enum(['blackhole', 'refuse']),
  })
  .strict();

export const linkFaultsSchema = z
  .array(linkFaultSchema)
  .max(32)
  .superRefine((links, context) => {
    const seen = new Set<string>();
    links.forEach((link, index) => {
      const key = `${link.target}@${link.replica ?? '*'}`;
      if (seen.has(key))
        context.addIssue({
          code: 'custom',
          path: [index],
          message: `${link.target}${link.replica === undefined ? '' : ` at ${link.replica}`} is listed twice`,
        });
      seen.add(key);
    });
  });

const describe = (link: LinkFault): string =>
  `${link.target}${link.replica === undefined ? '' : ` at ${link.replica}`} (${link.mode})`;

/**
 * Drives the process's {@link LinkFaults} from the admin settings: counts every attempt a fault took in
 * `rebound_fault_link_injections_total{target,mode}`, logs each change, and logs once per switch-on the first
 * call a link fault took (the proof it took effect).
 */
export class LinkFaultsBinding {
  readonly #links: LinkFaults;
  readonly #logger: Logger | undefined;
  #current: readonly LinkFault[] = [];
  #announced = new Set<string>();

  constructor(links: LinkFaults, registry: Registry, logger?: Logger) {
    this.#links = links;
    this.#logger = logger;
    const injected = new Counter({
      name: 'rebound_fault_link_injections_total',
      help: 'Calls to a peer dropped (blackhole) or refused by an injected link fault (a partition), by peer and mode.',
      labelNames: ['target', 'mode'] as const,
      registers: [registry],
    });
    links.onInject((event) => {
      injected.inc({ target: event.target, mode: event.mode });
      const key = `${event.target}|${event.mode}`;
      if (this.#announced.has(key)) return;
      this.#announced.add(key);
      this.#logger?.info(
        { target: event.target, replica: event.replica, mode: event.mode, operation: event.operation },
        `link fault took effect: a call to ${event.target} at ${event.replica} was ${event.mode === 'refuse' ? 'refused' : 'blackholed'}`,
      );
    });
  }

  /** The peers a link fault may name (this process's clients). */
  get targets(): readonly string[] {
    return this.#links.targets;
  }

  apply(faults: readonly LinkFault[]): void {
    const before = this.#current.map(describe).join(', ');
    const after = faults.map(describe).join(', ');
    this.#links.configure(faults);
    this.#current = faults;
    if (before === after) return;
    this.#announced = new Set();
    this.#logger?.info(
      { links: faults },
      after === '' ? 'link faults off: every link heals' : `link faults on: ${after}`,
    );
  }
}
