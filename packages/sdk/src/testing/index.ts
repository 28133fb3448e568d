export { createTestClient, applyOverrides } from './create-test-client.js';
export type { TestClientOptions, FlagOverride } from './create-test-client.js';
export {
  forEachVariantCombination,
  listVariantCombinations,
} from './for-each-variant-combination.js';
export type { VariantCombination, FlagVariantChoice } from './for-each-variant-combination.js';
