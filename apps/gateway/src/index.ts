export type { RunningGateway } from './app.bootstrap.ts';
export { startGateway } from './app.bootstrap.ts';
export type { GatewayConfig } from './config/gateway.config.ts';
export { DEFAULT_API_KEYS, gatewayConfigSchema, loadGatewayConfig } from './config/gateway.config.ts';
export { FALLBACK_HEADER } from './products/products.controller.ts';
