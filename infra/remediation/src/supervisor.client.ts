import { readFile } from 'node:fs/promises';
import { callHttp, type HttpAnswer } from '@rebound/kube';

export type { HttpAnswer } from '@rebound/kube';

/**
 * The local supervisor's control server, found through `<dataRoot>/local/supervisor.json` at every call (a
 * supervisor that restarted listens elsewhere).
 */
export class SupervisorClient {
  readonly #stateFile: string;
  readonly #token: string;

  /** `token`: the bearer token the control server asks of every POST (the services' ADMIN_TOKEN). */
  constructor(stateFile: string, token: string) {
    this.#stateFile = stateFile;
    this.#token = token;
  }

  async get(path: string): Promise<HttpAnswer> {
    return this.#call('GET', path);
  }

  async post(path: string, body: unknown = {}): Promise<HttpAnswer> {
    return this.#call('POST', path, body);
  }

  /** A POST to a replica's admin port (`url` from the supervisor's status), with the same token. */
  async admin(url: string, path: string, body: unknown): Promise<HttpAnswer> {
    return callHttp(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` },
      body,
    });
  }

  async #call(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    let url: string;
    try {
      url = (JSON.parse(await readFile(this.#stateFile, 'utf8')) as { url: string }).url;
    } catch {
      throw new Error(`no supervisor (no ${this.#stateFile})`);
    }
    return callHttp(new URL(path, url), {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` },
      ...(body !== undefined && { body }),
    });
  }
}
