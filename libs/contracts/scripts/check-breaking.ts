// Fails when proto/ breaks wire or generated-code compatibility with the committed proto-baseline/.
import { checkBreaking } from './buf.ts';

const result = checkBreaking();
if (!result.ok) {
  process.stderr.write(
    `breaking proto changes against proto-baseline/:\n${result.output}\n` +
      'Add a new field or method instead, or (for a deliberate new major version) add a v2 package.\n',
  );
  process.exit(1);
}
process.stdout.write('no breaking proto changes against proto-baseline/\n');
