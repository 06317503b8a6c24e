import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from '@rebound/service-defaults';
import { errorBody, HttpError, isHttpError } from './http.error.ts';
import { maybeRequestStateOf } from './request.state.ts';
import { shortCause } from './short-cause.util.ts';

const CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Any error, as the edge's one error shape; unexpected ones are logged and become a 500 without internals. */
export function toHttpError(error: unknown, method: string, url: string): HttpError {
  if (isHttpError(error)) return error;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return new HttpError(404, 'not_found', `no route ${method} ${url.split('?', 1)[0]}`);
    return new HttpError(status, CODES[status] ?? 'error', error.message);
  }
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (error as { code?: unknown }).code;
    let message = error instanceof Error ? error.message : 'bad request';
    if (status === 413) message = 'request body is larger than the limit';
    else if (status === 400 && typeof code === 'string' && code.includes('JSON'))
      message = `malformed JSON body: ${message}`;
    return new HttpError(status, CODES[status] ?? 'bad_request', message);
  }
  return new HttpError(500, 'internal', 'internal error');
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const state = maybeRequestStateOf(request);
  const http = toHttpError(error, request.method, request.url);
  if (http.status >= 500 && !isHttpError(error)) {
    // A bug: its stack is worth the space, once.
    state?.logger.error({ err: error, method: request.method, url: request.url }, 'unhandled error');
    if (state) state.logged = true;
  } else if (http.status >= 500 && http.cause !== undefined && state) {
    // A dependency's failure: one short line, written with the response's own (edge.hooks.ts), no stack.
    state.cause = `${http.message}: ${shortCause(http.cause)}`;
  }
  void reply
    .code(http.status)
    .headers(http.headers)
    .send(errorBody(http, state?.requestId ?? String(request.id)));
}

/** Every error a route throws, through the same mapping as the errors Fastify raises itself. */
@Catch()
export class EdgeErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
