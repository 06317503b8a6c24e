export { freePort, freePortBlock } from './free-port.ts';
export type { PostgresServer } from './postgres-server.ts';
export { findPostgresBinDir, skipUnlessPostgres, startPostgres } from './postgres-server.ts';
export { rpcFailure } from './rpc-failure.ts';
export type { ServiceProcess, ServiceProcessOptions } from './service-process.ts';
export { adminRequest, LOCAL_ADMIN_TOKEN, metricValue, startServiceProcess } from './service-process.ts';
export { skipUnlessBinary } from './system-binary.ts';
export type { WaitForOptions } from './wait-for.ts';
export { waitFor } from './wait-for.ts';
