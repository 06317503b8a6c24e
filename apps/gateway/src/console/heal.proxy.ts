import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from '@rebound/service-defaults';
import { GATEWAY_CONTEXT, type GatewayContext } from '../gateway.context.ts';

const TIMEOUT_MS = 10_000;

/**
 * `/console/heal/*` → the heal view's backend (`CONSOLE_HEAL_URL`, set by the local runtime), so the console
 * page talks to its own origin only (its CSP allows nothing else). The admin token the user typed travels as
 * `Authorization` and is checked by the backend, then by the services and the supervisor.
 */
@Controller('console/heal')
export class HealProxyController {
  readonly #base: string | undefined;

  constructor(@Inject(GATEWAY_CONTEXT) context: GatewayContext) {
    this.#base = context.config.CONSOLE_HEAL_URL;
  }

  @All('*')
  async forward(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (this.#base === undefined) {
      await reply
        .status(404)
        .send({ error: 'no heal view here: CONSOLE_HEAL_URL is not set (npm start sets it)' });
      return;
    }
    const path = request.url.replace(/^\/console\/heal/, '/heal');
    const headers: Record<string, string> = {};
    if (typeof request.headers.authorization === 'string')
      headers.authorization = request.headers.authorization;
    const hasBody = request.method === 'POST' && request.body !== undefined;
    if (hasBody) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(new URL(path, this.#base), {
        method: request.method,
        headers,
        body: hasBody ? JSON.stringify(request.body) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await reply
        .status(response.status)
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(await response.text());
    } catch (error) {
      await reply.status(502).send({ error: `heal view backend unreachable: ${(error as Error).message}` });
    }
  }
}
