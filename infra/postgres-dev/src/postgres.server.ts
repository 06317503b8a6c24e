import { type ChildProcess, spawn } from 'node:child_process';
import type { PostgresBinaries } from './postgres.binaries.ts';
import type { ServerUser } from './server.user.ts';

export interface StartServerOptions {
  readonly binaries: PostgresBinaries;
  readonly dataDir: string;
  readonly port: number;
  /** Interface to listen on. Default `127.0.0.1`. Unix sockets are off: every client comes over TCP. */
  readonly host?: string;
  readonly user: ServerUser | undefined;
  /** Server settings, passed as `-c name=value`. */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** Every line the server logs (stderr), while starting and after. Default: kept only for the start error. */
  readonly onLog?: (line: string) => void;
  /** When false, the server does not keep this Node process alive (`unref`), for a fixture shared by a file. */
  readonly keepProcessAlive?: boolean;
}

/** A running `postgres` process. */
export interface RunningServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the server process has exited, with its code or signal. */
  readonly exited: Promise<number | string>;
  /**
   * Fast shutdown (SIGINT: sessions are aborted, a checkpoint is written), SIGKILL after `graceMs`. Idempotent;
   * resolves once the process has exited.
   */
  stop(graceMs?: number): Promise<number | string>;
}

/** Logged by a primary (`…accept connections`) and by a hot standby once consistent (`…accept read-only connections`). */
const READY = /database system is ready to accept (read-only )?connections/;

/**
 * Spawns `postgres` as `user` and resolves once it accepts connections (after crash recovery, if the last run
 * was killed). Rejects with the server's log when it exits first.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const settings = {
    listen_addresses: options.host ?? '127.0.0.1',
    port: options.port,
    unix_socket_directories: '',
    ...options.settings,
  };
  const args = ['-D', options.dataDir];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const child = spawn(options.binaries.postgres, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  let log = '';
  let ready = false;
  let pending = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!ready) log += `${line}\n`;
      options.onLog?.(line);
      if (!ready && READY.test(line)) ready = true;
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (!ready) return;
      child.stderr?.off('data', onData);
      child.off('error', reject);
      resolve();
    };
    child.stderr?.on('data', onData);
    child.once('error', reject);
    void exited.then((code) => {
      if (!ready) reject(new Error(`postgres exited (${code}) while starting:\n${log}${pending}`));
    });
  });
  if (options.keepProcessAlive === false) {
    child.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  }
  let stopping: Promise<number | string> | undefined;
  return {
    child,
    pid: child.pid!,
    exited,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        return exited;
      })();
      return stopping;
    },
  };
}
