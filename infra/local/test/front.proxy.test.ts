import assert from 'node:assert/strict';
import {
  Agent,
  createServer as createHttpServer,
  type Server as HttpServer,
  get as httpGet,
} from 'node:http';
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
      clock: { now: () => clock },
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

/** Listens with `replicas` on free ports (gateway-0, gateway-1, …) and a front before them, not yet listening. */
async function frontBefore(
  ...replicas: readonly (Server | HttpServer)[]
): Promise<{ front: FrontProxy; port: number }> {
  const ports = await Promise.all(replicas.map(() => freePort()));
  await Promise.all(
    replicas.map(
      (server, i) => new Promise<void>((resolve) => server.listen(ports[i], '127.0.0.1', resolve)),
    ),
  );
  const port = await freePort();
  const front = new FrontProxy({
    port,
    backends: ports.map((backendPort, i) => ({ name: `gateway-${i}`, port: backendPort })),
    isReady: () => true,
  });
  return { front, port };
}

describe('FrontProxy on a keep-alive HTTP/1.1 connection', () => {
  it('replays the second request of a connection to the next replica when the first dies with it in flight', async () => {
    const sockets = new Set<unknown>();
    let requests = 0;
    // Replica a answers its first request, then dies with the second in flight (the process SIGKILLed).
    const a = createHttpServer((request, response) => {
      sockets.add(request.socket);
      if (++requests === 1) response.end('a');
      else request.socket.destroy();
    });
    const b = createHttpServer((_request, response) => response.end('b'));
    const { front, port } = await frontBefore(a, b);
    await front.listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<string>((resolve, reject) => {
        const request = httpGet({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve(body));
        });
        request.on('error', reject);
      });
    try {
      assert.equal(await get(), 'a');
      assert.equal(await get(), 'b', 'the request the dying replica held was answered by the other one');
      assert.equal(requests, 2, 'replica a got both requests');
      assert.equal(sockets.size, 1, 'on one keep-alive connection');
    } finally {
      agent.destroy();
      await front.close();
      a.close();
      b.close();
    }
  });

  it('does not replay once the connection is upgraded (an answer that is not a final HTTP/1 status)', async () => {
    let upgraded = 0;
    const a = createServer((socket) => {
      socket.once('data', () => {
        upgraded++;
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
        socket.once('data', () => socket.resetAndDestroy());
      });
    });
    const b = createServer((socket) => socket.once('data', () => socket.end('replayed')));
    const { front, port } = await frontBefore(a, b);
    await front.listen();
    try {
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const socket = connect({ port, host: '127.0.0.1' }, () =>
          socket.write('GET / HTTP/1.1\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n'),
        );
        socket.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('\r\n\r\n') && !text.includes('frame')) socket.write('frame');
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(text));
      });
      assert.equal(upgraded, 1);
      assert.match(answer, /^HTTP\/1\.1 101/);
      assert.doesNotMatch(answer, /replayed/, 'the upgraded stream was closed, not replayed elsewhere');
    } finally {
      await front.close();
      a.close();
      b.close();
    }
  });
});

describe('FrontProxy when a replica closes a keep-alive connection between two requests', () => {
  it('keeps the client connection open and sends its next request to the next replica', async () => {
    // Replica a answers, then its connection closes while idle (a replica SIGKILLed between two requests).
    const a = createHttpServer((request, response) => {
      response.end('a', () => request.socket.destroy());
    });
    const b = createHttpServer((_request, response) => response.end('b'));
    const { front, port } = await frontBefore(a, b);
    const parked = new Promise<FrontEvent>((resolve) =>
      front.onEvent((event) => event.type === 'parked' && resolve(event)),
    );
    await front.listen();
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    let closed = false;
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => (closed = true));
    const answerEnding = (body: string) =>
      new Promise<void>((resolve) => {
        const check = () => (text.endsWith(`\r\n\r\n${body}`) ? resolve() : socket.once('data', check));
        check();
      });
    try {
      socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
      await answerEnding('a');
      assert.deepEqual(await parked, { type: 'parked', backend: 'gateway-0' });
      assert.equal(closed, false, 'the client connection outlived the replica that served it');
      socket.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
      await answerEnding('b');
      assert.equal(closed, false);
    } finally {
      socket.destroy();
      await front.close();
      a.close();
      b.close();
    }
  });

  it('closes the client connection when the replica dies in the middle of an answer', async () => {
    const a = createServer((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
        socket.once('drain', () => socket.resetAndDestroy());
        if (socket.writableLength === 0) socket.resetAndDestroy();
      }),
    );
    const { front, port } = await frontBefore(a);
    await front.listen();
    try {
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const socket = connect({ port, host: '127.0.0.1' }, () =>
          socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
        );
        socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        socket.on('error', () => {});
        socket.on('close', () => resolve(text));
      });
      assert.match(answer, /abc$/, 'the client saw the partial answer, then the connection closed');
    } finally {
      await front.close();
      a.close();
    }
  });
});
