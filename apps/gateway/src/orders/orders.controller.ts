import { Body, Controller, Get, Headers, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from '@rebound/service-defaults';
import { HttpError } from '../edge/http.error.ts';
import { requestStateOf } from '../edge/request.state.ts';
import { validate } from '../edge/request.validation.ts';
import { idempotencyKey, orderId, placeOrderBody } from './order.schema.ts';
import { OrdersService } from './orders.service.ts';

@Controller('api/orders')
export class OrdersController {
  readonly #orders: OrdersService;

  constructor(@Inject(OrdersService) orders: OrdersService) {
    this.#orders = orders;
  }

  @Post()
  async place(
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const state = requestStateOf(request);
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new HttpError(415, 'unsupported_media_type', 'send the order as Content-Type: application/json');
    }
    const validKey = validate(idempotencyKey, key, 'Idempotency-Key header');
    const validBody = validate(placeOrderBody, body ?? undefined, 'body');
    const answer = await this.#orders.place(
      state.client ?? 'anonymous',
      validKey,
      validBody,
      state.requestId,
    );
    reply.code(answer.status);
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    return answer.body;
  }

  /** The caller's own order: another client's is a 404 like a missing one (see OrdersService.get). */
  @Get(':id')
  async get(@Param('id') id: string, @Req() request: FastifyRequest): Promise<unknown> {
    const valid = validate(orderId, id, 'order id');
    const state = requestStateOf(request);
    return this.#orders.get(state.client ?? 'anonymous', valid, state.requestId);
  }
}
