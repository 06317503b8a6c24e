import { allOf, counterRises, counterSettles, gauge } from '../scenario.conditions.ts';
import type { Scenario } from '../scenario.types.ts';
import { SHOPPERS, STEADY } from './catalogue.constants.ts';
import { adminCall, eachReplica, resetFaults, type ServiceFaults, setFaults } from './fault.hooks.ts';

const CLIENT = 'rebound_rpc_client_requests_total';
const FALLBACK = 'rebound_gateway_fallback_served_total';
const LIST_PRODUCTS = { target: 'rebound.catalog.v1.CatalogService/ListProducts' };
const LIST_BREAKER_OPEN = gauge('gateway', 'rebound_resilience_breaker_state', LIST_PRODUCTS, '>=', 1, 'max');
const LIST_BREAKER_CLOSED = gauge(
  'gateway',
  'rebound_resilience_breaker_state',
  LIST_PRODUCTS,
  '<=',
  0,
  'max',
);

const CHARGE = { target: 'rebound.payments.v1.PaymentsService/Charge' };

/**
 * orders cannot reach payments (a link fault on every orders replica, the caller side), while payments stays
 * healthy and every other link works. `blackhole` is the realistic partition: each charge hangs until its 2 s
 * deadline; `refuse` fails it at once. Either way the sagas' charges are unknown outcomes: they pause (retried with
 * the same payment id) and complete after the link heals, well within their 60 s pause bound.
 */
function partition(mode: 'blackhole' | 'refuse'): Scenario {
  const links = [{ target: 'payments', mode }] as const;
  return {
    name: mode === 'blackhole' ? 'partition-orders-payments' : 'partition-orders-payments-refused',
    mechanism: 'partition',
    proves:
      mode === 'blackhole'
        ? 'orders partitioned from payments (its charges dropped on the link and hanging until their 2 s deadline; payments healthy to everyone else) opens orders’ breaker on Charge, checkouts answer PENDING and their sagas pause, then complete once the link heals: every order final, no charge lost or taken twice'
        : 'orders refused by payments on the link alone (UNAVAILABLE at once, the caller side) opens orders’ breaker on Charge, pauses the sagas and heals without a lost or double charge',
    load: SHOPPERS,
    steady: STEADY,
    fault: {
      describe: `orders (both replicas): POST /admin/faults ${JSON.stringify({ links })} for 20 s`,
      inject: (context) => setFaults(context, 'orders', { links }),
      clear: (context) => setFaults(context, 'orders', { links: [] }),
      // The caller's own count of charges the link fault took: payments never sees them.
      confirm: counterRises('orders', 'rebound_fault_link_injections_total', { target: 'payments', mode }),
      confirmWithinMs: 20_000,
      holdMs: 20_000,
    },
    detection: {
      signal: gauge('orders', 'rebound_resilience_breaker_state', CHARGE, '>=', 1, 'max'),
      withinMs: 25_000,
    },
    recovery: {
      condition: allOf(
        gauge('orders', 'rebound_resilience_breaker_state', CHARGE, '<=', 0, 'max'),
        gauge('orders', 'rebound_orders', { status: 'PENDING' }, '<=', 0, 'max'),
      ),
      withinMs: 60_000,
    },
  };
}

/** Every catalog replica answers badly; the gateway's deadline, breaker and last good copy must hide it. */
function catalogFault(
  name: string,
  mechanism: Scenario['mechanism'],
  faults: ServiceFaults,
  outcome: string,
  describe: string,
  ci = false,
): Scenario {
  return {
    name,
    mechanism,
    proves: `with catalog ${describe}, the gateway cuts each call at its deadline, its breaker on ListProducts opens, and it answers product reads from its last good copy (X-Rebound-Fallback), so shoppers keep ≥ 90 % success (checkouts need a fresh price and fail fast); fresh answers return once it is fixed`,
    ci,
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.9 },
    fault: {
      describe: `catalog (both replicas): POST /admin/faults ${JSON.stringify(faults)} for 15 s`,
      inject: (context) => setFaults(context, 'catalog', faults),
      clear: (context) => resetFaults(context, 'catalog'),
      confirm: counterRises('gateway', CLIENT, { outcome }),
      confirmWithinMs: 10_000,
      holdMs: 15_000,
    },
    detection: { signal: allOf(LIST_BREAKER_OPEN, counterRises('gateway', FALLBACK)), withinMs: 15_000 },
    recovery: {
      condition: allOf(LIST_BREAKER_CLOSED, counterSettles('gateway', FALLBACK)),
      withinMs: 30_000,
    },
  };
}

export const dependencyScenarios: readonly Scenario[] = [
  catalogFault(
    'catalog-slow',
    'slow-dependency',
    { latencyMs: 1_500 },
    'DEADLINE_EXCEEDED',
    'slower (1.5 s) than the 800 ms deadline',
  ),
  catalogFault('catalog-hang', 'hang', { hang: true }, 'DEADLINE_EXCEEDED', 'hung (calls never answered)'),
  catalogFault(
    'catalog-failing',
    'failing-dependency',
    { errorRate: 1, errorCode: 'UNAVAILABLE' },
    'UNAVAILABLE',
    'failing every call (UNAVAILABLE)',
    true,
  ),
  {
    name: 'catalog-flaky-replica',
    mechanism: 'failing-dependency',
    proves:
      'one catalog replica failing half its calls costs the shoppers < 2 %: each failed attempt is retried once on the other replica within the retry budget',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.98 },
    fault: {
      describe: 'catalog-1: POST /admin/faults {"errorRate":0.5,"errorCode":"UNAVAILABLE"} for 15 s',
      inject: (context) => setFaults(context, 'catalog', { errorRate: 0.5, errorCode: 'UNAVAILABLE' }, [1]),
      clear: (context) => resetFaults(context, 'catalog', [1]),
      confirm: counterRises('gateway', CLIENT, { outcome: 'UNAVAILABLE' }),
      confirmWithinMs: 10_000,
      holdMs: 15_000,
    },
    detection: { signal: counterRises('gateway', 'rebound_resilience_retries_total'), withinMs: 10_000 },
    recovery: {
      condition: counterSettles('gateway', CLIENT, { outcome: 'UNAVAILABLE' }),
      withinMs: 30_000,
    },
  },
  {
    name: 'payments-processor-down',
    mechanism: 'failing-dependency',
    proves:
      'with the payment processor down, orders’ breaker on Charge opens (fail fast, retries within budget), sagas pause instead of cancelling, and they complete once it is back; money and stock balance',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    fault: {
      describe: 'payments (both replicas): POST /admin/processor {"failureRate":1} for 15 s',
      inject: (context) =>
        eachReplica(context, 'payments', (r) =>
          adminCall(context, r, 'POST', '/admin/processor', { failureRate: 1 }),
        ),
      clear: (context) =>
        eachReplica(context, 'payments', (r) =>
          adminCall(context, r, 'POST', '/admin/processor', { failureRate: 0 }),
        ),
      confirm: counterRises('payments', 'rebound_payments_processor_calls_total', { outcome: 'failed' }),
      confirmWithinMs: 15_000,
      holdMs: 15_000,
    },
    detection: {
      signal: gauge('orders', 'rebound_resilience_breaker_state', {}, '>=', 1, 'max'),
      withinMs: 15_000,
    },
    recovery: {
      condition: gauge('orders', 'rebound_resilience_breaker_state', {}, '<=', 0, 'max'),
      withinMs: 60_000,
    },
  },
  {
    name: 'inventory-slow',
    mechanism: 'slow-dependency',
    proves:
      'inventory answering after orders’ 2 s call deadline makes reservations unknown outcomes, resolved by retrying with the same reservation id: no unit of stock is lost or double-reserved',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    fault: {
      describe: 'inventory (both replicas): POST /admin/faults {"latencyMs":2500} for 15 s',
      inject: (context) => setFaults(context, 'inventory', { latencyMs: 2_500 }),
      clear: (context) => resetFaults(context, 'inventory'),
      confirm: gauge('inventory', 'rebound_fault_active', { fault: 'latency' }, '>=', 2),
      confirmWithinMs: 5_000,
      holdMs: 15_000,
    },
    detection: { signal: counterRises('orders', CLIENT, { outcome: 'DEADLINE_EXCEEDED' }), withinMs: 20_000 },
    recovery: {
      condition: allOf(
        gauge('inventory', 'rebound_fault_active', { fault: 'latency' }, '<=', 0),
        gauge('orders', 'rebound_orders', { status: 'PENDING' }, '<=', 0, 'max'),
      ),
      withinMs: 60_000,
    },
  },
  partition('blackhole'),
  partition('refuse'),
];
