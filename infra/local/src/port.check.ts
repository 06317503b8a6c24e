import { createServer } from 'node:net';
import type { ProcessSpec } from './topology.types.ts';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The ports of present entries that something else already listens on, named by the replica that needs them. */
export async function portsInUse(processes: readonly ProcessSpec[]): Promise<string[]> {
  const present = processes.filter((p) => p.availability.present);
  const wanted = [
    ...present.flatMap((p) => (p.front ? [{ port: p.front.port, owner: `${p.name} front` }] : [])),
    ...present
      .flatMap((p) => p.replicas)
      .flatMap((r) => [
        ...(r.port === undefined ? [] : [{ port: r.port, owner: r.name }]),
        ...(r.adminPort === undefined ? [] : [{ port: r.adminPort, owner: `${r.name} admin` }]),
      ]),
  ];
  const free = await Promise.all(wanted.map(({ port }) => bindable(port)));
  return wanted.filter((_, i) => !free[i]).map(({ port, owner }) => `${port} (${owner})`);
}
