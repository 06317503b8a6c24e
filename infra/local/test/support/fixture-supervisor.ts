import { join } from 'node:path';
import { freePortBlock } from '@rebound/testing';
import {
  type ProbeSet,
  type ProcessDefinition,
  type RestartPolicy,
  resolveTopology,
  Supervisor,
  type SupervisorEvent,
} from '../../src/index.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Fast kubelet-style probes against a fixture's admin port. */
export function fastProbes(
  adminPort: number,
  thresholds: { liveness?: number; readiness?: number } = {},
): ProbeSet {
  const timing = { initialDelayMs: 0, periodMs: 50, timeoutMs: 2000, successThreshold: 1 };
  return {
    startup: { kind: 'http', port: adminPort, path: '/startupz', ...timing, failureThreshold: 600 },
    liveness: {
      kind: 'http',
      port: adminPort,
      path: '/livez',
      ...timing,
      failureThreshold: thresholds.liveness ?? 5,
    },
    readiness: {
      kind: 'http',
      port: adminPort,
      path: '/readyz',
      ...timing,
      failureThreshold: thresholds.readiness ?? 1,
    },
  };
}

/** Short timings for tests: back-off 50 ms doubling to 400 ms, 1 s grace. */
export const FAST_RESTART: RestartPolicy = {
  initialBackoffMs: 50,
  maxBackoffMs: 400,
  resetAfterMs: 60_000,
  terminationGraceMs: 1000,
};

/** A fixture entry: runs `test/fixtures/<script>.fixture.ts` with ADMIN_PORT and `env` set. */
export function fixture(
  name: string,
  slot: number,
  script: string,
  options: {
    replicas?: number;
    env?: Record<string, string>;
    dependsOn?: string[];
    probes?: 'none' | { liveness?: number; readiness?: number };
  } = {},
): ProcessDefinition {
  return {
    name,
    description: `${script} fixture`,
    slot,
    replicas: options.replicas ?? 1,
    entry: `${script}.fixture.ts`,
    admin: true,
    dependsOn: options.dependsOn ?? [],
    env: (r) => ({ ADMIN_PORT: String(r.adminPort), SERVICE_INSTANCE: `${name}-${r.index}`, ...options.env }),
    probes: (r) => (options.probes === 'none' ? {} : fastProbes(r.adminPort, options.probes)),
  };
}

/** Every supervisor created by `fixtureSupervisor`; `stopLeftSupervisors` stops them after each test. */
const created: Supervisor[] = [];

/** For `afterEach`: a test that failed half-way leaves no process behind. */
export async function stopLeftSupervisors(): Promise<void> {
  for (const supervisor of created.splice(0)) await supervisor.stop();
}

/** A supervisor over fixture processes that records every event and every child line. */
export async function fixtureSupervisor(
  processes: ProcessDefinition[],
  restart: Partial<RestartPolicy> = {},
) {
  const basePort = await freePortBlock(10 * (Math.max(...processes.map((p) => p.slot)) + 1));
  const specs = resolveTopology(
    { processes, rootDir: FIXTURES },
    {
      rootDir: FIXTURES,
      dataDir: '/tmp/rebound-local-test',
      basePort,
      restart: { ...FAST_RESTART, ...restart },
    },
  );
  const events: SupervisorEvent[] = [];
  const lines: { replica: string; line: string }[] = [];
  const supervisor = new Supervisor({
    processes: specs,
    onLine: (replica, line) => lines.push({ replica, line }),
  });
  supervisor.onEvent((event) => events.push(event));
  created.push(supervisor);
  const row = (name: string) => supervisor.status().rows.find((r) => r.name === name);
  const eventsOf = (name: string) => events.filter((e) => e.replica.name === name).map((e) => e.event);
  return { supervisor, specs, events, lines, row, eventsOf, basePort };
}
