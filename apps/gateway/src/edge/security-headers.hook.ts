import type { FastifyInstance } from '@rebound/service-defaults';

/**
 * Security headers on every answer of the gateway, console and API alike: a strict Content-Security-Policy
 * (scripts, styles and requests from this origin only; no inline script or style, no framing, no plugins),
 * no MIME sniffing, no referrer, no framing, and a cross-origin opener and resource policy of its own origin.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
}
