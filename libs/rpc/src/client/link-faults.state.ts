/**
 * How a partitioned link behaves: `blackhole` drops the call (it hangs until its deadline or cancel, as a
 * network partition does), `refuse` fails it at once with UNAVAILABLE (as a closed port does).
 */
export type LinkFaultMode = 'blackhole' | 'refuse';

export const LINK_FAULT_MODES: readonly LinkFaultMode[] = ['blackhole', 'refuse'];

/** One partitioned link from this process: to every replica of `target`, or to one (`replica`, its host:port). */
export interface LinkFault {
  /** The peer service as the client names it (`payments` for `rebound.payments.v1.PaymentsService`). */
  readonly target: string;
  readonly replica?: string | undefined;
  readonly mode: LinkFaultMode;
}

/** One attempt the fault dropped or refused (never put on the wire). */
export interface LinkFaultEvent {
  readonly target: string;
  readonly replica: string;
  readonly mode: LinkFaultMode;
  /** `rebound.payments.v1.PaymentsService/Charge`. */
  readonly operation: string;
}

/**
 * The caller side of a partition between two services: each `@rebound/rpc` client given this object checks it
 * before every attempt, keyed by its peer's name and the replica picked, so "orders cannot reach payments" holds
 * while every other link of the process works. Off (no fault) by default; `configure()` switches at run time.
 */
export class LinkFaults {
  #faults: readonly LinkFault[] = [];
  readonly #targets = new Set<string>();
  readonly #listeners: ((event: LinkFaultEvent) => void)[] = [];

  /** The faults in force. */
  get faults(): readonly LinkFault[] {
    return this.#faults;
  }

  /** The peers this process has clients for (the names a fault can use), sorted. */
  get targets(): readonly string[] {
    return [...this.#targets].sort();
  }

  /** Called by each client at creation with its peer's name. */
  register(target: string): void {
    this.#targets.add(target);
  }

  /** Replaces every link fault (an empty list heals every link). */
  configure(faults: readonly LinkFault[]): void {
    this.#faults = Object.freeze(faults.map((f) => Object.freeze({ ...f })));
  }

  /** The mode in force for a call to `target` at `address`; a per-replica fault wins over a whole-target one. */
  match(target: string, address: string): LinkFaultMode | undefined {
    let whole: LinkFaultMode | undefined;
    for (const fault of this.#faults) {
      if (fault.target !== target) continue;
      if (fault.replica === address) return fault.mode;
      if (fault.replica === undefined) whole = fault.mode;
    }
    return whole;
  }

  onInject(listener: (event: LinkFaultEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Reported by a client for each attempt the fault took. */
  injected(event: LinkFaultEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** `rebound.payments.v1.PaymentsService/Charge` → `payments`; another package keeps its full service name. */
export function peerName(path: string): string {
  const service = path.split('/')[1] ?? 'unknown';
  const parts = service.split('.');
  return parts[0] === 'rebound' && parts.length >= 3 ? (parts[1] as string) : service;
}
