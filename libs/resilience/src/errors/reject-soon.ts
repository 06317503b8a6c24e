/**
 * A promise rejected with `error` one microtask from now. The caller attaches its handler (`await`, `.then`)
 * synchronously, before the rejection happens, so Node never has to record the promise as "rejected without a
 * handler" and then retract it: on Node 24 that bookkeeping costs several times the rejection itself (measured
 * with `bench/adaptive.bench.ts`: `Promise.reject(e)` + catch ≈ 4 µs, this ≈ 0.8 µs on the loaded 2-core CI
 * machine). A rejection nobody handles is still reported as unhandled.
 */
export function rejectSoon(error: unknown): Promise<never> {
  return new Promise<never>((_, reject) => {
    queueMicrotask(() => reject(error));
  });
}
