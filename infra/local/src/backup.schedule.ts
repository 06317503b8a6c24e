import type { BackupRecord } from '@rebound/postgres-dev';
import type { TimerHandle, WallClock } from '@rebound/resilience';

export interface BackupScheduleOptions {
  /** Wall time (epoch ms): the period's timers and the age of the last backup, which is a date on disk. */
  readonly clock: WallClock;
  /** Takes one base backup of the current primary (`backupCluster`). */
  readonly backup: () => Promise<BackupRecord>;
  /** When the newest backup already on disk finished (ms since the epoch), if there is one. */
  readonly lastFinishedAt: number | undefined;
  readonly everyMs: number;
  /** The first backup of a run waits this long (the cluster settles first), unless a recent one exists. */
  readonly firstAfterMs: number;
  readonly log: (level: 'event' | 'warn', line: string) => void;
}

/**
 * Base backups on a schedule, as CloudNativePG's ScheduledBackup: one every `everyMs`, the first `firstAfterMs`
 * after start unless the newest backup on disk is recent enough. A failed backup is logged and counted, and the
 * next is tried at the next period; the age of the last good one is what `PostgresBackupTooOld` watches.
 */
export class BackupSchedule {
  readonly #options: BackupScheduleOptions;
  #timer: TimerHandle | undefined;
  #lastFinishedAt: number | undefined;
  #failures = 0;
  #stopped = false;

  constructor(options: BackupScheduleOptions) {
    this.#options = options;
    this.#lastFinishedAt = options.lastFinishedAt;
  }

  /** Ms since the epoch when the last good backup finished; undefined before the first. */
  get lastFinishedAt(): number | undefined {
    return this.#lastFinishedAt;
  }

  get failures(): number {
    return this.#failures;
  }

  start(): void {
    const age =
      this.#lastFinishedAt === undefined ? Infinity : this.#options.clock.now() - this.#lastFinishedAt;
    const due = Math.max(this.#options.firstAfterMs, this.#options.everyMs - age);
    this.#schedule(Math.min(due, this.#options.everyMs));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#timer.cancel();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = this.#options.clock.setTimer(() => void this.run(), delayMs);
  }

  /** One scheduled backup; exposed for tests. */
  async run(): Promise<void> {
    try {
      const record = await this.#options.backup();
      this.#lastFinishedAt = Date.parse(record.finishedAt);
      this.#options.log('event', `postgres: scheduled base backup ${record.id} of ${record.from} done`);
    } catch (error) {
      this.#failures += 1;
      this.#options.log('warn', `postgres: scheduled base backup failed: ${(error as Error).message}`);
    } finally {
      this.#schedule(this.#options.everyMs);
    }
  }
}
