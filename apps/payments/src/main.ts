import { startInstrumented } from '@rebound/service-defaults/tracing';

// Tracing patches HTTP as it loads (gRPC is traced by @rebound/rpc itself), so it starts before the service's own imports.
await startInstrumented('payments', () => import('./app.bootstrap.ts'));
