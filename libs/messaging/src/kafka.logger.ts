import { type LogEntry, logLevel } from 'kafkajs';

/**
 * kafkajs logs some events of normal operation at ERROR or WARN: a heartbeat answered "the group is rebalancing"
 * (every consumer join or leave), the runner re-joining after it, a CreateTopics for a topic that exists. These
 * are a consumer recovering as designed, so they are logged at INFO (hidden at the default WARN).
 */
const NORMAL = [
  /group is rebalancing/i,
  /topic with this name already exists/i,
  /topic creation errors/i,
  /not the correct coordinator/i,
];

export function isNormalOperation(entry: LogEntry): boolean {
  const text = `${entry.log.message} ${String((entry.log as { error?: unknown }).error ?? '')}`;
  return NORMAL.some((pattern) => pattern.test(text));
}

const LABELS: Record<number, string> = {
  [logLevel.ERROR]: 'ERROR',
  [logLevel.WARN]: 'WARN',
  [logLevel.INFO]: 'INFO',
  [logLevel.DEBUG]: 'DEBUG',
};

/**
 * kafkajs's own console format (one JSON line per entry, `[namespace] message`), with the events of normal
 * operation above taken down to INFO, and `write` to send the line elsewhere (tests).
 */
export function quietLogCreator(
  write: (level: logLevel, line: string) => void = (level, line) =>
    level <= logLevel.WARN ? process.stderr.write(`${line}\n`) : process.stdout.write(`${line}\n`),
) {
  return (configured: logLevel) => (entry: LogEntry) => {
    const level = entry.level <= logLevel.WARN && isNormalOperation(entry) ? logLevel.INFO : entry.level;
    if (level > configured || level === logLevel.NOTHING) return;
    const prefix = entry.namespace ? `[${entry.namespace}] ` : '';
    write(
      level,
      JSON.stringify({
        ...entry.log,
        level: LABELS[level] ?? entry.label,
        message: `${prefix}${entry.log.message}`,
      }),
    );
  };
}
