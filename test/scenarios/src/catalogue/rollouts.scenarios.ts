import {
  allOf,
  counterRises,
  ready,
  restarted,
  supervisorCounterRises,
  supervisorGaugeIs,
} from '../scenario.conditions.ts';
import type { FaultContext, Scenario } from '../scenario.types.ts';
import { SHOPPERS, STEADY } from './catalogue.constants.ts';
import { resetFaults, setFaults } from './fault.hooks.ts';

const ROLLED_BACK = { service: 'catalog', result: 'rolled_back' } as const;
const UNDER_WAY = { service: 'catalog' } as const;

/** Rolls back only a rollout still under way: with none, `POST /rollouts/rollback` would undo the last one. */
async function rollBackIfUnderWay({ target }: FaultContext): Promise<void> {
  if ((await target.supervisorMetric('rebound_rollout_in_progress', UNDER_WAY)) !== 1) return;
  await target.control('POST', '/rollouts/rollback', { reason: 'scenario cleared', process: 'catalog' });
}

export const rolloutScenarios: readonly Scenario[] = [
  {
    name: 'catalog-bad-rollout',
    mechanism: 'bad-rollout',
    proves:
      'a catalog version that fails half its calls is rolled back by the rollout analysis (its replica against the old ones) within 60 s of its first bad signal, costing the shoppers ≤ 1 %',
    gameday: true,
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.99 },
    fault: {
      describe:
        'POST /rollouts {"process":"catalog","to":"bad","behaviour":"error-ratio=0.5"} on the supervisor',
      async inject({ target }) {
        const answer = await target.control('POST', '/rollouts', {
          process: 'catalog',
          to: 'bad',
          behaviour: 'error-ratio=0.5',
        });
        if (answer.status !== 202) {
          throw new Error(
            `supervisor: POST /rollouts answered ${answer.status}: ${JSON.stringify(answer.json)}`,
          );
        }
      },
      clear: rollBackIfUnderWay,
      confirm: supervisorGaugeIs('rebound_rollout_in_progress', UNDER_WAY, 1),
      confirmWithinMs: 10_000,
      holdMs: 0,
    },
    detection: { signal: supervisorCounterRises('rebound_rollouts_total', ROLLED_BACK), withinMs: 90_000 },
    recovery: {
      condition: allOf(
        supervisorGaugeIs('rebound_rollout_in_progress', UNDER_WAY, 0),
        ready('catalog-0', 'catalog-1'),
      ),
      withinMs: 60_000,
    },
  },
  {
    name: 'catalog-outlier-remediated',
    mechanism: 'remediation',
    proves:
      'a catalog replica failing half its calls while its sibling does not fires ReplicaErrorRatioOutlier, and the remediation controller restarts it (its faults go with the process), while retries on the sibling keep the shoppers ≥ 98 %',
    // Not in game days: the action's cool-down (10 min) would refuse a second draw within it.
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.98 },
    fault: {
      describe: 'catalog-1: POST /admin/faults {"errorRate":0.5,"errorCode":"UNAVAILABLE"} until remediated',
      inject: (context) => setFaults(context, 'catalog', { errorRate: 0.5, errorCode: 'UNAVAILABLE' }, [1]),
      clear: (context) => resetFaults(context, 'catalog', [1]),
      confirm: counterRises('gateway', 'rebound_rpc_client_requests_total', { outcome: 'UNAVAILABLE' }),
      confirmWithinMs: 10_000,
      holdMs: 0,
    },
    detection: {
      // The replica stays live and ready: only the remediation controller restarts it.
      signal: restarted('catalog-1'),
      withinMs: 240_000,
      alert: { name: 'ReplicaErrorRatioOutlier', labels: { service: 'catalog' } },
      alertWithinMs: 180_000,
    },
    recovery: { condition: ready('catalog-1'), withinMs: 60_000 },
  },
];
