import { anyOf, counterRises, counterSettles, notReady, ready } from '../scenario.conditions.ts';
import type { Scenario } from '../scenario.types.ts';
import { SHOPPERS, STEADY } from './catalogue.constants.ts';
import { resetFaults, setFaults } from './fault.hooks.ts';

export const edgeScenarios: readonly Scenario[] = [
  {
    name: 'overload',
    mechanism: 'overload',
    proves:
      'when catalog slows to 700 ms per call under a raised load, the gateway’s adaptive concurrency limit sheds reads with 503 + Retry-After before any work, its readiness goes off while shedding, it never dies, and it serves normally once catalog is fast again',
    load: SHOPPERS,
    steady: STEADY,
    fault: {
      // One API key is limited to 20 requests/s (burst 40): a surge from one key is throttled, not shed, and
      // the key ends up blocked. So the surge stays under that limit and the slowness makes the concurrency.
      describe: 'shoppers’ rate 8/s → 18/s and catalog slowed by 700 ms for 15 s',
      inject: async (context) => {
        await setFaults(context, 'catalog', { latencyMs: 700 });
        context.traffic.set({ rate: 18 });
      },
      clear: async (context) => {
        context.traffic.set(SHOPPERS);
        await resetFaults(context, 'catalog');
      },
      confirm: counterRises('gateway', 'rebound_gateway_shed_total'),
      confirmWithinMs: 15_000,
      holdMs: 15_000,
    },
    detection: {
      signal: anyOf(notReady('gateway-0'), counterRises('gateway', 'rebound_gateway_shed_total', {}, 20)),
      withinMs: 15_000,
    },
    recovery: { condition: ready('gateway-0'), withinMs: 30_000 },
  },
  {
    name: 'abusive-client',
    mechanism: 'abusive-client',
    proves:
      'a client at twice its rate limit is throttled (429) then blocked (403), while the shoppers on another key keep ≥ 98 % success',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.98 },
    fault: {
      describe: 'a client on key-b at 40 requests/s (limit 20/s, burst 40) for 15 s',
      inject: async ({ traffic }) => traffic.set({ ...SHOPPERS, abuserRate: 40 }),
      clear: async ({ traffic }) => traffic.set(SHOPPERS),
      confirm: counterRises('gateway', 'rebound_gateway_throttled_total', { client: 'client-b' }),
      confirmWithinMs: 10_000,
      holdMs: 15_000,
    },
    detection: {
      signal: counterRises('gateway', 'rebound_gateway_blocks_total', { client: 'client-b' }),
      withinMs: 15_000,
    },
    recovery: {
      condition: counterSettles('gateway', 'rebound_gateway_blocked_requests_total', { client: 'client-b' }),
      withinMs: 30_000,
    },
  },
  {
    name: 'bad-bodies',
    mechanism: 'bad-input',
    proves:
      'a client sending malformed bodies is refused with 4xx before any gRPC call and no process restarts; shoppers keep ≥ 98 % success',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.98 },
    fault: {
      describe: 'a client on key-b sending 10 malformed checkouts/s for 15 s',
      inject: async ({ traffic }) => traffic.set({ ...SHOPPERS, badBodyRate: 10 }),
      clear: async ({ traffic }) => traffic.set(SHOPPERS),
      confirm: counterRises('gateway', 'rebound_http_server_requests_total', { outcome: '400' }),
      confirmWithinMs: 10_000,
      holdMs: 15_000,
    },
    detection: {
      signal: counterRises('gateway', 'rebound_http_server_requests_total', { outcome: '400' }, 20),
      withinMs: 15_000,
    },
    recovery: { condition: ready('gateway-0', 'catalog-0', 'orders-0'), withinMs: 10_000 },
  },
];
