import type { ReplicaSnapshot, ReplicaState } from './replica.machine.ts';

/** One line of the status table: a replica, or a process entry that is coming (not built yet). */
export interface StatusRow extends Omit<ReplicaSnapshot, 'state'> {
  readonly name: string;
  readonly process: string;
  readonly replica: number;
  readonly state: ReplicaState | 'Coming';
  readonly port: number | undefined;
  readonly adminPort: number | undefined;
  /** Why it waits or why it is coming. */
  readonly detail: string;
}

/** What `GET /status` returns and what the status table shows. */
export interface StatusReport {
  readonly uptimeMs: number;
  readonly allReady: boolean;
  readonly urls: readonly { readonly name: string; readonly url: string }[];
  readonly rows: readonly StatusRow[];
}
