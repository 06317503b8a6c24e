import { readFile } from 'node:fs/promises';
import { request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The local supervisor's control server, found through `<dataRoot>/local/supervisor.json` at every call (a
 * supervisor that restarted listens elsewhere).
 */
export class SupervisorClient {
  readonly #stateFile: string;

  constructor(stateFile: string) {
    this.#stateFile = stateFile;
  }

  async get(path: string): Promise<HttpAnswer> {
    return this.#call('GET', path);
  }

  async post(path: string, body: unknown = {}): Promise<HttpAnswer> {
    return this.#call('POST', path, body);
  }

  async #call(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    let url: string;
    try {
      url = (JSON.parse(await readFile(this.#stateFile, 'utf8')) as { url: string }).url;
    } catch {
      throw new Error(`no supervisor (no ${this.#stateFile})`);
    }
    return new Promise((resolve, reject) => {
      const req = request(
        `${url}${path}`,
        { method, agent: false, timeout: 5000, headers: { 'content-type': 'application/json' } },
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
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}
