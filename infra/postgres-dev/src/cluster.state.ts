import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One instance of a replicated cluster: where it serves and where its data lives. */
export interface InstanceAddress {
  readonly port: number;
  /** The instance's `--data-dir` (its PGDATA is `<dataDir>/pgdata`). */
  readonly dataDir: string;
}

/**
 * Who is the primary, as the failover controller (the supervisor, CloudNativePG's operator locally) decided it.
 * The controller is the only writer; each instance reads it when it starts and while it runs. `generation` goes
 * up by one at every failover, so an instance can tell that what it holds on disk belongs to an older one.
 */
export interface ClusterState {
  readonly primary: string;
  readonly generation: number;
  /**
   * The standby that acknowledges every commit (in `synchronous_standby_names`), or null while the primary runs
   * alone. Only this standby may be promoted: it has every acknowledged commit.
   */
  readonly synchronousStandby: string | null;
  readonly instances: Readonly<Record<string, InstanceAddress>>;
}

export const CLUSTER_STATE_FILE = 'cluster.json';
/** Written once the first primary was initialised and provisioned: from then on a primary never runs initdb. */
export const BOOTSTRAPPED_FILE = 'bootstrapped';
/** The superuser's password, shared by every instance (a standby is a copy of the primary's files). */
export const SUPERUSER_PASSWORD_FILE = 'superuser.password';

export function parseClusterState(text: string, source: string): ClusterState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  const state = parsed as Partial<ClusterState>;
  if (
    typeof state?.primary !== 'string' ||
    !Number.isInteger(state.generation) ||
    (state.synchronousStandby !== null && typeof state.synchronousStandby !== 'string') ||
    typeof state.instances !== 'object' ||
    state.instances === null ||
    !(state.primary in state.instances)
  ) {
    throw new Error(`${source} is not a cluster state (primary, generation, synchronousStandby, instances)`);
  }
  return state as ClusterState;
}

export async function readClusterState(clusterDir: string): Promise<ClusterState> {
  const file = join(clusterDir, CLUSTER_STATE_FILE);
  return parseClusterState(await readFile(file, 'utf8'), file);
}

/** Written to a sibling and renamed, so a reader never sees half a state. */
export async function writeClusterState(clusterDir: string, state: ClusterState): Promise<void> {
  await mkdir(clusterDir, { recursive: true });
  const file = join(clusterDir, CLUSTER_STATE_FILE);
  await writeFile(`${file}.next`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.next`, file);
}
