import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Remembers, per database handle, whether the current async context is inside `transaction(fn)`. Using the
 * database itself there (instead of `tx`) would silently run outside the transaction, on another connection
 * (or wait for one the transaction holds, when the pool is full): it is refused with a clear error.
 */
export class TransactionScope {
  readonly #storage = new AsyncLocalStorage<true>();

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#storage.run(true, fn);
  }

  /** Throws when called from inside a transaction of this database. */
  assertOutside(operation: string): void {
    if (this.#storage.getStore()) {
      throw new Error(
        `db.${operation}() called inside db.transaction(fn): use the tx argument instead ` +
          '(it would run outside the transaction, on another connection)',
      );
    }
  }
}
