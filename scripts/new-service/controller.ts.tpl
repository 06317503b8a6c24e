import { Controller, Get, Inject } from '@nestjs/common';
import { SERVICE_CONTEXT, type ServiceContext } from '@rebound/service-defaults';

@Controller('api/__NAME__')
export class __CLASS__Controller {
  readonly #context: ServiceContext;

  constructor(@Inject(SERVICE_CONTEXT) context: ServiceContext) {
    this.#context = context;
  }

  @Get('hello')
  hello(): { service: string; instance: string } {
    return { service: this.#context.service, instance: this.#context.instance };
  }
}
