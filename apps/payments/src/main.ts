import { startInstrumented } from '@rebound/observability/tracing';

// Tracing patches gRPC and HTTP as they load, so it starts before the service's own imports.
await startInstrumented('payments', () => import('./service.ts'));
