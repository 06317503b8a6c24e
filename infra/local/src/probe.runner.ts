import { request } from 'node:http';
import { connect } from 'node:net';
import type { ProbeSpec } from './topology.types.ts';

export interface ProbeOutcome {
  readonly ok: boolean;
  /** Why it failed (status code, connection error, timeout); empty on success. */
  readonly detail: string;
}

/**
 * Runs one probe against 127.0.0.1 with kubelet semantics: HTTP GET succeeds on a 2xx or 3xx status,
 * TCP succeeds when the connection opens; anything slower than `timeoutMs` fails. Never rejects.
 */
export function runProbe(spec: ProbeSpec): Promise<ProbeOutcome> {
  return spec.kind === 'http'
    ? httpProbe(spec.port, spec.path, spec.timeoutMs)
    : tcpProbe(spec.port, spec.timeoutMs);
}

function httpProbe(port: number, path: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false });
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(
        status >= 200 && status < 400 ? { ok: true, detail: '' } : { ok: false, detail: `HTTP ${status}` },
      );
    });
    req.on('timeout', () => {
      resolve({ ok: false, detail: `timed out after ${timeoutMs} ms` });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, detail: error.code ?? error.message }),
    );
    req.end();
  });
}

function tcpProbe(port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    socket.on('connect', () => {
      resolve({ ok: true, detail: '' });
      socket.destroy();
    });
    socket.on('timeout', () => {
      resolve({ ok: false, detail: `timed out after ${timeoutMs} ms` });
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, detail: error.code ?? error.message }),
    );
  });
}
