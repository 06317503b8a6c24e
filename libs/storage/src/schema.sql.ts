/** Schema names are plain identifiers, so they can be quoted into SQL safely. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name '${schema}': use lower-case letters, digits and _ (e.g. 'orders')`);
  }
  return `"${schema}"`;
}

/** Creates the schema if it is missing; a concurrent creator winning the race is not an error. */
export async function ensureSchema(exec: (sql: string) => Promise<unknown>, schema: string): Promise<void> {
  try {
    await exec(`CREATE SCHEMA IF NOT EXISTS ${quoteSchema(schema)}`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
