import type { AdminServer } from '@rebound/health';
import { z } from 'zod';
import { registerJsonAdminRoute } from '../admin/admin-auth.ts';
import { type FaultInjector, faultSettingsSchema } from './fault-injector.ts';

const faultsBodySchema = faultSettingsSchema.extend({ crash: z.boolean().optional() }).strict();

/**
 * `GET /admin/faults` (current settings), `POST /admin/faults` (any subset of the settings; `{"crash": true}`
 * ends the process once the answer is sent), `DELETE /admin/faults` (everything off). Bearer token required.
 */
export function registerFaultRoutes(admin: AdminServer, faults: FaultInjector, token: string): void {
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
