import { ResilienceError } from './resilience.error.ts';

/** Which injected fault failed a call. */
export type InjectedFaultKind = 'error' | 'abort';

/** The default error of the fault-injection policy (chaos), so dashboards can tell injected from real failures. */
export class InjectedFaultError extends ResilienceError {
  declare readonly isInjectedFaultError: true;
  readonly kind: InjectedFaultKind;

  constructor(kind: InjectedFaultKind) {
    super(kind === 'error' ? 'Injected fault: error' : 'Injected fault: call aborted');
    this.kind = kind;
  }

  override get name(): string {
    return 'InjectedFaultError';
  }
}

Object.defineProperty(InjectedFaultError.prototype, 'isInjectedFaultError', { value: true });

export const isInjectedFaultError = (e: unknown): e is InjectedFaultError =>
  typeof e === 'object' &&
  e !== null &&
  (e as { isInjectedFaultError?: unknown }).isInjectedFaultError === true;
