import Long from 'long';
import { describe, expect, it } from 'vitest';
import { attributesJson, formatAnyValue } from '../../src/ingest/otlp-attributes.js';
import {
  durationNanos,
  formatDateTime64,
  OtlpInputError,
  readId,
  readNanos,
  readInt64Text,
  readUint64Text,
} from '../../src/ingest/otlp-values.js';

describe('readNanos', () => {
  it.each([
    '0',
    '5',
    '999999999',
    '1000000000',
    '1764000000123456789',
    '1764000000999999999',
    '18446744073709551615',
  ])('splits %s exactly from a Long, a string and (when safe) a number', (text) => {
    const expected = {
      sec: text.length > 9 ? Number(text.slice(0, -9)) : 0,
      ns: Number(text.slice(-9)),
    };
    const long = Long.fromString(text, true);
    expect(readNanos(long, 't')).toEqual(expected);
    expect(readNanos(text, 't')).toEqual(expected);
    if (Number.isSafeInteger(Number(text))) {
      expect(readNanos(Number(text), 't')).toEqual(expected);
    }
  });

  it.each([
    ['0', '1970-01-01 00:00:00.000000000'],
    ['951782400000000001', '2000-02-29 00:00:00.000000001'],
    ['1764000000123456789', '2025-11-24 16:00:00.123456789'],
    ['4107542399999999999', '2100-02-28 23:59:59.999999999'],
    ['9223372036854775807', '2262-04-11 23:47:16.854775807'],
    ['18446744073709551615', '2262-04-11 23:47:16.854775807'],
  ])('formats %s ns as DateTime64(9) text %s (clamped past 2262)', (text, expected) => {
    expect(formatDateTime64(readNanos(text, 't'))).toBe(expected);
  });

  it('rejects a value that is not a count of nanoseconds, naming the field', () => {
    expect(() => readNanos('-1', 'startTimeUnixNano')).toThrow(OtlpInputError);
    expect(() => readNanos(true, 'startTimeUnixNano')).toThrow(/startTimeUnixNano must be/);
  });

  it('computes durations exactly and never negative', () => {
    const start = readNanos('1764000000999999999', 't');
    expect(durationNanos(start, readNanos('1764000001000000001', 't'))).toBe(2);
    expect(durationNanos(start, readNanos('1764000000000000000', 't'))).toBe(0);
  });
});

describe('64-bit integers', () => {
  it('takes intValue as signed and counts as unsigned 64-bit, as strings or JSON numbers', () => {
    expect(readInt64Text('-9223372036854775808', 'intValue')).toBe('-9223372036854775808');
    expect(readInt64Text('9223372036854775807', 'intValue')).toBe('9223372036854775807');
    expect(readInt64Text(-42, 'intValue')).toBe('-42');
    expect(readUint64Text('18446744073709551615', 'count')).toBe('18446744073709551615');
    expect(readUint64Text(7, 'count')).toBe('7');
  });

  it('refuses values outside the type with the field and the range', () => {
    expect(() => readInt64Text('9223372036854775808', 'intValue')).toThrow(
      /intValue must be a signed 64-bit integer .*-2\^63 to 2\^63-1/,
    );
    expect(() => readInt64Text(2 ** 64, 'intValue')).toThrow(/intValue must be/);
    expect(() => readUint64Text('-1', 'count')).toThrow(/count must be an unsigned 64-bit/);
    expect(() => readUint64Text('18446744073709551616', 'count')).toThrow(/count must be/);
    expect(() => readUint64Text(1.5, 'count')).toThrow(/count must be/);
  });
});

describe('readId', () => {
  it('turns bytes and hex of the right length into lowercase hex, and empty into ""', () => {
    expect(readId(Buffer.from('0102030405060708', 'hex'), 'spanId', 8)).toBe('0102030405060708');
    expect(readId('ABCDEF0123456789', 'spanId', 8)).toBe('abcdef0123456789');
    expect(readId('', 'spanId', 8)).toBe('');
    expect(readId(undefined, 'spanId', 8)).toBe('');
  });

  it('flags a wrong length or non-hex id for rejection and a wrong type as malformed', () => {
    expect(readId('abc', 'spanId', 8)).toBeUndefined();
    expect(readId('zzzzzzzzzzzzzzzz', 'spanId', 8)).toBeUndefined();
    expect(readId(Buffer.alloc(4), 'spanId', 8)).toBeUndefined();
    expect(() => readId(12, 'spanId', 8)).toThrow(OtlpInputError);
  });
});

describe('attribute values as the exporter writes them', () => {
  it.each([
    [{ stringValue: 'x' }, 'x'],
    [{ boolValue: false }, 'false'],
    [{ intValue: '-9007199254740993' }, '-9007199254740993'],
    [{ intValue: Long.fromString('9223372036854775807') }, '9223372036854775807'],
    [{ doubleValue: 0.1 }, '0.1'],
    [{ doubleValue: 1e21 }, '1e+21'],
    [{ bytesValue: Buffer.from('hi') }, 'aGk='],
    [
      { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }, { boolValue: true }] } },
      '["a",7,true]',
    ],
    [
      { kvlistValue: { values: [{ key: 'k', value: { doubleValue: 1.5 } }, { key: 'e' }] } },
      '{"k":1.5,"e":null}',
    ],
    [{}, ''],
  ])('formats %j as %s', (value, expected) => {
    expect(formatAnyValue(value)).toBe(expected);
  });

  it('sorts keys and keeps the last of repeated keys', () => {
    const json = attributesJson(
      [
        { key: 'b', value: { stringValue: '1' } },
        { key: 'a', value: { stringValue: '2' } },
        { key: 'b', value: { stringValue: '3' } },
      ],
      'attributes',
    );
    expect(json).toBe('{"a":"2","b":"3"}');
  });
});
