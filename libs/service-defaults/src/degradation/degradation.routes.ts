import type { AdminServer } from '@rebound/health';
import { z } from 'zod';
import { registerJsonAdminRoute } from '../admin/admin-route.util.ts';
import type { DegradationFlags } from './degradation.flags.ts';

/**
 * `GET /admin/degradation` (every declared flag's state), `POST /admin/degradation {"flag", "on", "reason"?}`
 * (400 naming an undeclared flag), `DELETE /admin/degradation` (every flag off). Bearer token required, as for
 * every admin route. Answers with every flag's state once the change has taken effect.
 */
export function registerDegradationRoutes(admin: AdminServer, flags: DegradationFlags, token: string): void {
  const schema = z
    .strictObject({
      flag: z.string().min(1).max(64),
      on: z.boolean(),
      reason: z.string().max(500).default(''),
    })
    .superRefine((body, ctx) => {
      if (!flags.has(body.flag)) {
        ctx.addIssue({
          code: 'custom',
          path: ['flag'],
          message: `no degradation flag '${body.flag}' here (declared: ${flags.names().join(', ') || 'none'})`,
        });
      }
    });
  registerJsonAdminRoute(admin, {
    path: '/admin/degradation',
    token,
    schema,
    get: () => ({ flags: flags.states() }),
    post: async ({ flag, on, reason }) => {
      await flags.set(flag, on, reason);
      return { flags: flags.states() };
    },
    reset: async () => {
      for (const name of flags.names()) await flags.set(name, false, 'DELETE /admin/degradation');
      return { flags: flags.states() };
    },
  });
}
