/** Every code a {@link TripwireError} can carry; documented in the package README. */
export type TripwireErrorCode =
  'TRIPWIRE_INVALID_OPTIONS' | 'TRIPWIRE_INVALID_CONFIG' | 'TRIPWIRE_SOURCE_FAILED';

/**
 * The SDK's one error class. Only `createClient` (and `createTestClient`) throw it, for invalid
 * options; config problems at run time are reported through `client.on('error')`, never thrown.
 */
export class TripwireError extends Error {
  override readonly name = 'TripwireError';
  readonly code: TripwireErrorCode;

  constructor(code: TripwireErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
