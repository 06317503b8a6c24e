/** Publishing to Kafka failed (broker unreachable, not enough replicas, timed out…); `cause` is kafkajs's error. */
export class PublishError extends Error {
  /** Brand for {@link isPublishError}. */
  readonly isPublishError = true;
  readonly topics: readonly string[];

  constructor(topics: readonly string[], cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`publishing to ${topics.join(', ')} failed: ${reason}`, { cause });
    this.name = 'PublishError';
    this.topics = topics;
  }
}

export function isPublishError(error: unknown): error is PublishError {
  return typeof error === 'object' && error !== null && (error as PublishError).isPublishError === true;
}
