import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, Priority } from '@rebound/service-defaults';
import { nameActiveSpan } from '@rebound/service-defaults';
import type { GatewayContext } from '../gateway.context.ts';
import { errorBody, HttpError, retryAfterSeconds } from './http.error.ts';
import { ShedDecision } from './load.shedder.ts';
import { maybeRequestStateOf, type RequestState, setRequestState } from './request.state.ts';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Checkout is what the shop lives on; reads can wait (or be served from cache) when the edge is overloaded. */
export function priorityOf(method: string, path: string): Priority {
  if (method === 'POST' && path === '/api/orders') return 'critical';
  if (path.startsWith('/api/orders/')) return 'sheddable-plus';
  return 'sheddable';
}

function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return authorization.slice(7);
  return undefined;
}

function refuse(reply: FastifyReply, requestId: string, error: HttpError): FastifyReply {
  return reply.code(error.status).headers(error.headers).send(errorBody(error, requestId));
}

/**
 * The edge, in the order a request meets it: request id (and, with tracing on, the span named after the route and
 * its trace id in `X-Trace-Id`) → (on /api) API key → abuse block → per-client token
 * bucket → load shedding. Afterwards: RED metrics per route, abuse strikes for 429/4xx, one log line.
 */
export function registerEdgeHooks(app: FastifyInstance, context: GatewayContext): void {
  const { apiKeys, blocker, throttle, shedder, edge, http, logger, httpFaults: faults } = context;

  app.addHook('onRequest', async (request, reply) => {
    const incoming = request.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    reply.header('x-request-id', requestId);
    const route = request.routeOptions.url ?? 'unmatched';
    const traceId = nameActiveSpan(`${request.method} ${route}`, { 'http.route': route });
    if (traceId !== undefined) reply.header('x-trace-id', traceId);
    const state: RequestState = {
      requestId,
      started: performance.now(),
      logger: logger.child({ requestId }),
      client: undefined,
    };
    setRequestState(request, state);
    const path = request.url.split('?', 1)[0] ?? '/';

    if (path.startsWith('/api/')) {
      const ipKey = `ip:${request.ip}`;
      const ipBlocked = blocker.blockedFor(ipKey);
      if (ipBlocked > 0) {
        edge.blocked.inc({ client: 'unauthenticated' });
        return refuse(reply, requestId, blocked(ipBlocked));
      }
      const key = apiKeyOf(request);
      const client = apiKeys.authenticate(key);
      if (client === undefined) {
        edge.unauthenticated.inc({ reason: key === undefined ? 'missing' : 'unknown' });
        const message =
          key === undefined
            ? 'missing API key: send it in the X-Api-Key header (or Authorization: Bearer <key>)'
            : 'unknown API key';
        return refuse(
          reply,
          requestId,
          new HttpError(401, 'unauthorized', message, { headers: { 'www-authenticate': 'ApiKey' } }),
        );
      }
      state.client = client;
      const blockedMs = blocker.blockedFor(client);
      if (blockedMs > 0) {
        edge.blocked.inc({ client });
        return refuse(reply, requestId, blocked(blockedMs));
      }
      const waitMs = throttle.admit(client);
      if (waitMs > 0) {
        edge.throttled.inc({ client });
        return refuse(
          reply,
          requestId,
          new HttpError(429, 'too_many_requests', `rate limit of client ${client} exceeded; retry later`, {
            headers: { 'retry-after': retryAfterSeconds(waitMs) },
          }),
        );
      }
    }

    const priority = priorityOf(request.method, path);
    const admission = shedder.admit(priority);
    if (admission instanceof ShedDecision) {
      edge.shed.inc({ priority, reason: admission.reason });
      return refuse(
        reply,
        requestId,
        new HttpError(503, 'overloaded', admission.message, {
          headers: { 'retry-after': retryAfterSeconds(admission.retryAfterMs) },
        }),
      );
    }
    edge.inflight.inc();
    const closed = new Promise<void>((resolve) => {
      reply.raw.once('close', () => {
        edge.inflight.dec();
        admission.release();
        resolve();
      });
    });

    if (faults.active && path.startsWith('/api/')) {
      try {
        await faults.apply(closed);
      } catch (error) {
        return refuse(reply, requestId, error as HttpError);
      }
      // The client gave up while the request hung: nothing is left to answer.
      if (reply.raw.destroyed) return reply.code(499).send();
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const state = maybeRequestStateOf(request);
    if (state === undefined) return;
    const status = reply.statusCode;
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = (performance.now() - state.started) / 1000;
    http.observe(`${request.method} ${route}`, String(status), seconds);
    edge.concurrencyLimit.set(shedder.limit);
    if (status >= 400 && status < 500 && status !== 403) {
      const who = state.client ?? `ip:${request.ip}`;
      if (blocker.strike(who)) {
        edge.blocks.inc({ client: state.client ?? 'unauthenticated' });
        state.logger.warn(
          { client: who },
          `blocking ${who} for ${context.config.BLOCK_DURATION_MS} ms: too many 4xx answers`,
        );
      }
    }
    const line = {
      method: request.method,
      url: request.url,
      status,
      ms: Math.round(seconds * 1000),
      client: state.client,
      ...(state.cause === undefined ? {} : { cause: state.cause }),
    };
    if (status >= 500) {
      if (!state.logged) state.logger.warn(line, 'request failed');
    } else if (status >= 400) state.logger.info(line, 'request refused');
    else state.logger.debug(line, 'request');
  });
}

function blocked(ms: number): HttpError {
  return new HttpError(
    403,
    'blocked',
    'this client is blocked for abuse (too many refused requests); retry later',
    {
      headers: { 'retry-after': retryAfterSeconds(ms) },
    },
  );
}
