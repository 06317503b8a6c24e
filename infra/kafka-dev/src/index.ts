export type { FsyncPolicy } from './server/broker.context.ts';
export type { BrokerOptions, RunningBroker } from './server/broker.server.ts';
export { start } from './server/broker.server.ts';
export type { ConnectionStats } from './server/connection.handler.ts';
