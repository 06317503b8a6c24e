/** One answer of the gateway, with the time it took on the client's clock. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
  readonly ms: number;
}

export interface ApiRequest {
  readonly method?: string;
  /** Serialised with JSON.stringify unless it is already a string. */
  readonly body?: unknown;
  /** API key sent in `X-Api-Key`; `null` sends none. Default: client-a's local key. */
  readonly apiKey?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** The local default keys of the gateway (`API_KEYS`), one per client id. */
export const API_KEYS = { clientA: 'key-a', clientB: 'key-b' } as const;

/** A request to the gateway's HTTP API; never throws on an HTTP status, only on a socket error or timeout. */
export async function api(baseUrl: string, path: string, request: ApiRequest = {}): Promise<ApiResponse> {
  const started = performance.now();
  const apiKey = request.apiKey === undefined ? API_KEYS.clientA : request.apiKey;
  const body =
    request.body === undefined
      ? undefined
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  const response = await fetch(`${baseUrl}${path}`, {
    method: request.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(apiKey !== null && { 'x-api-key': apiKey }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...request.headers,
    },
    ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(request.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let json: Record<string, unknown>;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  return { status: response.status, headers: response.headers, json, ms };
}

export interface OrderView {
  readonly id: string;
  readonly status: string;
  readonly cancellation?: { readonly reason: string; readonly detail: string };
}

/** POST /api/orders with a fresh or given Idempotency-Key; returns the answer and the order when there is one. */
export async function placeOrder(
  baseUrl: string,
  lines: readonly { productId: string; quantity: number }[],
  idempotencyKey: string,
  apiKey?: string,
): Promise<ApiResponse & { readonly order: OrderView | undefined }> {
  const response = await api(baseUrl, '/api/orders', {
    body: { lines },
    headers: { 'idempotency-key': idempotencyKey },
    ...(apiKey !== undefined && { apiKey }),
  });
  return { ...response, order: response.json.order as OrderView | undefined };
}
