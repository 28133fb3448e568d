export { buildApp } from './app.js';
export type { TripwireApp, BuildOptions } from './app.js';
export { startServer, addressOf } from './server.js';
export { loadConfig, tableNames, settings } from './config.js';
export type {
  Config,
  ClickHouseConfig,
  ControlPlaneConfig,
  IngestConfig,
  TableNames,
} from './config.js';
export { main } from './cli.js';
export { ErrorCodes, TripwireHttpError, createError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type {
  FlagStore,
  StoreChange,
  StoreChangeListener,
  ChangeAuthor,
  EnvironmentChange,
} from './control-plane/flag-store.js';
export type { ChangelogEntry, ChangeAction } from './control-plane/changelog-repository.js';
export type { KillMarker } from './control-plane/flag-transitions.js';
export type { RouteAccess, RouteAuthorization, RouteScope } from './control-plane/auth.js';
export { Actions } from './control-plane/access-policy.js';
export type { Action, Principal, Requirement } from './control-plane/access-policy.js';
export type { TokenStore, TokenRecord, Role } from './control-plane/token-store.js';
export { fetchArmStatistics } from './analysis/fetch-arm-statistics.js';
export type {
  FetchArmStatisticsOptions,
  ArmStatistics,
  ArmStatisticsResult,
} from './analysis/fetch-arm-statistics.js';
export { ResultsResponseSchema } from './analysis/results-schema.js';
export type { ResultsResponse, MetricResult, VariantResult } from './analysis/results-schema.js';
