export { buildApp } from './app.js';
export type { TripwireApp, BuildOptions } from './app.js';
export { startServer, addressOf } from './server.js';
export { loadConfig, tableNames, settings } from './config.js';
export type { Config, ClickHouseConfig, IngestConfig, TableNames } from './config.js';
export { main } from './cli.js';
export { ErrorCodes, TripwireHttpError, createError } from './errors.js';
export type { ErrorCode } from './errors.js';
