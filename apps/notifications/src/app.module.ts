import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { DatabaseModule, MessagingModule } from '@rebound/service-defaults';
import { NotificationsModule } from './notifications/notifications.module.ts';

@Module({
  imports: [
    DatabaseModule.forRoot({
      schema: 'notifications',
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
    }),
    MessagingModule.forRoot(),
    NotificationsModule,
  ],
})
export class AppModule {}
