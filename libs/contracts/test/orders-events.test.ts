import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EventSchemaError,
  isEventSchemaError,
  ORDER_EVENT_VERSION,
  type OrderEvent,
  orderEventKey,
  parseOrderEvent,
  serializeOrderEvent,
} from '../src/index.ts';

const placed: OrderEvent = {
  type: 'OrderPlaced',
  eventId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  orderId: 'o-1',
  occurredAt: '2026-11-22T07:00:00.000Z',
  version: ORDER_EVENT_VERSION,
  customerId: 'c-1',
  lines: [{ productId: 'p-1', quantity: 2, unitPrice: { amountMinor: 1_999, currency: 'EUR' } }],
  total: { amountMinor: 3_998, currency: 'EUR' },
};

const cancelled: OrderEvent = {
  type: 'OrderCancelled',
  eventId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  orderId: 'o-2',
  occurredAt: '2026-11-22T07:00:01Z',
  version: 1,
  reason: 'PAYMENT_DECLINED',
  detail: 'card declined',
};

function errorOf(fn: () => unknown): EventSchemaError {
  try {
    fn();
  } catch (error) {
    assert.ok(isEventSchemaError(error), `expected an EventSchemaError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a throw');
}

describe('order events', () => {
  it('round-trips every event type through bytes', () => {
    const confirmed: OrderEvent = {
      type: 'OrderConfirmed',
      eventId: 'b3c1f1d2-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      orderId: 'o-1',
      occurredAt: '2026-11-22T07:00:02Z',
      version: 1,
      reservationId: 'r-1',
      paymentId: 'pay-1',
    };
    for (const event of [placed, confirmed, cancelled]) {
      assert.deepEqual(parseOrderEvent(serializeOrderEvent(event)), event);
    }
  });

  it('parses JSON strings and plain objects too', () => {
    assert.deepEqual(parseOrderEvent(JSON.stringify(cancelled)), cancelled);
    assert.deepEqual(parseOrderEvent(structuredClone(cancelled)), cancelled);
  });

  it('keys an event by its order id', () => {
    assert.equal(orderEventKey(placed), 'o-1');
  });

  it('drops unknown fields so newer producers do not break older consumers', () => {
    const parsed = parseOrderEvent({ ...cancelled, addedLater: true });
    assert.deepEqual(parsed, cancelled);
  });

  it('names every bad field in one error', () => {
    const error = errorOf(() =>
      parseOrderEvent({ ...placed, orderId: '', total: { amountMinor: 1.5, currency: 'eur' } }),
    );
    assert.ok(error instanceof EventSchemaError);
    const fields = error.issues.map((issue) => issue.split(':')[0]);
    assert.deepEqual(fields.sort(), ['orderId', 'total.amountMinor', 'total.currency']);
    assert.match(error.message, /^invalid order event: /);
  });

  it('rejects an unknown event type, an unknown version and a bad timestamp', () => {
    assert.match(errorOf(() => parseOrderEvent({ ...cancelled, type: 'OrderShipped' })).message, /type/);
    assert.match(errorOf(() => parseOrderEvent({ ...cancelled, version: 2 })).message, /version/);
    assert.match(
      errorOf(() => parseOrderEvent({ ...cancelled, occurredAt: 'yesterday' })).message,
      /occurredAt/,
    );
  });

  it('reports bytes that are not JSON or not UTF-8', () => {
    assert.match(errorOf(() => parseOrderEvent('{"type":')).message, /not JSON/);
    assert.match(errorOf(() => parseOrderEvent(Uint8Array.from([0xff, 0xfe]))).message, /not UTF-8/);
  });

  it('refuses to serialize an invalid event', () => {
    const bad = { ...placed, lines: [] } as OrderEvent;
    const error = errorOf(() => serializeOrderEvent(bad));
    assert.match(error.message, /refusing to serialize order event OrderPlaced: lines: /);
  });
});
