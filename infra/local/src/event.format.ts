import type { ReplicaEvent } from './replica.machine.ts';
import { formatDuration } from './status.table.ts';

/** How a supervisor event reads in the log; `undefined` for events that stay silent. */
export function formatEvent(
  name: string,
  event: ReplicaEvent,
): { readonly level: 'event' | 'warn'; readonly line: string } | undefined {
  switch (event.type) {
    case 'spawned':
      return { level: 'event', line: `${name} started (pid ${event.pid})` };
    case 'started-up':
      return { level: 'event', line: `${name} passed its startup probe` };
    case 'ready':
      return { level: 'event', line: `${name} is ready` };
    case 'not-ready':
      return event.detail === 'exited' || event.detail === 'terminating'
        ? undefined
        : { level: 'warn', line: `${name} is not ready: ${event.detail}` };
    case 'probe-failed':
      // A starting process refuses connections for a while: say so every 10th failure, not every time.
      if (event.kind === 'startup' && event.failures % 10 !== 0 && event.failures !== event.threshold)
        return undefined;
      // Past its threshold the probe has already acted (not ready, or killed): the next line is the recovery.
      if (event.kind !== 'startup' && event.failures > event.threshold) return undefined;
      return {
        level: 'warn',
        line: `${name} ${event.kind} probe failed (${event.failures}/${event.threshold}): ${event.detail}`,
      };
    case 'killing':
      if (event.signal === 'SIGKILL') return { level: 'warn', line: `${name} did not exit in time: SIGKILL` };
      return event.reason === 'shutdown'
        ? { level: 'event', line: `${name} stopping (SIGTERM)` }
        : { level: 'warn', line: `${name} failed its ${event.reason} probe: killing it (SIGTERM)` };
    case 'exited': {
      const how = event.signal
        ? `on ${event.signal}`
        : `with code ${event.code ?? 'unknown (could not start)'}`;
      const level = event.code === 0 ? 'event' : 'warn';
      return { level, line: `${name} exited ${how} after ${formatDuration(event.uptimeMs)}` };
    }
    case 'restarting':
      return {
        level: 'warn',
        line: `${name} restarting in ${formatDuration(event.delayMs)} (restart #${event.restarts}, CrashLoopBackOff)`,
      };
    case 'stopped':
      return { level: 'event', line: `${name} stopped` };
    case 'state':
      return undefined;
  }
}
