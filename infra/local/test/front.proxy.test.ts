import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@rebound/testing';
import { type FrontEvent, FrontProxy } from '../src/index.ts';

/** A replica that answers every connection with its name and closes it. */
async function replica(name: string): Promise<{ name: string; port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { name, port, server };
}

/** One client connection through the front: what it read before the connection closed ('' when cut at once). */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
  });
}

describe('FrontProxy: one stable port before the replicas', () => {
  const ready = new Map<string, boolean>();
  const events: FrontEvent[] = [];
  let replicas: Awaited<ReturnType<typeof replica>>[] = [];
  let front: FrontProxy;
  let port = 0;
  let clock = 0;

  before(async () => {
    replicas = await Promise.all(['gateway-0', 'gateway-1', 'gateway-2'].map(replica));
    port = await freePort();
    front = new FrontProxy({
      port,
      backends: replicas.map(({ name, port: backendPort }) => ({ name, port: backendPort })),
      isReady: (name) => ready.get(name) ?? true,
      ejectionMs: 2_000,
      now: () => clock,
    });
    front.onEvent((event) => events.push(event));
    await front.listen();
  });

  after(async () => {
    await front.close();
    for (const { server } of replicas) server.close();
  });

  it('hands new connections to the replicas in turn', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await ask(port));
    assert.deepEqual(answers, ['gateway-0', 'gateway-1', 'gateway-2', 'gateway-0', 'gateway-1', 'gateway-2']);
  });

  it('gives a replica that is not ready no new connection, and takes it back once ready', async () => {
    ready.set('gateway-1', false);
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add(await ask(port));
    assert.deepEqual([...answers].sort(), ['gateway-0', 'gateway-2']);
    ready.set('gateway-1', true);
    const back = new Set<string>();
    for (let i = 0; i < 3; i++) back.add(await ask(port));
    assert.ok(back.has('gateway-1'));
  });

  it('tries the next replica when one refuses, and keeps the refusing one out until its ejection ends', async () => {
    const gone = replicas[2]!;
    await new Promise((resolve) => gone.server.close(resolve));
    events.length = 0;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await ask(port));
    assert.ok(
      answers.every((answer) => answer === 'gateway-0' || answer === 'gateway-1'),
      `every client was answered, by a live replica: ${answers}`,
    );
    const ejections = events.filter((event) => event.type === 'ejected');
    assert.deepEqual(ejections, [{ type: 'ejected', backend: 'gateway-2', reason: 'ECONNREFUSED' }]);
    clock += 2_000;
    gone.server.listen(gone.port, '127.0.0.1');
    await new Promise((resolve) => gone.server.once('listening', resolve));
    const after = new Set<string>();
    for (let i = 0; i < 3; i++) after.add(await ask(port));
    assert.ok(after.has('gateway-2'), 'back in rotation after its ejection');
  });

  it('replays what the client sent to the next replica when one drops the connection before answering', async () => {
    const dropping = replicas[0]!;
    await new Promise((resolve) => dropping.server.close(resolve));
    const received: string[] = [];
    const dropper = createServer((socket) => {
      socket.once('data', (chunk) => {
        received.push(chunk.toString());
        socket.resetAndDestroy();
      });
    });
    await new Promise<void>((resolve) => dropper.listen(dropping.port, '127.0.0.1', resolve));
    const echo = replicas[1]!;
    await new Promise((resolve) => echo.server.close(resolve));
    const echoer = createServer((socket) => socket.once('data', (chunk) => socket.end(`echo ${chunk}`)));
    await new Promise<void>((resolve) => echoer.listen(echo.port, '127.0.0.1', resolve));
    ready.set('gateway-2', false);
    try {
      const answers = [];
      for (let i = 0; i < 2; i++) {
        answers.push(
          await new Promise<string>((resolve) => {
            let answer = '';
            const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(`request ${i}`));
            socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
            socket.on('error', () => {});
            socket.on('close', () => resolve(answer));
          }),
        );
      }
      assert.deepEqual(answers, ['echo request 0', 'echo request 1']);
      assert.ok(received.length >= 1, 'the dropping replica got a request and dropped it');
    } finally {
      ready.set('gateway-2', true);
      dropper.close();
      echoer.close();
      await new Promise<void>((resolve) => dropping.server.listen(dropping.port, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => echo.server.listen(echo.port, '127.0.0.1', resolve));
    }
  });

  it('still uses the live replicas when none is ready, and closes the connection when none is left', async () => {
    clock += 2_000; // the ejections of the tests above are over
    for (const { name } of replicas) ready.set(name, false);
    const answers = new Set<string>();
    for (let i = 0; i < 3; i++) answers.add(await ask(port));
    assert.deepEqual([...answers].sort(), ['gateway-0', 'gateway-1', 'gateway-2']);
    for (const { name } of replicas) ready.set(name, true);
    await Promise.all(replicas.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    events.length = 0;
    assert.equal(await ask(port), '');
    assert.deepEqual(
      events.map((event) => event.type),
      ['ejected', 'ejected', 'ejected', 'rejected'],
    );
    assert.equal(await ask(port), '', 'all three are out');
    assert.deepEqual(events.at(-1), { type: 'rejected', reason: 'no replica left' });
  });
});
