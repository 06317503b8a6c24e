import { Injectable } from '@nestjs/common';

/**
 * The sagas this process is driving right now, by order id: live requests and recovery both register here, so
 * recovery never picks up a saga a request in this process is still running, and shutdown can wait for all.
 */
@Injectable()
export class RunningSagas {
  readonly #running = new Map<string, Promise<void>>();

  get(orderId: string): Promise<void> | undefined {
    return this.#running.get(orderId);
  }

  has(orderId: string): boolean {
    return this.#running.has(orderId);
  }

  /** Registers `saga` until it settles (its errors are the caller's to handle). */
  track(orderId: string, saga: Promise<void>): Promise<void> {
    const tracked = saga.finally(() => this.#running.delete(orderId));
    this.#running.set(orderId, tracked);
    return tracked;
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running.values()]);
  }

  get size(): number {
    return this.#running.size;
  }
}
