import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BackupRecord,
  type ClusterState,
  OUTBOX_REPLAY_WINDOW_SECONDS,
  readClusterState,
  replayOutboxTail,
  restoreCluster,
  SUPERUSER_PASSWORD_FILE,
  serverUser,
} from '@rebound/postgres-dev';
import type { Supervisor } from './platform.supervisor.ts';
import type { PostgresFailover } from './postgres.failover.ts';
import { processGroupMembers } from './pss.reader.ts';
import type { RwEndpoint } from './rw.endpoint.ts';
import type { ProcessSpec } from './topology.types.ts';

/** What the supervisor's restore and the drill's destruction act on: one replicated PostgreSQL entry. */
export interface PostgresRecoveryContext {
  readonly entry: ProcessSpec;
  readonly supervisor: Supervisor;
  readonly failover: PostgresFailover;
  readonly endpoint: RwEndpoint;
  readonly clusterDir: string;
  readonly backupDir: string;
  /** Each instance's data directory (`--data-dir`), by instance name. */
  readonly dataDirs: Readonly<Record<string, string>>;
  /** The services' databases, whose transactional outboxes are published again after a restore. */
  readonly databases: readonly string[];
  readonly log: { event(line: string): void; warn(line: string): void };
}

/** Takes every instance off supervision (the failover controller first, so it does not act on the exits). */
async function unsupervise(
  context: PostgresRecoveryContext,
  signal: 'SIGKILL' | undefined,
): Promise<string[]> {
  const { supervisor, entry } = context;
  context.failover.stop();
  context.endpoint.switchTo(undefined);
  const replicas = [...supervisor.replicasOf(entry.name)];
  if (signal) {
    for (const { machine } of replicas) {
      const pid = machine.snapshot().pid;
      // The instance manager, the postmaster and every backend: nothing of the copy may live on.
      for (const member of pid === undefined ? [] : processGroupMembers(pid)) {
        try {
          process.kill(member, signal);
        } catch {
          // Gone already.
        }
      }
    }
  }
  await Promise.all(replicas.map(({ spec }) => supervisor.removeReplica(spec.name)));
  return replicas.map(({ spec }) => spec.name);
}

/**
 * The restore drill's disaster, done by the supervisor so that it does not restart the instances on their old
 * data: the controller stops, the endpoint refuses connections, every process of both instances is SIGKILLed and
 * taken off supervision, and both data directories are deleted. Only a restore brings the cluster back.
 */
export async function destroyCopies(context: PostgresRecoveryContext): Promise<{ destroyed: string[] }> {
  const destroyed = await unsupervise(context, 'SIGKILL');
  for (const dir of Object.values(context.dataDirs)) await rm(dir, { recursive: true, force: true });
  context.log.warn(
    `postgres: drill: ${destroyed.join(' and ')} SIGKILLed and their data directories deleted; no writes until a restore`,
  );
  return { destroyed };
}

/**
 * Restores the cluster from the newest base backup and the WAL archive (to `target`) while the platform runs:
 * the instances still supervised are stopped, the backup is copied into a fresh data directory of the first
 * instance (`restoreCluster`: it replays the archive, then becomes the primary of a new generation), both
 * instances are supervised again, and the controller adopts the new state, so the read-write endpoint follows
 * the restored primary once it answers and the other instance comes back as its standby from a fresh copy.
 */
export async function restoreCopies(
  context: PostgresRecoveryContext,
  target: Date | 'latest',
): Promise<{ backup: BackupRecord; primary: string }> {
  const { supervisor, entry } = context;
  await unsupervise(context, undefined);
  const restored = await restoreCluster({
    clusterDir: context.clusterDir,
    backupDir: context.backupDir,
    target,
    user: serverUser(),
  });
  const state = await readClusterState(context.clusterDir);
  const ready = supervisor.onEvent(({ replica, event }) => {
    if (replica.name !== state.primary || event.type !== 'ready') return;
    ready.dispose();
    void replayOutboxes(context, state);
  });
  for (const spec of entry.replicas) supervisor.addReplica(entry.name, spec);
  context.failover.adopt(state);
  context.log.event(
    `postgres: restoring base backup ${restored.backup.id} into ${restored.primary} ` +
      `(generation ${state.generation}), replaying the WAL archive up to ${target === 'latest' ? 'its end' : target.toISOString()}`,
  );
  return restored;
}

/** Once the restored primary takes writes: the outboxes' tail published again (`replayOutboxTail` says why). */
async function replayOutboxes(context: PostgresRecoveryContext, state: ClusterState): Promise<void> {
  try {
    const password = (await readFile(join(context.clusterDir, SUPERUSER_PASSWORD_FILE), 'utf8')).trim();
    const port = state.instances[state.primary]?.port;
    const replayed = await replayOutboxTail({
      superuserUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`,
      databases: context.databases,
    });
    const counts = Object.entries(replayed).map(([database, rows]) => `${database} ${rows}`);
    context.log.event(
      `postgres: restored primary ${state.primary} takes writes; outbox events of the last ${OUTBOX_REPLAY_WINDOW_SECONDS} s ` +
        `before the recovery point published again (${counts.join(', ') || 'no outbox'}): consumers skip those they had`,
    );
  } catch (error) {
    context.log.warn(
      `postgres: after the restore, the outboxes could not be published again (${(error as Error).message}): ` +
        'events a consumer lost in the restore stay lost',
    );
  }
}
