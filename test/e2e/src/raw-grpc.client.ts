import { Client, credentials, type ServiceError, status } from '@grpc/grpc-js';

const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * Sends `bytes` as the request message of `path` (e.g. `/rebound.catalog.v1.CatalogService/GetProduct`) without
 * any serialisation, so malformed protobuf reaches the server; resolves with the status name the server answered.
 */
export async function rawUnaryCall(
  address: string,
  path: string,
  bytes: Buffer,
): Promise<{ code: string; details: string }> {
  const client = new Client(address, credentials.createInsecure());
  try {
    return await new Promise((resolve) => {
      client.makeUnaryRequest(
        path,
        passThrough,
        passThrough,
        bytes,
        { deadline: Date.now() + 5000 },
        (error: ServiceError | null) => {
          const code = error === null ? status.OK : error.code;
          resolve({ code: status[code] ?? String(code), details: error?.details ?? '' });
        },
      );
    });
  } finally {
    client.close();
  }
}
