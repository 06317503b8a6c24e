export type { BrokerOptions, RunningBroker } from './server/broker.ts';
export { start } from './server/broker.ts';
export type { FsyncPolicy } from './server/broker-context.ts';
export type { ConnectionStats } from './server/connection.ts';
