export type { PgliteDev, PgliteDevOptions } from './server.ts';
export { startPgliteDev } from './server.ts';
