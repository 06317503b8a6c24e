import type { Reader } from './request.reader.ts';

/** The fields of a request header (v1, or v2 for flexible versions) the broker uses. */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string;
  /** Peer address as Kafka reports it (`/127.0.0.1`). */
  readonly clientHost: string;
  /** Aborted when the connection closes: parked handlers stop waiting. */
  readonly signal: AbortSignal;
}

/**
 * One Kafka API: its key, the version range advertised (every version in it is implemented) and the
 * handler. A handler returns the response body, or null when no response is sent (Produce acks=0).
 */
export interface ApiDefinition<Context> {
  readonly key: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * The handler applies the request completely before its first `await`, which only waits for durability
   * (fsync): the connection may serve the next requests meanwhile (answers stay in order). Produce.
   */
  readonly appliedBeforeAwait?: boolean;
  handle(context: Context, header: RequestHeader, body: Reader): Promise<Buffer | null> | Buffer | null;
}
