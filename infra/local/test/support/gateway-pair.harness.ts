import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock, waitFor } from '@rebound/testing';
import type { StatusReport, StatusRow } from '../../src/index.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

/** The real supervisor running `up --only gateway`: two real gateway replicas behind the front, nothing else. */
export interface GatewayPair {
  /** The supervisor's control server, `http://127.0.0.1:<port>`. */
  readonly control: string;
  /** The front's URL for the gateway entry. */
  readonly frontUrl: string;
  /** Everything the supervisor printed so far. */
  output(): string;
  status(): Promise<StatusReport>;
  /** Both gateway replicas in `/status` and ready. */
  bothReady(): Promise<StatusRow[]>;
  /** SIGINT to the supervisor, then its data directory removed. */
  stop(): Promise<void>;
}

export async function startGatewayPair(adminToken: string): Promise<GatewayPair> {
  const basePort = await freePortBlock(80);
  const dataDir = await mkdtemp(join(tmpdir(), 'rebound-gateway-pair-'));
  const args = ['--conditions=development', CLI, 'up', '--only', 'gateway'];
  const child: ChildProcess = spawn(
    process.execPath,
    [...args, '--base-port', String(basePort), '--data-dir', dataDir],
    { env: { ...process.env, NO_COLOR: '1', ADMIN_TOKEN: adminToken }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
  }
  const exit = new Promise((resolve) => child.once('close', resolve));
  const stop = async () => {
    child.kill('SIGINT');
    await exit;
    await rm(dataDir, { recursive: true, force: true });
  };
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  try {
    const control = (
      await waitFor(
        () => {
          if (exited) throw new Error(`the supervisor exited before serving; it said:\n${out}`);
          return /control (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        },
        { description: 'the control server line', timeoutMs: 20_000 },
      )
    )[1]!;
    const status = async () => (await (await fetch(`${control}/status`)).json()) as StatusReport;
    const bothReady = (): Promise<StatusRow[]> =>
      waitFor(
        async () => {
          const rows = (await status()).rows.filter((r) => r.process === 'gateway');
          return rows.length === 2 && rows.every((r) => r.ready) ? rows : undefined;
        },
        { description: 'both gateway replicas ready', timeoutMs: 90_000, intervalMs: 100 },
      );
    await bothReady();
    const frontUrl = (await status()).urls.find((u) => u.name === 'gateway')?.url ?? '';
    return { control, frontUrl, output: () => out, status, bothReady, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
