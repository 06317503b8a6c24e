export { freePort } from './free-port.ts';
export type { PostgresServer } from './postgres-server.ts';
export { findPostgresBinDir, skipUnlessPostgres, startPostgres } from './postgres-server.ts';
export { skipUnlessBinary } from './system-binary.ts';
export type { WaitForOptions } from './wait-for.ts';
export { waitFor } from './wait-for.ts';
