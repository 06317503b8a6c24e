import type { ClusterState, InstanceAddress } from './cluster.state.ts';

/** What an instance finds in its data directory when it starts. */
export interface DiskState {
  /** PGDATA holds a cluster. */
  readonly hasData: boolean;
  /** PGDATA has `standby.signal`: it was a standby (or a primary's copy not promoted yet). */
  readonly isStandby: boolean;
  /** The generation and primary recorded when this copy was made from a base backup, if it was. */
  readonly copiedFrom?: { readonly primary: string; readonly generation: number };
}

export type InstanceRole =
  | { readonly kind: 'primary'; readonly bootstrap: boolean; readonly promote: boolean }
  | {
      readonly kind: 'standby';
      /** Throw away PGDATA and take a fresh base backup of the primary first. */
      readonly rebuild: boolean;
      readonly primary: string;
      readonly address: InstanceAddress;
    }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * The role of instance `name` at start, from the controller's state and its own disk (CloudNativePG's rules):
 * the named primary runs as primary (initdb only if the cluster was never bootstrapped; promoted if it is still a
 * standby copy); every other instance is a standby of it, and keeps its data only when that data is a standby copy
 * taken in the current generation. Anything else (an old primary above all) is rebuilt from a fresh base backup,
 * so a fenced primary never runs as a primary again.
 */
export function decideRole(
  name: string,
  state: ClusterState | undefined,
  disk: DiskState,
  bootstrapped: boolean,
): InstanceRole {
  if (!state || state.primary === name) {
    if (disk.hasData) return { kind: 'primary', bootstrap: false, promote: disk.isStandby };
    if (bootstrapped) {
      return {
        kind: 'refuse',
        reason: `${name} is the primary but has no data and the cluster was bootstrapped before: restore it from a backup (pnpm dr:restore)`,
      };
    }
    return { kind: 'primary', bootstrap: true, promote: false };
  }
  const address = state.instances[state.primary];
  if (!address) return { kind: 'refuse', reason: `the primary ${state.primary} has no address in the state` };
  const current =
    disk.hasData &&
    disk.isStandby &&
    disk.copiedFrom?.generation === state.generation &&
    disk.copiedFrom.primary === state.primary;
  return { kind: 'standby', rebuild: !current, primary: state.primary, address };
}
