// Moving primitive values between JavaScript and DuckDB vectors through the vectors' memory. The
// lake's hot paths (appending a batch, scanning a table) spent more time in node-api's per-value
// path (one wrapper object per timestamp, BigInt arithmetic per validity bit, one native call per
// string) than DuckDB spent encoding or decoding the Parquet. Only the layouts the DuckDB C API
// documents are used: fixed-width values little-endian, validity as 64-bit words, duckdb_string_t
// as {uint32 length; 12 bytes inline | 4-byte prefix + pointer}. Everything else stays on
// node-api's value path.

import { createRequire } from 'node:module';
import { isAscii } from 'node:buffer';
import { endianness } from 'node:os';
import type * as Bindings from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';

// node-api's own copy of the bindings, resolved from node-api's folder as node-api resolves it, so
// it is always the build node-api was made for (the lock file pins both to one version)
const requireHere = createRequire(import.meta.url);
export const bindings = createRequire(requireHere.resolve('@duckdb/node-api'))('@duckdb/node-bindings') as typeof Bindings;

/** The memory layouts below are little-endian; elsewhere callers keep node-api's value path. */
export const rawVectors = endianness() === 'LE';
/** BOOLEAN vectors are one byte per value where the raw path handles them. */
export const rawBooleans = rawVectors && bindings.sizeof_bool === 1;

const STRING_SIZE = 16;
const INLINE = 12;
/** Rows in a DuckDB chunk (its standard vector size). */
export const CHUNK = 2048;

/** A chunk column's validity: none until the first null (all valid); reused chunk after chunk. */
export class NullMask {
  private readonly bits = new Uint8Array(CHUNK / 8);
  private n = 0;
  /** Whether the chunk has a null, so the bits are to be written. */
  used = false;
  count = 0;

  reset(n: number): void {
    this.n = n;
    this.used = false;
    this.count = 0;
  }

  setNull(i: number): void {
    if (!this.used) {
      this.bits.fill(0xff, 0, this.bytes());
      this.used = true;
    }
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.count++;
  }

  /** The validity words covering the chunk's rows (64-bit words, as DuckDB keeps them). */
  bytes(): number {
    return Math.ceil(this.n / 64) * 8;
  }

  write(vec: Bindings.Vector): void {
    if (!this.used) return;
    bindings.vector_ensure_validity_writable(vec);
    bindings.copy_data_to_vector_validity(vec, 0, this.bits.buffer as ArrayBuffer, this.bits.byteOffset, this.bytes());
  }
}

/** Copies a column's first `bytes` bytes of values (and its nulls) into the chunk's vector `ci`. */
export function putColumn(chunk: DuckDBDataChunk, ci: number, data: ArrayBufferView, bytes: number, mask: NullMask): void {
  const vec = bindings.data_chunk_get_vector(chunk.chunk, ci);
  bindings.copy_data_to_vector(vec, 0, data.buffer as ArrayBuffer, data.byteOffset, bytes);
  mask.write(vec);
}

const encoder = new TextEncoder();

/**
 * Strings for one chunk column. Strings of up to 12 UTF-8 bytes are written inline into the
 * vector's memory. Longer ones are encoded into one buffer that DuckDB copies into the vector's
 * string heap with a single call (one call per string cost more than everything else together);
 * each string's duckdb_string_t then points at its bytes there, inside that one allocation. A
 * string holding U+0000 (rare) still takes DuckDB's own per-string assignment, the path every
 * string took before.
 */
export class StringColumn {
  private readonly data: Uint8Array;
  private readonly words: Uint32Array;
  private n = 0;
  private readonly long: Int32Array;
  private readonly longValues: string[];
  private longCount = 0;
  private readonly nul: number[] = [];
  private readonly nulValues: string[] = [];
  /** UTF-8 bytes of non-ASCII strings: those that fit inline, else null. */
  private readonly encoded = new Map<string, Uint8Array | null>();

  constructor(capacity: number) {
    this.data = new Uint8Array(capacity * STRING_SIZE);
    this.words = new Uint32Array(this.data.buffer);
    this.long = new Int32Array(capacity);
    this.longValues = new Array<string>(capacity);
  }

  reset(n: number): void {
    this.n = n;
    // null slots and the long strings' slots stay zero until written
    this.data.fill(0, 0, n * STRING_SIZE);
    // a chunk that failed halfway may have left values behind: join() below must not see them
    this.longValues.fill(undefined as unknown as string, 0, this.longCount);
    this.longCount = 0;
    this.nul.length = 0;
    this.nulValues.length = 0;
  }

  set(i: number, s: string): void {
    const len = s.length;
    if (len <= INLINE) {
      const data = this.data;
      const base = i * STRING_SIZE + 4;
      let j = 0;
      for (; j < len; j++) {
        const c = s.charCodeAt(j);
        if (c === 0 || c > 0x7f) break;
        data[base + j] = c;
      }
      if (j === len) {
        this.words[i * 4] = len;
        return;
      }
      const bytes = this.utf8(s);
      if (bytes) {
        data.set(bytes, base);
        this.words[i * 4] = bytes.length;
        return;
      }
      // not inline after all: clear the bytes written so far, the slot is written below
      data.fill(0, base, base + j);
    }
    if (s.includes('\u0000')) {
      this.nul.push(i);
      this.nulValues.push(s);
    } else {
      this.long[this.longCount] = i;
      this.longValues[this.longCount++] = s;
    }
  }

  /** The UTF-8 bytes when they fit inline and hold no U+0000, else null; cached per column. */
  private utf8(s: string): Uint8Array | null {
    let bytes = this.encoded.get(s);
    if (bytes === undefined) {
      const b = encoder.encode(s);
      bytes = b.length <= INLINE && !b.includes(0) ? b : null;
      if (this.encoded.size < 4096) this.encoded.set(s, bytes);
    }
    return bytes;
  }

  put(chunk: DuckDBDataChunk, ci: number, mask: NullMask): void {
    const vec = bindings.data_chunk_get_vector(chunk.chunk, ci);
    const count = this.longCount;
    if (count > 0) {
      const long = this.long;
      const values = this.longValues;
      const offsets = new Float64Array(count + 1);
      let heap: Uint8Array;
      // encoded string by string when not ASCII: joined, a lone surrogate could pair with the next one's
      // the slots past `count` are empty, which join() skips
      const joined = values.join('');
      if (Buffer.byteLength(joined, 'utf8') === joined.length) {
        heap = Buffer.from(joined, 'latin1');
        let o = 0;
        for (let k = 0; k < count; k++) {
          offsets[k] = o;
          o += values[k]!.length;
        }
        offsets[count] = o;
      } else {
        const parts: Uint8Array[] = [];
        let o = 0;
        for (let k = 0; k < count; k++) {
          const b = encoder.encode(values[k]!);
          parts.push(b);
          offsets[k] = o;
          o += b.length;
        }
        offsets[count] = o;
        heap = new Uint8Array(o);
        for (let k = 0; k < count; k++) heap.set(parts[k]!, offsets[k]!);
      }
      // DuckDB copies the buffer into the vector's string heap; its address comes back in the slot
      const first = long[0]!;
      bindings.vector_assign_string_element_len(vec, first, heap);
      const got = bindings.vector_get_data(vec, (first + 1) * STRING_SIZE);
      const slot = new DataView(got.buffer, got.byteOffset, got.byteLength);
      const base = slot.getUint32(first * STRING_SIZE + 12, true) * 4294967296 + slot.getUint32(first * STRING_SIZE + 8, true);
      const data = this.data;
      const words = this.words;
      for (let k = 0; k < count; k++) {
        const q = long[k]! * 4;
        const o = offsets[k]!;
        const p = base + o;
        words[q] = offsets[k + 1]! - o;
        // the 4-byte prefix DuckDB compares first, then the pointer
        const at = q * 4 + 4;
        data[at] = heap[o]!;
        data[at + 1] = heap[o + 1]!;
        data[at + 2] = heap[o + 2]!;
        data[at + 3] = heap[o + 3]!;
        words[q + 2] = p % 4294967296;
        words[q + 3] = Math.floor(p / 4294967296);
      }
      // the values are not kept past the chunk
      values.fill(undefined as unknown as string, 0, count);
      this.longCount = 0;
    }
    bindings.copy_data_to_vector(vec, 0, this.data.buffer as ArrayBuffer, 0, this.n * STRING_SIZE);
    for (let k = 0; k < this.nul.length; k++) bindings.vector_assign_string_element(vec, this.nul[k]!, this.nulValues[k]!);
    mask.write(vec);
  }
}

// ---- reading

/** The chunk's vector `ci`: a copy of its data (`width` bytes a value) and validity (null: all valid). */
export function vectorOf(chunk: DuckDBDataChunk, ci: number, n: number, width: number): { data: Uint8Array; valid: Uint8Array | null } {
  const vec = bindings.data_chunk_get_vector(chunk.chunk, ci);
  let data: Uint8Array = bindings.vector_get_data(vec, n * width);
  // typed views need their element alignment (the bindings return Buffers, whose slice() is a view)
  if (data.byteOffset % 8 !== 0) data = new Uint8Array(data);
  const valid = bindings.vector_get_validity(vec, Math.ceil(n / 64) * 8);
  return { data, valid };
}

const decoder = new TextDecoder();
const SLOTS = 1024;

/**
 * Decodes VARCHAR vectors. Inline strings are remembered by their 16 bytes in a small
 * direct-mapped cache, so a column of few distinct values decodes each once. Longer strings are
 * fetched in runs: DuckDB keeps a chunk's strings back to back, so one native call reads a run of
 * adjacent strings instead of one call each (only exactly adjacent ones: nothing between two
 * strings is ever read).
 */
export class StringDecoder {
  private readonly keys = new Uint32Array(SLOTS * 4);
  private readonly values: (string | undefined)[] = new Array<string | undefined>(SLOTS);
  private long: number[] = [];

  decode(chunk: DuckDBDataChunk, ci: number, n: number, out: unknown[], at: number): void {
    const { data, valid } = vectorOf(chunk, ci, n, STRING_SIZE);
    const w = new Uint32Array(data.buffer, data.byteOffset, n * 4);
    const keys = this.keys;
    const values = this.values;
    const long = this.long;
    long.length = 0;
    // the whole vector as one Latin-1 string, made at the first miss: an ASCII inline string is
    // then a slice of it, far cheaper than decoding its few bytes on their own
    let latin: string | undefined;
    for (let i = 0; i < n; i++) {
      if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) {
        out[at + i] = null;
        continue;
      }
      const q = i * 4;
      const len = w[q]!;
      if (len > INLINE) {
        long.push(i);
        continue;
      }
      const a = w[q + 1]!;
      const b = w[q + 2]!;
      const c = w[q + 3]!;
      const slot = (Math.imul(len ^ a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) >>> 22;
      const k = slot * 4;
      let s = values[slot];
      if (s === undefined || keys[k] !== len || keys[k + 1] !== a || keys[k + 2] !== b || keys[k + 3] !== c) {
        const start = i * STRING_SIZE + 4;
        const end = start + len;
        let ascii = true;
        for (let j = start; j < end; j++) {
          if (data[j]! > 0x7f) {
            ascii = false;
            break;
          }
        }
        if (ascii) {
          latin ??= Buffer.from(data.buffer, data.byteOffset, n * STRING_SIZE).toString('latin1');
          s = latin.slice(start, end);
        } else {
          // the decoder node-api uses, so a value reads back identically (a leading BOM included)
          s = decoder.decode(data.subarray(start, end));
        }
        keys[k] = len;
        keys[k + 1] = a;
        keys[k + 2] = b;
        keys[k + 3] = c;
        values[slot] = s;
      }
      out[at + i] = s;
    }
    if (long.length > 0) this.decodeLong(data, w, out, at);
  }

  private decodeLong(data: Uint8Array, w: Uint32Array, out: unknown[], at: number): void {
    const long = this.long;
    let first = 0;
    while (first < long.length) {
      // the run: strings each starting where the previous one ends
      const q0 = long[first]! * 4;
      const start = w[q0 + 3]! * 4294967296 + w[q0 + 2]!;
      let end = start + w[q0]!;
      let last = first + 1;
      while (last < long.length) {
        const q = long[last]! * 4;
        if (w[q + 3]! * 4294967296 + w[q + 2]! !== end) break;
        end += w[q]!;
        last++;
      }
      const bytes = bindings.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + long[first]! * STRING_SIZE + 8, end - start);
      if (isAscii(bytes)) {
        // one string for the run; each value is a slice of it (one byte, one character)
        const run = decoder.decode(bytes);
        for (let k = first, o = 0; k < last; k++) {
          const i = long[k]!;
          const len = w[i * 4]!;
          out[at + i] = run.slice(o, o + len);
          o += len;
        }
      } else {
        for (let k = first, o = 0; k < last; k++) {
          const i = long[k]!;
          const len = w[i * 4]!;
          out[at + i] = decoder.decode(bytes.subarray(o, o + len));
          o += len;
        }
      }
      first = last;
    }
  }
}
