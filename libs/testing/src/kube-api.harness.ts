import { createServer } from 'node:http';

/** One request the loopback API answerer received. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: unknown;
}
export interface KubeAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A loopback HTTP server that answers `METHOD path` with `answer(key, body)` (404 with a Status when undefined) and
 * records every request: the API server's side of the remediation controller's Kubernetes actions and of the
 * services' ConfigMap degradation store, without a cluster.
 */
export async function startKubeApi(answer: (key: string, body: unknown) => KubeAnswer | undefined): Promise<{
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      const body = text === '' ? undefined : JSON.parse(text);
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
      });
      const found = answer(`${req.method} ${req.url}`, body) ?? {
        status: 404,
        body: { kind: 'Status', message: 'not found' },
      };
      res.writeHead(found.status, { 'content-type': 'application/json' }).end(JSON.stringify(found.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
