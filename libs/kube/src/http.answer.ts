import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  readonly status: number;
  /** The body parsed as JSON, or the text when it is not JSON. */
  readonly body: unknown;
}

export interface HttpCall {
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Extra CA certificates for an `https:` URL (a cluster's own CA). */
  readonly ca?: string | Buffer;
}

const TIMEOUT_MS = 5_000;

/** One HTTP(S) call without a pooled connection, failing after 5 s without an answer. */
export function callHttp(url: URL, call: HttpCall): Promise<HttpAnswer> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const { method, headers = {}, body, ca } = call;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers, timeout: TIMEOUT_MS, agent: false, ...(ca ? { ca } : {}) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: kept as text.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${url.pathname}: no answer within ${TIMEOUT_MS / 1000} s`)),
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
