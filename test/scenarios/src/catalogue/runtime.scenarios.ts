import { counterRises, gauge, ready } from '../scenario.conditions.ts';
import type { Scenario } from '../scenario.types.ts';
import { SHOPPERS, STEADY } from './catalogue.constants.ts';
import { resetFaults, setFaults } from './fault.hooks.ts';

export const runtimeScenarios: readonly Scenario[] = [
  {
    name: 'catalog-memory-leak',
    mechanism: 'memory-leak',
    proves:
      'a leaking replica is visible in its own metrics (leaked bytes, resident memory) while it keeps serving; the memory is given back once the leak is stopped',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.98 },
    fault: {
      describe: 'catalog-1 retains 16 MiB/s of heap for 15 s',
      inject: (context) => setFaults(context, 'catalog', { leakMbPerSecond: 16 }, [1]),
      clear: (context) => resetFaults(context, 'catalog', [1]),
      confirm: gauge('catalog', 'rebound_fault_leaked_bytes', {}, '>=', 32 * 1_048_576),
      confirmWithinMs: 10_000,
      holdMs: 15_000,
    },
    detection: {
      signal: gauge('catalog', 'process_resident_memory_bytes', {}, '>=', 250 * 1_048_576, 'max'),
      withinMs: 20_000,
    },
    recovery: { condition: gauge('catalog', 'rebound_fault_leaked_bytes', {}, '<=', 0), withinMs: 10_000 },
  },
  {
    name: 'catalog-cpu-burn',
    mechanism: 'cpu-burn',
    proves:
      'a replica whose event loop is blocked 80 % of the time shows it in its event-loop lag; the shoppers keep ≥ 97 % success through deadlines and the other replica',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.97 },
    fault: {
      describe: 'catalog-0 busy-spins 80 ms of every 100 ms for 15 s',
      inject: (context) => setFaults(context, 'catalog', { cpuBurnPercent: 80 }, [0]),
      clear: (context) => resetFaults(context, 'catalog', [0]),
      confirm: counterRises('catalog', 'rebound_fault_injections_total', { fault: 'cpu_burn' }, 10),
      confirmWithinMs: 5_000,
      holdMs: 15_000,
    },
    detection: {
      signal: gauge('catalog', 'nodejs_eventloop_lag_p99_seconds', {}, '>=', 0.05, 'max'),
      withinMs: 15_000,
    },
    recovery: { condition: ready('catalog-0'), withinMs: 10_000 },
  },
];
