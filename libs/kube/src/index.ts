export type { HttpAnswer, HttpCall } from './http.answer.ts';
export { callHttp } from './http.answer.ts';
export type { KubeClientOptions } from './kube.client.ts';
export { KubeClient } from './kube.client.ts';
