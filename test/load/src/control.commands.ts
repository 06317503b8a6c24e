import { MixError, type Operation, parseMix } from './operation.mix.ts';

/** A run-time command, from stdin or the control port; the same grammar for both. */
export type Command =
  | { readonly kind: 'rate'; readonly rate: number }
  | { readonly kind: 'mix'; readonly update?: Partial<Record<Operation, number>> }
  | { readonly kind: 'abuser' | 'bad'; readonly enabled: boolean; readonly rate?: number }
  | { readonly kind: 'pause' | 'resume' | 'status' | 'stop' | 'help' };

export const COMMANDS_HELP = `commands (stdin, or POST /command on the control port):
  rate <n>                 shoppers' arrivals per second (0 pauses them)
  mix <op=share,...>       e.g. mix checkout=0.3 (the others share the rest); 'mix' alone shows it
  abuser on|off|<n>        the client above its rate limit; <n> = its requests per second (turns it on)
  bad on|off|<n>           the client sending bad bodies; <n> = its requests per second (turns it on)
  pause | resume           stop or restart every stream's arrivals
  status                   settings and totals so far
  stop                     end the run and print the summary (as Ctrl-C does)
  help                     this text`;

export class CommandError extends Error {
  override name = 'CommandError';
}

const MAX_RATE = 100_000;

function parseRate(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text) || Number(text) > MAX_RATE) {
    throw new CommandError(
      `${what} expects a number of requests per second in 0..${MAX_RATE}, got '${text ?? ''}'`,
    );
  }
  return Number(text);
}

/** Parses one command line; throws `CommandError` with one line saying what was expected. */
export function parseCommand(line: string): Command {
  const [word = '', ...args] = line.trim().split(/\s+/);
  const rest = args.join('');
  switch (word.toLowerCase()) {
    case 'rate':
      return { kind: 'rate', rate: parseRate(args[0], 'rate') };
    case 'mix':
      if (rest === '') return { kind: 'mix' };
      try {
        return { kind: 'mix', update: parseMix(rest) };
      } catch (error) {
        if (error instanceof MixError) throw new CommandError(`mix: ${error.message}`);
        throw error;
      }
    case 'abuser':
    case 'bad': {
      const kind = word.toLowerCase() as 'abuser' | 'bad';
      const arg = args[0]?.toLowerCase();
      if (arg === 'on') return { kind, enabled: true };
      if (arg === 'off') return { kind, enabled: false };
      const rate = parseRate(arg, `${kind} on|off|<n>`);
      return { kind, enabled: rate > 0, rate };
    }
    case 'pause':
    case 'resume':
    case 'status':
    case 'stop':
    case 'help':
      return { kind: word.toLowerCase() as 'pause' | 'resume' | 'status' | 'stop' | 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'stop' };
    default:
      throw new CommandError(`unknown command '${word}' (try 'help')`);
  }
}
