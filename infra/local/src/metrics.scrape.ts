import { request } from 'node:http';

/** GETs `http://127.0.0.1:<port><path>`; rejects on a non-200 answer or after `timeoutMs`. */
export function scrape(port: number, path = '/metrics', timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(body)
          : reject(new Error(`HTTP ${res.statusCode} from :${port}${path}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from :${port}${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
