import type { HttpRequest, HttpResponse, Transport } from '../../src/http.transport.ts';

export type Responder = (
  request: HttpRequest,
  index: number,
) => HttpResponse | Error | Promise<HttpResponse | Error>;

/** A transport that answers from a function and records every request with the time it was sent. */
export function fakeTransport(
  respond: Responder,
  now: () => number = () => 0,
): Transport & { readonly sent: { request: HttpRequest; at: number }[] } {
  const sent: { request: HttpRequest; at: number }[] = [];
  const send: Transport = async (request) => {
    sent.push({ request, at: now() });
    const answer = await respond(request, sent.length - 1);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return Object.assign(send, { sent });
}

/** An answer as the gateway gives it. */
export function answer(
  status: number,
  body: unknown = {},
  headers: Record<string, string> = {},
): HttpResponse {
  return { status, headers, body };
}

/** A refusal in the gateway's JSON shape. */
export function refusal(status: number, error: string, headers: Record<string, string> = {}): HttpResponse {
  return answer(status, { error, message: error, requestId: 'test' }, headers);
}

export const order = (id: string, status: string) => ({ order: { id, status, lines: [] } });
