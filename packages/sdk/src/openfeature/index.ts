export { TripwireProvider } from './tripwire-provider.js';
export type { TripwireProviderOptions } from './tripwire-provider.js';
