import type { ContextPluginOptions } from '../context.js';
import type { DeliveryHub } from './delivery-hub.js';

/** Options of the SDK delivery and OFREP route plugins: the context plus the shared hub. */
export interface DeliveryPluginOptions extends ContextPluginOptions {
  hub: DeliveryHub;
}
