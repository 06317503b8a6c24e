import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../src/index.ts';

const dockerDir = join(repoRoot, 'infra/docker');
const dockerfiles = readdirSync(dockerDir).filter(
  (f) => /^Dockerfile(\.[a-z0-9-]+)?$/.test(f) && !f.endsWith('.dockerignore'),
);

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The last stage: from its FROM to the end. */
function finalStage(list: Instruction[]): Instruction[] {
  const last = list.map((i) => i.op).lastIndexOf('FROM');
  return list.slice(last);
}

describe('infra/docker', () => {
  it('has a Dockerfile and a Dockerfile.dockerignore next to it', () => {
    assert.ok(dockerfiles.includes('Dockerfile'));
    const ignore = readFileSync(join(dockerDir, 'Dockerfile.dockerignore'), 'utf8');
    for (const entry of ['**/node_modules', '**/dist', '.git', '**/.env'])
      assert.ok(ignore.includes(entry), entry);
  });

  for (const file of dockerfiles) {
    describe(file, () => {
      const text = readFileSync(join(dockerDir, file), 'utf8');
      const list = instructions(text);
      const args = new Map(
        list
          .filter((i) => i.op === 'ARG' && i.args.includes('='))
          .map((i) => i.args.split('=', 2) as [string, string]),
      );
      const resolve = (image: string) =>
        image.replace(/\$\{?([A-Z_]+)\}?/g, (_, name: string) => args.get(name) ?? '');

      it('is multi-stage and every base image is node:24 slim pinned to an exact version or a digest', () => {
        const froms = list
          .filter((i) => i.op === 'FROM')
          .map((i) => resolve(i.args.split(/\s+/)[0] as string));
        assert.ok(froms.length >= 2, 'not multi-stage');
        for (const image of froms) {
          assert.match(
            image,
            /^node:24\.\d+\.\d+-slim(@sha256:[a-f0-9]{64})?$|^node@sha256:[a-f0-9]{64}$/,
            image,
          );
          assert.doesNotMatch(image, /:latest/);
        }
      });

      it('runs the final stage as a numeric non-root user', () => {
        const users = finalStage(list).filter((i) => i.op === 'USER');
        assert.ok(users.length > 0, 'no USER in the final stage');
        const user = users.at(-1)?.args ?? '';
        assert.match(user, /^\d+(:\d+)?$/, `USER ${user} is not numeric`);
        assert.notEqual(Number(user.split(':')[0]), 0, 'USER 0 is root');
      });

      it('starts node dist/main.js directly as PID 1 (exec form), never through npm', () => {
        const start = finalStage(list).filter((i) => i.op === 'CMD' || i.op === 'ENTRYPOINT');
        assert.ok(start.length > 0);
        for (const i of start) {
          const parsed = JSON.parse(i.args) as string[];
          assert.ok(Array.isArray(parsed), `${i.op} must be exec form`);
        }
        const command = start.flatMap((i) => JSON.parse(i.args) as string[]);
        assert.deepEqual(command, ['node', 'dist/main.js']);
        assert.doesNotMatch(text, /\b(npm|pnpm|yarn)\s+(run\s+)?start\b/);
      });

      it('installs production dependencies only into the runtime and bakes in no secret', () => {
        assert.match(text, /--prod\b/);
        for (const i of list.filter((x) => x.op === 'ENV' || x.op === 'ARG')) {
          assert.doesNotMatch(i.args, /(TOKEN|PASSWORD|SECRET|API_KEY|DATABASE_URL)/i, `${i.op} ${i.args}`);
        }
        assert.ok(finalStage(list).some((i) => i.op === 'COPY' && i.args.includes('--from=')));
      });
    });
  }
});
