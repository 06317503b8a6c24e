import { Client, credentials, Metadata } from '@rebound/service-defaults';

/** `grpc.health.v1.HealthCheckResponse.ServingStatus` names, plus what the gateway saw when it got no answer. */
export type ReplicaStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE';

export interface ReplicaView {
  readonly service: string;
  readonly address: string;
  readonly status: ReplicaStatus;
  readonly detail?: string;
}

const SERVING_STATUS: Record<number, ReplicaStatus> = {
  0: 'UNKNOWN',
  1: 'SERVING',
  2: 'NOT_SERVING',
  3: 'SERVICE_UNKNOWN',
};
const CHECK_PATH = '/grpc.health.v1.Health/Check';
const CHECK_TIMEOUT_MS = 500;

/** Reads field 1 (varint `status`) of a HealthCheckResponse; the message has no other field. */
function decodeServingStatus(bytes: Buffer): number {
  let offset = 0;
  let status = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset++]!;
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[offset++] ?? 0;
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    if (tag === 0x08) status = value;
    else if ((tag & 7) !== 0) break;
  }
  return status;
}

/** HealthCheckRequest `{ service }` (field 1, string); the empty name asks about the server as a whole. */
function encodeRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  return name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

/**
 * The platform as the gateway sees it: the `grpc.health.v1` status of every replica it calls, checked on
 * demand with a short deadline (one channel per replica, reused).
 */
export class PlatformStatus {
  readonly #targets: ReadonlyArray<{ service: string; address: string; client: Client }>;

  constructor(services: Readonly<Record<string, readonly string[]>>) {
    this.#targets = Object.entries(services).flatMap(([service, addresses]) =>
      addresses.map((address) => ({
        service,
        address,
        client: new Client(address, credentials.createInsecure(), {
          'grpc.initial_reconnect_backoff_ms': 200,
          'grpc.max_reconnect_backoff_ms': 1_000,
        }),
      })),
    );
  }

  check(): Promise<ReplicaView[]> {
    return Promise.all(
      this.#targets.map(
        ({ service, address, client }) =>
          new Promise<ReplicaView>((resolve) => {
            client.makeUnaryRequest(
              CHECK_PATH,
              (request: Buffer) => request,
              (bytes: Buffer) => bytes,
              encodeRequest(''),
              new Metadata(),
              { deadline: Date.now() + CHECK_TIMEOUT_MS },
              (error, bytes) => {
                if (error || bytes === undefined) {
                  resolve({ service, address, status: 'UNREACHABLE', detail: error?.details ?? 'no answer' });
                } else {
                  resolve({
                    service,
                    address,
                    status: SERVING_STATUS[decodeServingStatus(bytes)] ?? 'UNKNOWN',
                  });
                }
              },
            );
          }),
      ),
    );
  }

  close(): void {
    for (const target of this.#targets) target.client.close();
  }
}
