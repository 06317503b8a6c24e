import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { createRpcClient } from '../src/index.ts';
import { CatalogService, product } from './support.ts';

// The NestJS glue needs decorators, so it is built by tsc; this suite loads the built output.
const { RpcHandlers, RpcModule, RpcServerHost, RPC_SERVER } = (await import(
  '../dist/nest/index.js' as string
)) as typeof import('../src/nest/index.ts');

class CatalogHandlers {
  readonly prefix = 'nest:';
  getProduct(request: { id: string }) {
    return product(request.id, this.prefix + request.id);
  }
  listProducts() {
    return { products: [], nextPageToken: '' };
  }
}
// Decorators applied as functions: this file runs from source with Node's type stripping.
Injectable()(CatalogHandlers);
RpcHandlers(CatalogService)(CatalogHandlers);

class AppModule {}
Module({
  imports: [RpcModule.forRoot({ address: '127.0.0.1:0', drainTimeoutMs: 1_000 })],
  providers: [CatalogHandlers],
})(AppModule);

describe('RpcModule (NestJS)', () => {
  it('serves @RpcHandlers providers with their instance, provides clients, and drains on close', async () => {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    await app.init();
    const port = app.get(RpcServerHost).port;
    assert.ok(port !== undefined && port > 0);
    const CATALOG = Symbol('catalog');
    class ClientModule {}
    Module({
      imports: [RpcModule.forClient(CATALOG, CatalogService, { target: [`127.0.0.1:${port}`] })],
    })(ClientModule);
    const clientApp = await NestFactory.createApplicationContext(ClientModule, {
      logger: false,
      abortOnError: false,
    });
    const client = clientApp.get<ReturnType<typeof createRpcClient<typeof CatalogService>>>(CATALOG);
    const response = await client.getProduct({ id: '9' });
    assert.equal(response.product?.name, 'nest:9', 'the handler ran with its provider instance as this');
    await clientApp.close();
    assert.equal(client.$rpc.pool.endpoints.length, 0, 'the client was closed at shutdown');
    const server = app.get(RPC_SERVER) as { draining: boolean };
    await app.close();
    assert.equal(server.draining, true);
  });
});
