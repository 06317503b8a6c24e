import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminMethod, AdminServer } from '@rebound/health';
import type { z } from 'zod';

const MAX_BODY_BYTES = 16 * 1024;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time check of `Authorization: Bearer <token>`. */
export function isAuthorized(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1].trim()), digest(token));
}

export function sendJson(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(body)}\n`);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
}

class BadRequest extends Error {}

/** `field.path: message; …` for a failed zod parse, naming `whole` when the issue is about the whole input. */
export function describeIssues(error: z.ZodError, whole: string): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : whole}: ${issue.message}`)
    .join('; ');
}

/** Answers 401 (with `WWW-Authenticate`) unless the request carries the bearer token; true when it did answer. */
export function refusedUnauthorized(
  request: IncomingMessage,
  response: ServerResponse,
  token: string,
  what: string,
): boolean {
  if (isAuthorized(request, token)) return false;
  request.resume();
  response.setHeader('www-authenticate', 'Bearer realm="rebound-admin"');
  sendJson(response, 401, { error: `${what} needs Authorization: Bearer <ADMIN_TOKEN>` });
  return true;
}

export interface JsonAdminRoute<S extends z.ZodType> {
  readonly path: string;
  readonly token: string;
  /** GET: the current state. */
  readonly get: () => unknown;
  /** POST: a body validated by `schema` (400 naming the bad fields otherwise); returns (or resolves to) the new state. */
  readonly schema: S;
  readonly post: (body: z.infer<S>) => unknown;
  /** DELETE: back to defaults; returns (or resolves to) the new state. */
  readonly reset?: () => unknown;
  /** Runs after a POST's answer has been written (e.g. crash the process). */
  readonly afterPost?: (body: z.infer<S>) => void;
}

/** Registers an authenticated JSON admin route (`GET`, `POST`, optionally `DELETE`); 401 without the bearer token. */
export function registerJsonAdminRoute<S extends z.ZodType>(
  admin: AdminServer,
  route: JsonAdminRoute<S>,
): void {
  const guard =
    (
      method: AdminMethod,
      handle: (request: IncomingMessage, response: ServerResponse) => Promise<void> | void,
    ) =>
    async (request: IncomingMessage, response: ServerResponse) => {
      if (refusedUnauthorized(request, response, route.token, `${method} ${route.path}`)) return;
      await handle(request, response);
    };
  admin.route(
    'GET',
    route.path,
    guard('GET', (_request, response) => sendJson(response, 200, route.get())),
  );
  admin.route(
    'POST',
    route.path,
    guard('POST', async (request, response) => {
      let raw: unknown;
      try {
        raw = await readJson(request);
      } catch (error) {
        sendJson(response, 400, { error: (error as Error).message });
        return;
      }
      const parsed = route.schema.safeParse(raw);
      if (!parsed.success) {
        sendJson(response, 400, { error: describeIssues(parsed.error, 'body') });
        return;
      }
      sendJson(response, 200, await route.post(parsed.data));
      if (route.afterPost) {
        const after = route.afterPost;
        response.once('finish', () => after(parsed.data));
      }
    }),
  );
  if (route.reset) {
    const reset = route.reset;
    admin.route(
      'DELETE',
      route.path,
      guard('DELETE', async (_request, response) => sendJson(response, 200, await reset())),
    );
  }
}
