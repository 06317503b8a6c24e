export type {
  Notification,
  ReceivedAlert,
  WebhookReceiver,
  WebhookReceiverOptions,
} from './webhook.receiver.ts';
export { formatAlert, startWebhookReceiver } from './webhook.receiver.ts';
