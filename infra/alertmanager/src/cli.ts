// The local webhook receiver: node infra/alertmanager/src/cli.ts [--port 7500] [--file .data/alerts/alerts.jsonl]
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { startWebhookReceiver } from './webhook.receiver.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7500' },
    host: { type: 'string', default: '127.0.0.1' },
    file: { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`webhook-receiver: --port must be 0..65535, got ${values.port}\n`);
  process.exit(2);
}
if (values.file !== undefined) mkdirSync(dirname(values.file), { recursive: true });
const receiver = await startWebhookReceiver({
  host: values.host,
  port,
  ...(values.file !== undefined && { file: values.file }),
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(
  `webhook receiver listening on ${receiver.url} (POST /alerts/<receiver>, GET /alerts)\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void receiver.close().then(() => process.exit(0)));
}
