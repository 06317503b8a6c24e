import { z } from 'zod';

export const handlerFaultsSchema = z.object({ failing: z.boolean() }).strict();
export type HandlerFaultSettings = z.infer<typeof handlerFaultsSchema>;

/**
 * A handler bug switched on at run time (`POST /admin/handler-faults {"failing": true}`): every event fails as a
 * real bug or a broken dependency would make it fail, so events go through the retry topics to the dead-letter
 * topic. Switching it off is "the fix"; replaying the dead letters then applies each one once.
 */
export class HandlerFaults {
  #failing = false;

  get settings(): HandlerFaultSettings {
    return { failing: this.#failing };
  }

  update(settings: HandlerFaultSettings): HandlerFaultSettings {
    this.#failing = settings.failing;
    return this.settings;
  }

  reset(): HandlerFaultSettings {
    return this.update({ failing: false });
  }

  /** Throws while the fault is on; called before the handler touches the database. */
  check(): void {
    if (this.#failing) throw new Error('injected handler failure (POST /admin/handler-faults)');
  }
}
