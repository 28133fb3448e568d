export { startDemo, DEFAULT_FEATURES } from './start-demo.js';
export type { Demo, DemoOptions } from './start-demo.js';
export { startTraffic } from './generate-traffic.js';
export type { Traffic, TrafficOptions, TrafficStats } from './generate-traffic.js';
export { simulateRequest } from './simulate-request.js';
export type { Feature, Regression, SimulatedRequest } from './simulate-request.js';
export { startTelemetry } from './telemetry.js';
export type { TelemetryOptions } from './telemetry.js';
