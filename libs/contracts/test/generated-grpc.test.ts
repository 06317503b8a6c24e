import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { catalogV1, ordersV1, paymentsV1 } from '../src/index.ts';

describe('generated catalog client and service definition', () => {
  let server: grpc.Server;
  let client: catalogV1.CatalogServiceClient;

  before(async () => {
    server = new grpc.Server();
    const product: catalogV1.Product = {
      id: 'p-1',
      name: 'Kettle',
      description: 'Boils water',
      price: { amountMinor: 2_999, currency: 'EUR' },
    };
    const impl: catalogV1.CatalogServiceServer = {
      listProducts: (_call, callback) => callback(null, { products: [product], nextPageToken: '' }),
      getProduct: (call, callback) => {
        if (call.request.id === product.id) callback(null, { product });
        else callback({ code: grpc.status.NOT_FOUND, details: `no product ${call.request.id}` });
      },
    };
    server.addService(catalogV1.CatalogServiceService, impl);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new catalogV1.CatalogServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  it('round-trips a request and response over a real socket', async () => {
    const response = await new Promise<catalogV1.GetProductResponse>((resolve, reject) =>
      client.getProduct({ id: 'p-1' }, (error, value) => (error ? reject(error) : resolve(value))),
    );
    assert.equal(response.product?.name, 'Kettle');
    assert.deepEqual(response.product?.price, { amountMinor: 2_999, currency: 'EUR' });
  });

  it('carries a server status code to the client', async () => {
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      client.getProduct({ id: 'nope' }, (e) => resolve(e as grpc.ServiceError)),
    );
    assert.equal(error.code, grpc.status.NOT_FOUND);
    assert.match(error.details, /no product nope/);
  });

  it('names the full method path for interceptors and metrics', () => {
    assert.equal(
      catalogV1.CatalogServiceService.getProduct.path,
      '/rebound.catalog.v1.CatalogService/GetProduct',
    );
  });
});

describe('generated messages', () => {
  it('keeps money as integer minor units through the wire format', () => {
    const bytes = paymentsV1.ChargeRequest.encode({
      paymentId: 'pay-1',
      orderId: 'o-1',
      amount: { amountMinor: 9_007_199_254_740, currency: 'EUR' },
    }).finish();
    const decoded = paymentsV1.ChargeRequest.decode(bytes);
    assert.equal(decoded.amount?.amountMinor, 9_007_199_254_740);
    assert.ok(Number.isInteger(decoded.amount?.amountMinor));
  });

  it('uses string-literal enums that survive encoding by number', () => {
    const order = ordersV1.Order.fromPartial({
      id: 'o-1',
      status: 'ORDER_STATUS_CANCELLED',
      cancellationReason: 'CANCELLATION_REASON_OUT_OF_STOCK',
    });
    const decoded = ordersV1.Order.decode(ordersV1.Order.encode(order).finish());
    assert.equal(decoded.status, ordersV1.OrderStatus.ORDER_STATUS_CANCELLED);
    assert.equal(decoded.cancellationReason, 'CANCELLATION_REASON_OUT_OF_STOCK');
  });

  it('rejects malformed protobuf bytes with an error instead of garbage', () => {
    assert.throws(() =>
      ordersV1.PlaceOrderRequest.decode(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])),
    );
  });
});
