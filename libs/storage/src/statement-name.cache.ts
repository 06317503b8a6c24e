import { PREPARED_STATEMENT_LIMIT } from './constants.ts';

/**
 * Names for parameterised statements, so each connection parses and plans a statement once and then only binds
 * and executes it (PostgreSQL's prepared statements; `pg` prepares a named statement on first use per
 * connection). Names are given per distinct SQL text, first come first served, up to `limit`: past it (SQL built
 * at run time, an unbounded set) statements go unnamed, so no connection ever holds an unbounded number of them.
 */
export class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #limit: number;

  constructor(limit = PREPARED_STATEMENT_LIMIT) {
    this.#limit = limit;
  }

  /** The name for `sql`, or `undefined` once `limit` texts have names. */
  for(sql: string): string | undefined {
    const known = this.#names.get(sql);
    if (known !== undefined || this.#names.size >= this.#limit) return known;
    const name = `rebound_${this.#names.size + 1}`;
    this.#names.set(sql, name);
    return name;
  }
}
