import 'reflect-metadata';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  Ctx,
  EventPattern,
  type KafkaContext,
  MessagePattern,
  Payload,
  RpcException,
  Transport,
} from '@nestjs/microservices';

/** Events the server received, with the partition they came from. */
export const received: { value: unknown; partition: number }[] = [];

const CONSUMER = {
  sessionTimeout: 6000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 300,
  rebalanceTimeout: 10000,
};

@Controller()
class MathController {
  @MessagePattern('math.sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @MessagePattern('math.fail')
  fail(): never {
    throw new RpcException('boom: division by zero');
  }

  @EventPattern('math.created')
  created(@Payload() value: unknown, @Ctx() context: unknown): void {
    received.push({ value, partition: (context as KafkaContext).getPartition() });
  }
}

@Module({ controllers: [MathController] })
class MathModule {}

/** The NestJS Kafka server (ServerKafka) on the given broker. */
export async function startServer(bootstrap: string): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(MathModule, {
    logger: false,
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'math', brokers: [bootstrap], retry: { retries: 10, initialRetryTime: 100 } },
      consumer: { groupId: 'math', ...CONSUMER },
      subscribe: { fromBeginning: true },
    },
  });
  await app.listen();
  return app;
}

/** A ClientKafka (one replica of a caller) waiting for replies to both request patterns. */
export async function startClient(bootstrap: string): Promise<ClientKafka> {
  const client = new ClientKafka({
    client: { clientId: 'caller', brokers: [bootstrap], retry: { retries: 10, initialRetryTime: 100 } },
    consumer: { groupId: 'caller', ...CONSUMER },
  });
  client.subscribeToResponseOf('math.sum');
  client.subscribeToResponseOf('math.fail');
  await client.connect();
  return client;
}
