/** What a started tracing SDK leaves behind for the rest of the process: whether it is on, and its flush. */
interface ActiveTracing {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let active: ActiveTracing | undefined;

export function setActiveTracing(tracing: ActiveTracing | undefined): void {
  active = tracing;
}

/** True once `startTracing` installed an SDK that records and exports spans. */
export function tracingEnabled(): boolean {
  return active !== undefined;
}

/** Exports the spans still buffered and stops the SDK; a no-op when tracing is off. Part of graceful shutdown. */
export async function shutdownTracing(): Promise<void> {
  const tracing = active;
  active = undefined;
  await tracing?.shutdown();
}

/** Exports the spans buffered so far and waits for the export; a no-op when tracing is off. */
export async function flushTracing(): Promise<void> {
  await active?.forceFlush();
}
