import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Remembers, per database handle, whether the current async context is inside `transaction(fn)`. Using the
 * database itself there (instead of `tx`) would deadlock PGlite (one session, held by the transaction) and, on
 * PostgreSQL, silently run outside the transaction; both engines refuse it with the same clear error.
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
          '(this would deadlock on PGlite and escape the transaction on PostgreSQL)',
      );
    }
  }
}
