import protobuf from 'protobufjs';
import {
  checkEnd,
  createReader,
  readRange,
  readVarint64,
  WireError,
  type Reader,
} from './wire-reader.js';

/** Scalar types sent as varints (a packed repeated one is a run of varints). */
const VARINT_TYPES = new Set([
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'bool',
  'enum',
]);
const MAX_DEPTH = 64;

/**
 * Walks a protobuf body along `type` and throws `WireError` on any varint past 64 bits (a
 * tenth byte above 1): protobufjs's decoder silently drops those bits, which would store a value
 * the sender never wrote. Run before `type.decode` on the paths that use it (metrics, logs).
 */
export function checkVarints(type: protobuf.Type, body: Uint8Array): void {
  const reader = createReader(body);
  walkMessage(reader, type, body.length, 0);
}

function walkMessage(reader: Reader, type: protobuf.Type, end: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new WireError(`messages nested deeper than ${MAX_DEPTH}`);
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    if (wireType === 0) {
      readVarint64(reader);
      continue;
    }
    if (wireType !== 2) {
      reader.skipType(wireType, 0, tag >>> 3);
      continue;
    }
    const start = readRange(reader, end);
    const after = reader.pos;
    const field = type.fieldsById[tag >>> 3];
    const nested = field?.resolvedType;
    if (nested instanceof protobuf.Type) {
      reader.pos = start;
      walkMessage(reader, nested, after, depth + 1);
    } else if (field?.repeated === true && VARINT_TYPES.has(field.type)) {
      reader.pos = start;
      while (reader.pos < after) readVarint64(reader);
      checkEnd(reader, after);
    }
  }
  checkEnd(reader, end);
}
