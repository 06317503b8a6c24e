import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RolloutController, RolloutRefused, type RolloutRequest } from './rollout.controller.ts';
import { parseVersion } from './version.profile.ts';

const MAX_BODY = 16 * 1024;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy(new Error('body too large'));
    });
    req.on('end', () => {
      try {
        resolve(body === '' ? {} : JSON.parse(body));
      } catch {
        reject(new Error('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

const SETTING_KEYS = ['progressDeadlineMs', 'windowMs', 'intervalMs', 'propagationMs'] as const;
const THRESHOLD_KEYS = [
  'minRequests',
  'minLatencyRequests',
  'maxErrorRatioIncrease',
  'maxP99Ratio',
  'p99SlackMs',
  'maxRssIncreaseBytes',
] as const;

function numbers<K extends string>(
  source: unknown,
  keys: readonly K[],
  where: string,
): Partial<Record<K, number>> {
  if (source === undefined) return {};
  if (typeof source !== 'object' || source === null) throw new Error(`${where}: expected an object`);
  const out: Partial<Record<K, number>> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!(keys as readonly string[]).includes(key)) throw new Error(`${where}: unknown field '${key}'`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`${where}.${key}: expected a number >= 0`);
    }
    out[key as K] = value;
  }
  return out;
}

/** `POST /rollouts` body → a request, or an error naming the bad field. */
export function parseRolloutRequest(body: unknown): RolloutRequest {
  if (typeof body !== 'object' || body === null) throw new Error('expected a JSON object');
  const { process, to, behaviour, settings, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`unknown field '${unknown[0]}'`);
  if (typeof process !== 'string' || process === '') throw new Error('process: expected an entry name');
  const version = parseVersion(to, behaviour);
  const { thresholds, ...timing } = (settings ?? {}) as Record<string, unknown>;
  if (settings !== undefined && (typeof settings !== 'object' || settings === null)) {
    throw new Error('settings: expected an object');
  }
  return {
    process,
    to: version,
    settings: {
      ...numbers(timing, SETTING_KEYS, 'settings'),
      thresholds: numbers(thresholds, THRESHOLD_KEYS, 'settings.thresholds'),
    },
  };
}

/**
 * The rollout routes of the supervisor's control server:
 * - `GET /rollouts`: the rollout under way, the last ones (with their reasons) and the version of every replica;
 * - `POST /rollouts` `{process, to, behaviour?, settings?}`: start one (202), 400 bad request, 409 one under way;
 * - `POST /rollouts/rollback` `{reason, process?}`: roll the rollout under way back, or undo the last completed one.
 */
export function rolloutRoutes(controller: RolloutController) {
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (path !== '/rollouts' && path !== '/rollouts/rollback') return false;
    if (req.method === 'GET' && path === '/rollouts') {
      json(res, 200, controller.status());
      return true;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: path === '/rollouts' ? 'GET, POST' : 'POST' }).end();
      return true;
    }
    readBody(req).then(
      (body) => {
        try {
          if (path === '/rollouts') {
            json(res, 202, controller.start(parseRolloutRequest(body)));
            return;
          }
          const { reason, process } = body as { reason?: unknown; process?: unknown };
          if (typeof reason !== 'string' || reason === '')
            throw new Error('reason: expected a non-empty string');
          if (process !== undefined && typeof process !== 'string')
            throw new Error('process: expected a string');
          json(res, 202, controller.rollback(reason, process));
        } catch (error) {
          const status = error instanceof RolloutRefused && error.conflict ? 409 : 400;
          json(res, status, { error: (error as Error).message });
        }
      },
      (error: Error) => json(res, 400, { error: error.message }),
    );
    return true;
  };
}
