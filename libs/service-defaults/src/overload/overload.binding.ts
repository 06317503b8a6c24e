import { type HealthProbes, OverloadSignal, overloadCheck } from '@rebound/health';
import type { Logger } from '@rebound/observability';
import { Gauge, type Registry } from 'prom-client';

export interface OverloadBindingOptions {
  readonly maxDelayMs: number;
  readonly registry: Registry;
  readonly probes: HealthProbes;
  readonly logger: Logger;
}

/**
 * The process's one overload signal, wired once: the `event-loop` readiness check, the `rebound_overload_signal`
 * gauge family (read at scrape time), and one log line each time it trips or clears. The tiers hand the same
 * object to gRPC admission and the HTTP edge.
 */
export function bindOverloadSignal(options: OverloadBindingOptions): OverloadSignal {
  const signal = new OverloadSignal({ maxDelayMs: options.maxDelayMs });
  options.probes.addCheck('readiness', 'event-loop', overloadCheck(signal));
  new Gauge({
    name: 'rebound_overload_signal',
    help: 'The process overload signal: reading="overloaded" (1 while tripped), "delay_seconds" (event-loop delay p90 of the last window), "utilization" (event-loop utilization of the last window, 0..1).',
    labelNames: ['reading'] as const,
    registers: [options.registry],
    collect() {
      const reading = signal.reading;
      this.set({ reading: 'overloaded' }, reading.overloaded ? 1 : 0);
      this.set({ reading: 'delay_seconds' }, reading.delayMs / 1_000);
      this.set({ reading: 'utilization' }, reading.utilization);
    },
  });
  signal.onChange((reading) => {
    const fields = {
      delayMs: Math.round(reading.delayMs),
      utilization: Number(reading.utilization.toFixed(2)),
    };
    if (reading.overloaded) {
      options.logger.warn(
        fields,
        `overloaded: event loop ${fields.delayMs} ms late (bound ${signal.maxDelayMs} ms); shedding all but critical-plus`,
      );
    } else options.logger.info(fields, 'overload cleared');
  });
  return signal;
}
