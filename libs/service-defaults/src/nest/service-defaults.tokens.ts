/** Injection tokens of what `ServiceDefaultsModule` provides to every feature module. */
export const SERVICE_CONTEXT = Symbol.for('rebound.service-defaults.context');
export const SERVICE_CONFIG = Symbol.for('rebound.service-defaults.config');
export const LOGGER = Symbol.for('rebound.service-defaults.logger');
export const METRICS_REGISTRY = Symbol.for('rebound.service-defaults.metrics-registry');
export const HEALTH_PROBES = Symbol.for('rebound.service-defaults.health-probes');
export const ADMIN_SERVER = Symbol.for('rebound.service-defaults.admin-server');
export const FAULT_INJECTOR = Symbol.for('rebound.service-defaults.fault-injector');
export const RPC_CLIENTS = Symbol.for('rebound.service-defaults.rpc-clients');
