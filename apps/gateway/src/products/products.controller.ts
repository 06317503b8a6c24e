import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from '@rebound/service-defaults';
import { z } from 'zod';
import { requestStateOf } from '../edge/request.state.ts';
import { validate } from '../edge/request.validation.ts';
import { type CatalogAnswer, CatalogService } from './catalog.service.ts';

export const FALLBACK_HEADER = 'x-rebound-fallback';

const listQuery = z.strictObject({
  pageSize: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(50),
  pageToken: z.string().max(512, 'is too long').default(''),
});

const productId = z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"');

function mark<T>(reply: FastifyReply, answer: CatalogAnswer<T>): T {
  if (answer.fallbackAgeSeconds !== undefined) {
    const flag = answer.flag === undefined ? '' : `; flag=${answer.flag}`;
    reply.header(FALLBACK_HEADER, `catalog-cache; age=${answer.fallbackAgeSeconds}${flag}`);
  }
  return answer.value;
}

@Controller('api/products')
export class ProductsController {
  readonly #catalog: CatalogService;

  constructor(@Inject(CatalogService) catalog: CatalogService) {
    this.#catalog = catalog;
  }

  @Get()
  async list(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const { pageSize, pageToken } = validate(listQuery, query, 'query');
    const answer = await this.#catalog.list(pageSize, pageToken, requestStateOf(request).requestId);
    return mark(reply, answer);
  }

  @Get(':id')
  async get(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const valid = validate(productId, id, 'product id');
    const answer = await this.#catalog.get(valid, requestStateOf(request).requestId);
    return { product: mark(reply, answer) };
  }
}
