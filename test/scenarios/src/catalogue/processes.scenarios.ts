import {
  allOf,
  anyOf,
  counterRises,
  everythingReady,
  gauge,
  notReady,
  ready,
  restarted,
} from '../scenario.conditions.ts';
import type { Scenario } from '../scenario.types.ts';
import { waitUntil } from '../wait.util.ts';
import { SHOPPERS, STEADY } from './catalogue.constants.ts';
import { adminCall, eachReplica, setFaults } from './fault.hooks.ts';

/** A replica SIGKILLed by the supervisor's control server, then restarted by it. */
function replicaKill(process: string, replica: number, during: number, ci = false): Scenario {
  const name = `${process}-${replica}`;
  return {
    name: `${process}-replica-kill`,
    mechanism: 'replica-kill',
    proves: `losing ${name} costs at most ${(100 - during * 100).toFixed(0)} % of the shoppers' operations (retries on the other replica, ejection) and the supervisor brings it back`,
    ci,
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: during },
    fault: {
      describe: `SIGKILL ${name}`,
      inject: ({ target }) => target.act(name, 'kill'),
      clear: async () => {},
      confirm: anyOf(notReady(name), restarted(name)),
      confirmWithinMs: 5_000,
      holdMs: 0,
    },
    detection: { signal: restarted(name), withinMs: 10_000 },
    recovery: { condition: ready(name), withinMs: 60_000 },
  };
}

/** A replica stopped with SIGSTOP: alive to the kernel, silent to everyone, until liveness kills it. */
function frozen(process: string, replica: number, during: number, ci = false): Scenario {
  const name = `${process}-${replica}`;
  return {
    name: `${process}-replica-frozen`,
    mechanism: 'frozen-process',
    proves: `a frozen ${name} (SIGSTOP) is taken out of rotation by readiness, hedging and deadlines, killed by its liveness probe (3 × 2 s) and restarted`,
    ci,
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: during },
    fault: {
      describe: `SIGSTOP ${name}`,
      inject: ({ target }) => target.act(name, 'freeze'),
      // The liveness kill ends the frozen process; a thaw is only needed if it did not happen.
      clear: ({ target }) => target.act(name, 'thaw').catch(() => undefined),
      confirm: notReady(name),
      confirmWithinMs: 10_000,
      holdMs: 0,
    },
    detection: { signal: restarted(name), withinMs: 20_000 },
    recovery: { condition: ready(name), withinMs: 60_000 },
  };
}

export const processScenarios: readonly Scenario[] = [
  replicaKill('catalog', 1, 0.98, true),
  replicaKill('inventory', 1, 0.97),
  replicaKill('payments', 1, 0.97),
  {
    name: 'catalog-all-replicas-kill',
    mechanism: 'replica-kill',
    proves:
      'with every catalog replica gone at once, product reads are served from the gateway’s last good copy (fallback) until the supervisor has them back',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.9 },
    fault: {
      describe: 'SIGKILL catalog-0 and catalog-1',
      inject: async ({ target }) => {
        await target.act('catalog-0', 'kill');
        await target.act('catalog-1', 'kill');
      },
      clear: async () => {},
      confirm: allOf(restarted('catalog-0'), restarted('catalog-1')),
      confirmWithinMs: 10_000,
      holdMs: 0,
    },
    detection: { signal: counterRises('gateway', 'rebound_gateway_fallback_served_total'), withinMs: 15_000 },
    recovery: { condition: ready('catalog-0', 'catalog-1'), withinMs: 60_000 },
  },
  frozen('catalog', 0, 0.95, true),
  frozen('payments', 0, 0.9),
  {
    name: 'orders-kill-payments-frozen',
    mechanism: 'frozen-process',
    proves:
      'orders-0 SIGKILLed while payments-1 is frozen for 4 s: the gateway fails checkouts over to orders-1, whose sagas hedge their charges around the frozen replica, and no checkout is lost or charged twice',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.97 },
    fault: {
      describe: 'SIGKILL orders-0, then SIGSTOP payments-1 for 4 s',
      inject: async ({ target }) => {
        await target.act('orders-0', 'kill');
        await target.act('payments-1', 'freeze');
      },
      clear: ({ target }) => target.act('payments-1', 'thaw'),
      confirm: allOf(anyOf(notReady('orders-0'), restarted('orders-0')), notReady('payments-1')),
      confirmWithinMs: 10_000,
      holdMs: 4_000,
    },
    detection: { signal: restarted('orders-0'), withinMs: 10_000 },
    recovery: { condition: ready('orders-0', 'payments-1'), withinMs: 60_000 },
  },
  {
    name: 'catalog-crash-loop',
    mechanism: 'crash-loop',
    proves:
      'a replica that crashes again and again is restarted with a growing back-off (CrashLoopBackOff), ProcessCrashLooping fires, and the other replica keeps the shop serving',
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.95 },
    fault: {
      describe:
        'catalog-1 crashes at once three times in a row (POST /admin/faults {"crash": true} after each restart)',
      inject: async (context) => {
        for (let crash = 0; crash < 3; crash++) {
          const before =
            (await context.target.status()).rows.find((r) => r.name === 'catalog-1')?.restarts ?? 0;
          await setFaults(context, 'catalog', { crash: true }, [1]);
          await waitUntil(
            async () => {
              const row = (await context.target.status()).rows.find((r) => r.name === 'catalog-1');
              return (row?.restarts ?? 0) > before && row?.ready === true;
            },
            60_000,
            'catalog-1 restarted and ready',
          );
        }
      },
      clear: async () => {},
      confirm: restarted('catalog-1'),
      confirmWithinMs: 90_000,
      holdMs: 0,
    },
    detection: {
      signal: restarted('catalog-1'),
      withinMs: 90_000,
      alert: { name: 'ProcessCrashLooping', labels: { process: 'catalog-1' } },
      alertWithinMs: 120_000,
    },
    recovery: { condition: ready('catalog-1'), withinMs: 60_000 },
  },
  {
    name: 'orders-crash-mid-saga',
    mechanism: 'saga-crash',
    proves:
      'orders killed while sagas are held between their charge and their confirmation resumes them after restart (checkpointed saga, recovery worker): every order ends final, money and stock balance',
    load: SHOPPERS,
    steady: STEADY,
    fault: {
      describe: 'orders holds sagas at the charge boundary for 3 s, then orders-0 is SIGKILLed',
      // No saga held within 15 s (no checkout reached its charge): nothing is killed and the run is INCONCLUSIVE.
      inject: async (context) => {
        await adminCall(context, 'orders-0', 'POST', '/admin/saga-hold', { at: 'charge', maxMs: 3_000 });
        const held = await waitUntil(
          async () => (await context.target.metric(['orders-0'], 'rebound_orders_sagas_held')) >= 1,
          15_000,
          'a saga held at the charge boundary',
        ).then(
          () => true,
          () => false,
        );
        if (held) await context.target.act('orders-0', 'kill');
      },
      clear: (context) =>
        context.target.admin('orders-0', 'DELETE', '/admin/saga-hold').then(
          () => undefined,
          () => undefined,
        ),
      confirm: restarted('orders-0'),
      confirmWithinMs: 20_000,
      holdMs: 0,
    },
    detection: { signal: restarted('orders-0'), withinMs: 20_000 },
    recovery: {
      condition: allOf(
        ready('orders-0'),
        counterRises('orders', 'rebound_orders_sagas_resumed_total', {}, 0),
      ),
      withinMs: 60_000,
    },
  },
  {
    name: 'notifications-down',
    mechanism: 'notifications-down',
    proves:
      'with every notifications replica frozen, checkout keeps its success ratio and latency (notifications are non-critical); afterwards each order is notified exactly once',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.98 },
    fault: {
      describe: 'SIGSTOP every notifications replica for 20 s',
      inject: (context) => eachReplica(context, 'notifications', (r) => context.target.act(r, 'freeze')),
      clear: (context) => eachReplica(context, 'notifications', (r) => context.target.act(r, 'thaw')),
      confirm: notReady('notifications-0'),
      confirmWithinMs: 10_000,
      holdMs: 20_000,
    },
    detection: { signal: anyOf(notReady('notifications-0'), restarted('notifications-0')), withinMs: 10_000 },
    recovery: { condition: everythingReady(), withinMs: 60_000 },
  },
  {
    name: 'kafka-freeze',
    mechanism: 'broker-down',
    proves:
      'with the broker frozen, checkouts still succeed: order events wait in the transactional outbox and are published once it is back',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.97 },
    fault: {
      describe: 'SIGSTOP kafka-0 for 20 s',
      inject: ({ target }) => target.act('kafka-0', 'freeze'),
      clear: ({ target }) => target.act('kafka-0', 'thaw').catch(() => undefined),
      confirm: counterRises('orders', 'rebound_orders_sagas_total', { outcome: 'confirmed' }),
      confirmWithinMs: 15_000,
      holdMs: 20_000,
    },
    detection: {
      signal: anyOf(
        gaugeAbove('orders', 'rebound_outbox_backlog_messages', 1),
        counterRises('orders', 'rebound_outbox_publish_failures_total'),
      ),
      withinMs: 20_000,
    },
    recovery: { condition: gaugeBelow('orders', 'rebound_outbox_backlog_messages', 0), withinMs: 60_000 },
  },
  {
    name: 'kafka-kill',
    mechanism: 'broker-down',
    proves:
      'a broker killed and restarted by the supervisor loses no event: the outbox drains after the restart and every order is notified once',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.97 },
    fault: {
      describe: 'SIGKILL kafka-0',
      inject: ({ target }) => target.act('kafka-0', 'kill'),
      clear: async () => {},
      confirm: restarted('kafka-0'),
      confirmWithinMs: 10_000,
      holdMs: 0,
    },
    detection: { signal: restarted('kafka-0'), withinMs: 10_000 },
    recovery: {
      condition: allOf(ready('kafka-0'), gaugeBelow('orders', 'rebound_outbox_backlog_messages', 0)),
      withinMs: 60_000,
    },
  },
];

function gaugeAbove(process: string, name: string, value: number) {
  return gauge(process, name, {}, '>=', value);
}

function gaugeBelow(process: string, name: string, value: number) {
  return gauge(process, name, {}, '<=', value);
}
