export type { LedgerRow, NotificationRow } from './database.audit.ts';
export { netCharges, readLedger, readNotifications, readStock } from './database.audit.ts';
export type { KubeAnswer, SeenRequest } from './kube-api.harness.ts';
export { startKubeApi } from './kube-api.harness.ts';
export { freePort, freePortBlock } from './port.allocator.ts';
export type { PostgresServer, StartPostgresOptions } from './postgres.harness.ts';
export { findPostgresBinDir, skipUnlessPostgres, startPostgres } from './postgres.harness.ts';
export { rpcFailure } from './rpc-failure.assert.ts';
export { startSagaServices } from './saga-services.harness.ts';
export { DATABASE_SERVICES, serviceDatabaseUrl } from './service-database.fixture.ts';
export type { ServiceProcess, ServiceProcessOptions } from './service-process.harness.ts';
export {
  adminRequest,
  LOCAL_ADMIN_TOKEN,
  metricValue,
  startServiceProcess,
} from './service-process.harness.ts';
export { CHROMIUM_LAUNCH_OPTIONS, skipUnlessBinary } from './system-binary.guard.ts';
export type { WaitForOptions } from './wait-for.util.ts';
export { waitFor } from './wait-for.util.ts';
