import { startInstrumented } from '@rebound/observability/tracing';

// Tracing patches HTTP and gRPC as they load, so it starts before the gateway's own imports.
await startInstrumented('gateway', async () => (await import('./bootstrap.ts')).startGateway());
