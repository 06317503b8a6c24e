import type { AdminServer } from '@rebound/health';
import { type FaultInjector, faultSettingsSchema, registerJsonAdminRoute } from '@rebound/service-defaults';
import { z } from 'zod';

const faultsBodySchema = faultSettingsSchema.extend({ crash: z.boolean().optional() }).strict();

/**
 * `GET|POST|DELETE /admin/faults` on the admin port, bearer token required: the same contract as every
 * gRPC service (service-defaults), with per-request faults applied at the HTTP edge.
 */
export function registerGatewayFaultRoutes(admin: AdminServer, faults: FaultInjector, token: string): void {
  registerJsonAdminRoute(admin, {
    path: '/admin/faults',
    token,
    schema: faultsBodySchema,
    get: () => faults.settings,
    post: ({ crash, ...change }) => (crash ? { ...faults.settings, crashing: true } : faults.update(change)),
    reset: () => faults.reset(),
    afterPost: ({ crash }) => {
      if (crash) faults.crash();
    },
  });
}
