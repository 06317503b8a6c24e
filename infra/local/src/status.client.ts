import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { SupervisorFile } from './control.server.ts';
import type { StatusReport } from './status.types.ts';

/** No supervisor answers: the message is the one line `status` prints. */
export class NoSupervisorError extends Error {
  readonly isNoSupervisorError = true;
}

function get(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode} from ${url}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Asks the supervisor named in `stateFile` for its status; throws `NoSupervisorError` when none runs. */
export async function fetchStatus(stateFile: string, timeoutMs = 3000): Promise<StatusReport> {
  let file: SupervisorFile;
  try {
    file = JSON.parse(await readFile(stateFile, 'utf8')) as SupervisorFile;
  } catch {
    throw new NoSupervisorError(`no supervisor is running (no ${stateFile}); start one with 'npm start'`);
  }
  try {
    return JSON.parse(await get(`${file.url}/status`, timeoutMs)) as StatusReport;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new NoSupervisorError(
      `no supervisor is running (${stateFile} names pid ${file.pid} at ${file.url}, which does not answer: ${reason})`,
    );
  }
}
