/**
 * Untrusted bytes -> JSON, for every front (HTTP bodies and NDJSON lines, WebSocket frames, gRPC
 * props_json). Two checks run before JSON.parse, because both JSON.parse and everything after it
 * (zod, JSON.stringify) recurse, and 50,000 nested levels cost seconds of a blocked event loop:
 *  - strict UTF-8: invalid bytes are refused, never turned into U+FFFD and stored;
 *  - a nesting bound, found by one linear scan that does not recurse.
 * Either failure names the JSON path where it happened. The paths are only worked out on the
 * failure path, so a valid body costs one scan.
 */
import type { FieldError } from "./types.ts";

export type JsonProblem = "invalid_utf8" | "too_deep" | "invalid_json";
export type JsonResult = { ok: true; value: unknown } | { ok: false; problem: JsonProblem; errors: FieldError[] };

/**
 * Levels a body may have above props, `{"events": [{"props": …}]}`: a body's nesting bound is
 * FG_GATEWAY_MAX_DEPTH plus these; props' own bound is checked exactly per event (prepare.ts).
 */
export const ENVELOPE_LEVELS = 3;

const strict = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

/** Offset of the first container opened deeper than `max` levels, or -1. Strings are skipped. */
export function depthExceededAt(text: string, max: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}

const MAX_SEGMENT = 64;
const MAX_PATH = 400;

/**
 * The path (`props.a.0.b`) of the value being read where `prefix` ends: the containers still open
 * and, in each, the current key or index. Only called on a failure, over a prefix bounded by the
 * nesting limit, so its cost does not matter.
 */
export function pathAtEnd(prefix: string): string {
  const frames: { array: boolean; seg: string; index: number; keyNext: boolean }[] = [];
  const n = prefix.length;
  for (let i = 0; i < n; i++) {
    const c = prefix[i]!;
    const top = frames[frames.length - 1];
    if (c === '"') {
      let j = i + 1;
      while (j < n && prefix[j] !== '"') j += prefix[j] === "\\" ? 2 : 1;
      if (top && !top.array && top.keyNext) {
        top.seg = prefix.slice(i + 1, Math.min(j, n)).slice(0, MAX_SEGMENT);
        top.keyNext = false;
      }
      i = j;
    } else if (c === "{" || c === "[") frames.push({ array: c === "[", seg: c === "[" ? "0" : "", index: 0, keyNext: c === "{" });
    else if (c === "}" || c === "]") frames.pop();
    else if (c === "," && top) {
      if (top.array) top.seg = String(++top.index);
      else top.keyNext = true;
    }
  }
  const path = frames.map((f) => f.seg).filter((s, i) => s !== "" || i < frames.length - 1).join(".");
  return (path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path) || "(body)";
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    try {
      strict.decode(bytes.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return bytes.length;
}

/** Strict UTF-8 decoding; the error names the JSON path of the bad bytes. */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; errors: FieldError[] } {
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    return { ok: false, errors: [{ path: pathAtEnd(lenient.decode(bytes.subarray(0, at))), message: `invalid UTF-8 at byte ${at}` }] };
  }
}

/** JSON text (already decoded) -> a value, refusing nesting deeper than `maxDepth` before parsing. */
export function parseJsonText(text: string, maxDepth: number): JsonResult {
  const deep = depthExceededAt(text, maxDepth);
  if (deep >= 0) return { ok: false, problem: "too_deep", errors: [{ path: pathAtEnd(text.slice(0, deep)), message: `nested deeper than ${maxDepth} levels` }] };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, problem: "invalid_json", errors: [{ path: "(body)", message: `not JSON: ${(err as Error).message}` }] };
  }
}

/** Bytes -> a value: strict UTF-8, then the nesting bound, then JSON.parse. */
export function parseJsonBytes(bytes: Uint8Array, maxDepth: number): JsonResult {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) return { ok: false, problem: "invalid_utf8", errors: decoded.errors };
  return parseJsonText(decoded.text, maxDepth);
}
