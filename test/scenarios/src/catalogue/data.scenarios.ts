import type { Target } from '../platform.target.ts';
import { allOf, ready, supervisorCounterRises, supervisorGaugeIs } from '../scenario.conditions.ts';
import type { Scenario } from '../scenario.types.ts';
import { SHOPPERS, STEADY } from './catalogue.constants.ts';

const FAILOVERS = 'rebound_postgres_failovers_total';

/** The instance the supervisor names primary now (`rebound_postgres_primary{instance}` = 1): a failover moves it. */
async function currentPrimary(target: Target): Promise<string> {
  for (const instance of await target.replicas('postgres')) {
    if ((await target.supervisorMetric('rebound_postgres_primary', { instance })) === 1) return instance;
  }
  throw new Error('the supervisor names no PostgreSQL primary (rebound_postgres_primary)');
}

export const dataScenarios: readonly Scenario[] = [
  {
    name: 'postgres-primary-kill',
    mechanism: 'database-failover',
    proves:
      'the PostgreSQL primary SIGKILLed under checkout load is fenced, its synchronous standby promoted and the read-write endpoint switched, so writes resume within seconds; checkouts pause instead of failing, no acknowledged order is lost, money and stock balance, and the old primary comes back as the new synchronous standby',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    // Writes wait for the promotion (seconds): a checkout then answers 202 and its saga finishes afterwards.
    during: { minSuccessRatio: 0.9 },
    fault: {
      describe: 'SIGKILL the PostgreSQL primary',
      inject: async ({ target }) => target.act(await currentPrimary(target), 'kill'),
      clear: async () => {},
      confirm: supervisorCounterRises(FAILOVERS),
      confirmWithinMs: 20_000,
      holdMs: 0,
    },
    detection: {
      signal: supervisorCounterRises(FAILOVERS),
      withinMs: 20_000,
      alert: { name: 'PostgresFailedOver' },
      alertWithinMs: 60_000,
    },
    recovery: {
      // Both instances up again, one of them the synchronous standby of the new primary (rebuilt from a fresh base backup).
      condition: allOf(
        ready('postgres-0', 'postgres-1'),
        supervisorGaugeIs('rebound_postgres_synchronous_standby', {}, 1),
      ),
      withinMs: 120_000,
    },
  },
];
