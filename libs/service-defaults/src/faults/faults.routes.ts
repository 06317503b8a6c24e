import type { AdminServer } from '@rebound/health';
import { z } from 'zod';
import { registerJsonAdminRoute } from '../admin/admin-route.util.ts';
import { type FaultInjector, faultSettingsSchema } from './fault.injector.ts';

const faultsBodySchema = faultSettingsSchema.extend({ crash: z.boolean().optional() }).strict();

/** The body, with each link fault's target checked against the peers this process calls. */
const bodySchemaFor = (faults: FaultInjector) =>
  faultsBodySchema.superRefine((body, context) => {
    body.links?.forEach((link, index) => {
      const known = faults.linkTargets;
      if (known.includes(link.target)) return;
      context.addIssue({
        code: 'custom',
        path: ['links', index, 'target'],
        message: `this service has no client for '${link.target}' (it calls: ${known.length > 0 ? known.join(', ') : 'no service'})`,
      });
    });
  });

/**
 * `GET /admin/faults` (current settings), `POST /admin/faults` (any subset of the settings; `{"crash": true}`
 * ends the process once the answer is sent; `links` must name peers this process calls), `DELETE /admin/faults`
 * (everything off). Bearer token required.
 */
export function registerFaultRoutes(admin: AdminServer, faults: FaultInjector, token: string): void {
  registerJsonAdminRoute(admin, {
    path: '/admin/faults',
    token,
    schema: bodySchemaFor(faults),
    get: () => faults.settings,
    post: ({ crash, ...change }) => (crash ? { ...faults.settings, crashing: true } : faults.update(change)),
    reset: () => faults.reset(),
    afterPost: ({ crash }) => {
      if (crash) faults.crash();
    },
  });
}
