// Generates src/generated/ (TypeScript types and grpc-js clients) from proto/ with buf + ts-proto.
// Runs before build, typecheck and test, so a clean clone needs no extra step; the output is gitignored.
import { runBuf } from './buf.ts';

const lint = runBuf(['lint']);
if (!lint.ok) {
  process.stderr.write(`buf lint failed:\n${lint.output}\n`);
  process.exit(1);
}
const generated = runBuf(['generate']);
if (!generated.ok) {
  process.stderr.write(`buf generate failed:\n${generated.output}\n`);
  process.exit(1);
}
