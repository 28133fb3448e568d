/**
 * The SHA-256 compression function (FIPS 180-4, §6.2.2) as a small WebAssembly module built
 * here, byte by byte, at load time: one exported function, every round unrolled, round
 * constants inlined, `i32.rotr` for the rotations. ~160 ns per 64-byte block on the bench
 * machine, about twice the fastest plain-JS version measured (~280–330 ns; JS has no rotate).
 * Used by `createUnitHasher` to run the two compressions an HMAC of a short unit key needs over
 * precomputed key-pad states; test/hash-unit.test.ts checks it against node:crypto.
 */

/** Round constants (FIPS 180-4, §4.2.2). */
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/** Initial hash value (FIPS 180-4, §5.3.3). */
export const SHA256_IV: readonly number[] = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/** The compression function over the module's 64 KiB memory, seen as 32-bit words. */
export interface Sha256Compressor {
  /**
   * The module's memory as native-endian words: a state is 8 words, a block 16 words, each
   * word holding the value FIPS 180-4 reads big-endian from the message (so callers pack bytes
   * into words, and no byte order is swapped in the module).
   */
  readonly words: Int32Array;
  /** Compresses the block at byte `blockByte` into the state at byte `stateByte`, in place. */
  readonly compress: (stateByte: number, blockByte: number) => void;
}

/** WebAssembly opcodes used (https://webassembly.github.io/spec/core/binary/instructions.html). */
const OP = {
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32ShrU: 0x76,
  i32Rotr: 0x78,
  end: 0x0b,
} as const;
const I32 = 0x7f;
/** `align=4` for i32.load/store, as its log2. */
const ALIGN_4 = 2;

function encodeUnsigned(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

function encodeSigned(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    bytes.push(done ? low : low | 0x80);
    if (done) return bytes;
  }
}

/** Locals of `compress(state, block)`: the two byte addresses, a–h, t1, and w0–w63. */
const STATE = 0;
const BLOCK = 1;
const VARS = 2;
const T1 = 10;
const W = 11;
const DECLARED_LOCALS = 8 + 1 + 64;

/** The body of `compress`, fully unrolled: locals a–h rename each round instead of moving. */
function emitCompressBody(): number[] {
  const code: number[] = [];
  const get = (local: number) => code.push(OP.localGet, ...encodeUnsigned(local));
  const set = (local: number) => code.push(OP.localSet, ...encodeUnsigned(local));
  const constant = (value: number) => code.push(OP.i32Const, ...encodeSigned(value));
  const load = (base: number, word: number) => {
    get(base);
    code.push(OP.i32Load, ALIGN_4, ...encodeUnsigned(word * 4));
  };
  const rotr = (local: number, bits: number) => {
    get(local);
    constant(bits);
    code.push(OP.i32Rotr);
  };
  // Σ/σ: rotr(x, r1) ^ rotr(x, r2) ^ (rotr or shr)(x, r3).
  const sigma = (local: number, r1: number, r2: number, r3: number, shift: boolean) => {
    rotr(local, r1);
    rotr(local, r2);
    code.push(OP.i32Xor);
    get(local);
    constant(r3);
    code.push(shift ? OP.i32ShrU : OP.i32Rotr, OP.i32Xor);
  };
  for (let i = 0; i < 8; i += 1) {
    load(STATE, i);
    set(VARS + i);
  }
  for (let t = 0; t < 16; t += 1) {
    load(BLOCK, t);
    set(W + t);
  }
  let [a, b, c, d, e, f, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => VARS + i) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  for (let t = 0; t < 64; t += 1) {
    if (t >= 16) {
      // w[t] = σ1(w[t-2]) + w[t-7] + σ0(w[t-15]) + w[t-16]
      sigma(W + t - 2, 17, 19, 10, true);
      get(W + t - 7);
      code.push(OP.i32Add);
      sigma(W + t - 15, 7, 18, 3, true);
      code.push(OP.i32Add);
      get(W + t - 16);
      code.push(OP.i32Add);
      set(W + t);
    }
    // t1 = h + Σ1(e) + Ch(e, f, g) + K[t] + w[t], Ch = g ^ (e & (f ^ g))
    get(h);
    sigma(e, 6, 11, 25, false);
    code.push(OP.i32Add);
    get(g);
    get(e);
    get(f);
    get(g);
    code.push(OP.i32Xor, OP.i32And, OP.i32Xor, OP.i32Add);
    constant(K[t]!);
    code.push(OP.i32Add);
    get(W + t);
    code.push(OP.i32Add);
    set(T1);
    // d += t1; h = t1 + Σ0(a) + Maj(a, b, c), Maj = (a & b) | (c & (a | b))
    get(d);
    get(T1);
    code.push(OP.i32Add);
    set(d);
    get(T1);
    sigma(a, 2, 13, 22, false);
    code.push(OP.i32Add);
    get(a);
    get(b);
    code.push(OP.i32And);
    get(c);
    get(a);
    get(b);
    code.push(OP.i32Or, OP.i32And, OP.i32Or, OP.i32Add);
    set(h);
    [a, b, c, d, e, f, g, h] = [h, a, b, c, d, e, f, g];
  }
  [a, b, c, d, e, f, g, h].forEach((local, i) => {
    get(STATE);
    load(STATE, i);
    get(local);
    code.push(OP.i32Add, OP.i32Store, ALIGN_4, ...encodeUnsigned(i * 4));
  });
  code.push(OP.end);
  return code;
}

function encodeSection(id: number, content: number[]): number[] {
  return [id, ...encodeUnsigned(content.length), ...content];
}

function encodeName(name: string): number[] {
  return [...encodeUnsigned(name.length), ...Array.from(name, (char) => char.charCodeAt(0))];
}

/** The module: type (i32, i32) → (), one function, one memory page, both exported. */
export function buildCompressorModule(): Uint8Array {
  const body = [1, ...encodeUnsigned(DECLARED_LOCALS), I32, ...emitCompressBody()];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...encodeSection(1, [1, 0x60, 2, I32, I32, 0]),
    ...encodeSection(3, [1, 0]),
    ...encodeSection(5, [1, 0, 1]),
    ...encodeSection(7, [2, ...encodeName('compress'), 0, 0, ...encodeName('memory'), 2, 0]),
    ...encodeSection(10, [1, ...encodeUnsigned(body.length), ...body]),
  ]);
}

/** The part of the WebAssembly JS API used here (the SDK's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: CompressorExports };
}
interface CompressorExports {
  readonly compress: (stateByte: number, blockByte: number) => void;
  readonly memory: { readonly buffer: ArrayBuffer };
}

/** The compiled module; null once compiling failed. */
let compiled: object | null | undefined;

/** WebAssembly memory is little-endian; `words` must see it in the same byte order. */
const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A new instance (own memory) of the compressor, or undefined where WebAssembly is unavailable
 * (e.g. `node --jitless`) or the host is big-endian: callers then hash with node:crypto.
 */
export function createSha256Compressor(): Sha256Compressor | undefined {
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (wasm === undefined || compiled === null || !IS_LITTLE_ENDIAN) return undefined;
  try {
    compiled ??= new wasm.Module(buildCompressorModule());
    const { compress, memory } = new wasm.Instance(compiled, {}).exports;
    return { words: new Int32Array(memory.buffer), compress };
  } catch {
    compiled = null;
    return undefined;
  }
}
