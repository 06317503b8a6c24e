import assert from 'node:assert/strict';

/** The gRPC status error a call rejected with; fails the test when the call succeeded instead. */
export async function rpcFailure(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code: number; details: string };
  }
  assert.fail('the call succeeded');
}
