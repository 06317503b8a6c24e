import type { Target } from './platform.target.ts';
import type { Condition } from './scenario.types.ts';

type Labels = Readonly<Record<string, string>>;

/** Every replica of `process` has restarted at least once more than when armed. */
export function restarted(replica: string): Condition {
  return {
    describe: `the supervisor restarted ${replica}`,
    async arm(target) {
      const before = await restartsOf(target, replica);
      return async (t) => (await restartsOf(t, replica)) > before;
    },
  };
}

/** `replica` is running (a new pid or the same) and ready. */
export function ready(...replicas: readonly string[]): Condition {
  return {
    describe: `${replicas.join(', ')} ready`,
    async arm() {
      return async (t) => {
        const status = await t.status();
        return replicas.every((name) => status.rows.find((row) => row.name === name)?.ready === true);
      };
    },
  };
}

/** Every process the supervisor runs is ready again. */
export function everythingReady(): Condition {
  return {
    describe: 'every supervised process ready',
    async arm() {
      return async (t) => {
        const status = await t.status();
        return status.rows.filter((row) => row.state !== 'Coming').every((row) => row.ready);
      };
    },
  };
}

/** `replica` is not ready (failed its readiness probe, or is down). */
export function notReady(replica: string): Condition {
  return {
    describe: `${replica} not ready`,
    async arm() {
      return async (t) => (await t.status()).rows.find((row) => row.name === replica)?.ready === false;
    },
  };
}

/** The sum of a counter over `process`'s replicas grew by at least `by` since armed. */
export function counterRises(process: string, name: string, labels: Labels = {}, by = 1): Condition {
  return {
    describe: `${name}${formatLabels(labels)} on ${process} rises by ≥ ${by}`,
    async arm(target) {
      const replicas = await target.replicas(process);
      const before = await target.metric(replicas, name, labels);
      return async (t) => (await t.metric(replicas, name, labels)) - before >= by;
    },
  };
}

/** The counter stops moving: no increase between two reads `gapMs` apart (e.g. no more sheds). */
export function counterSettles(process: string, name: string, labels: Labels = {}, gapMs = 3_000): Condition {
  return {
    describe: `${name}${formatLabels(labels)} on ${process} stops rising (${gapMs / 1000}s)`,
    async arm(target) {
      const replicas = await target.replicas(process);
      let last = { value: await target.metric(replicas, name, labels), at: performance.now() };
      return async (t) => {
        const value = await t.metric(replicas, name, labels);
        const now = performance.now();
        if (value !== last.value) {
          last = { value, at: now };
          return false;
        }
        return now - last.at >= gapMs;
      };
    },
  };
}

/** A gauge summed over `process`'s replicas compares to `value` (`>=` or `<=`). */
export function gauge(
  process: string,
  name: string,
  labels: Labels,
  op: '>=' | '<=',
  value: number,
  aggregate: 'sum' | 'max' = 'sum',
): Condition {
  return {
    describe: `${aggregate}(${name}${formatLabels(labels)}) on ${process} ${op} ${value}`,
    async arm(target) {
      const replicas = await target.replicas(process);
      return async (t) => {
        const values = await Promise.all(replicas.map((r) => t.metric([r], name, labels)));
        const actual = aggregate === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
        return op === '>=' ? actual >= value : actual <= value;
      };
    },
  };
}

/** A counter of the supervisor's own `/metrics` grew by at least `by` since armed (rollouts). */
export function supervisorCounterRises(name: string, labels: Labels = {}, by = 1): Condition {
  return {
    describe: `${name}${formatLabels(labels)} on the supervisor rises by ≥ ${by}`,
    async arm(target) {
      const before = await target.supervisorMetric(name, labels);
      return async (t) => (await t.supervisorMetric(name, labels)) - before >= by;
    },
  };
}

/** A gauge of the supervisor's own `/metrics` equals `value`. */
export function supervisorGaugeIs(name: string, labels: Labels, value: number): Condition {
  return {
    describe: `${name}${formatLabels(labels)} on the supervisor = ${value}`,
    async arm() {
      return async (t) => (await t.supervisorMetric(name, labels)) === value;
    },
  };
}

/** All of the conditions hold (each armed at once). */
export function allOf(...conditions: readonly Condition[]): Condition {
  return {
    describe: conditions.map((c) => c.describe).join(' and '),
    async arm(target) {
      const tests = await Promise.all(conditions.map((c) => c.arm(target)));
      return async (t) => (await Promise.all(tests.map((test) => test(t)))).every(Boolean);
    },
  };
}

/** Any of the conditions holds. */
export function anyOf(...conditions: readonly Condition[]): Condition {
  return {
    describe: conditions.map((c) => c.describe).join(' or '),
    async arm(target) {
      const tests = await Promise.all(conditions.map((c) => c.arm(target)));
      return async (t) => (await Promise.all(tests.map((test) => test(t)))).some(Boolean);
    },
  };
}

async function restartsOf(target: Target, replica: string): Promise<number> {
  return (await target.status()).rows.find((row) => row.name === replica)?.restarts ?? 0;
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}
