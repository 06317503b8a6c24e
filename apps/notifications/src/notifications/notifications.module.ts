import { Module } from '@nestjs/common';
import { NotificationsAdmin } from './notifications.admin.ts';
import { OrderEventsConsumer } from './order-events.consumer.ts';

@Module({ providers: [OrderEventsConsumer, NotificationsAdmin] })
export class NotificationsModule {}
