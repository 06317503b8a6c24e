import { startInstrumented } from '@rebound/service-defaults/tracing';

// Tracing patches HTTP as it loads (gRPC is traced by @rebound/rpc itself), so it starts before the gateway's own imports.
await startInstrumented('gateway', async () => (await import('./app.bootstrap.ts')).startGateway());
