/** Where supervisor and child output goes: one line at a time, prefixed, optionally coloured. */
export interface LogMux {
  /** A line a child wrote (stdout and stderr alike). */
  child(source: string, line: string): void;
  /** A supervisor event (started, probe failed, restarting, ready, ...). */
  event(line: string): void;
  /** A supervisor event that needs attention. */
  warn(line: string): void;
  /** A block of text (the status table) printed as is. */
  block(text: string): void;
}

export interface LogMuxOptions {
  readonly write: (text: string) => void;
  readonly color: boolean;
  /** Every source name, so prefixes line up. */
  readonly sources: readonly string[];
}

const SUPERVISOR = 'local';
// Readable on dark and light terminals: cyan, magenta, yellow, green, blue, then bright variants.
const PALETTE = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];

/** Whether colour should be used: a TTY and no NO_COLOR (https://no-color.org). */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** Multiplexes every child's lines behind an aligned `name |` prefix, one colour per source. */
export function createLogMux({ write, color, sources }: LogMuxOptions): LogMux {
  const width = Math.max(SUPERVISOR.length, ...sources.map((source) => source.length));
  const colours = new Map(sources.map((source, index) => [source, PALETTE[index % PALETTE.length] ?? 0]));
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const prefix = (source: string, code: number) => paint(code, `${source.padEnd(width)} |`);
  return {
    child(source, line) {
      write(`${prefix(source, colours.get(source) ?? 0)} ${line}\n`);
    },
    event(line) {
      write(`${prefix(SUPERVISOR, 1)} ${line}\n`);
    },
    warn(line) {
      write(`${prefix(SUPERVISOR, 1)} ${paint(33, line)}\n`);
    },
    block(text) {
      write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}
