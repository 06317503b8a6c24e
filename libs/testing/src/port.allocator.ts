import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Ports are picked below the kernel's ephemeral range (32768 and up on Linux): a port from `listen(0)` is
 * ephemeral, so any client socket on the machine may take it between the pick and the child's bind, which CI
 * saw as EADDRINUSE. Parallel test processes share this range, so each pick also takes a reservation file that
 * no other process can take until it is older than `RESERVATION_MS`, by which time the port is bound (and fails
 * the bind check) or given up.
 */
const FIRST_PORT = 20_000;
const END_PORT = 32_000;
const RESERVATION_MS = 120_000;
const RESERVATIONS = join(tmpdir(), `rebound-test-ports-${process.getuid?.() ?? 'user'}`);

function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  try {
    // Wall time on purpose: it is compared with a file's mtime, which other processes wrote.
    if (Date.now() - statSync(file).mtimeMs < RESERVATION_MS) return false;
    unlinkSync(file);
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false; // another process renewed it first
  }
}

function release(port: number): void {
  try {
    unlinkSync(join(RESERVATIONS, String(port)));
  } catch {
    // expired and taken over meanwhile, or already gone
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

let reservationsReady = false;

/**
 * A base port whose next `size` ports are free and reserved for this process, for the supervisor, which derives
 * every port from one base.
 */
export async function freePortBlock(size: number): Promise<number> {
  if (!reservationsReady) {
    mkdirSync(RESERVATIONS, { recursive: true });
    reservationsReady = true;
  }
  const slots = Math.floor((END_PORT - FIRST_PORT) / size);
  for (let attempt = 0; attempt < 100; attempt++) {
    // Unseeded on purpose: parallel test processes must spread over the range, not all try the same blocks.
    const base = FIRST_PORT + Math.floor(Math.random() * slots) * size;
    const ports = Array.from({ length: size }, (_, i) => base + i);
    const taken: number[] = [];
    for (const port of ports) {
      if (!reserve(port)) break;
      taken.push(port);
    }
    if (taken.length === size && (await Promise.all(ports.map(bindable))).every(Boolean)) return base;
    for (const port of taken) release(port); // a block given up leaves no reservations behind for others to skip
  }
  throw new Error(`no block of ${size} free ports found between ${FIRST_PORT} and ${END_PORT}`);
}

/** A TCP port on 127.0.0.1, free and reserved for this process, for a child process to listen on. */
export function freePort(): Promise<number> {
  return freePortBlock(1);
}
