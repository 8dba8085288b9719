/**
 * The seeded generator of bad inputs for the gateway fuzz suite (gateway.fuzz.integration.test.ts):
 * the classes of issue 19 (ts out of range, deep nesting, invalid UTF-8, __proto__, media types,
 * bad envelopes, batches over the burst, undecodable gRPC messages, ...) plus truncations and
 * random mutations of valid envelopes, over HTTP, WebSocket and gRPC. Pure: the same seed gives
 * the same cases, so a failure can be replayed with FG_FUZZ_SEED.
 *
 * Each case says what must come back. `exact` cases name the status and the error code (and the
 * path); `any` cases (truncations, mutations) may be accepted or refused, but a refusal must still
 * be well-formed and a 2xx must put its ids in the ledger. Every event carries an event_id of its
 * own, so the ledger can tell which rejected events must never reach the topic.
 */

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function createRng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof createRng>;

export type Protocol = "http" | "ws" | "grpc";
export type KeyName = "main" | "tiny" | "bad" | "none";

/** What a refusal must look like: the status (HTTP) or code (gRPC) and the error code, optionally the path. */
export interface Exact {
  kind: "exact";
  status: number;
  error: string;
  /** The field the error names: a prefix of the first error's path (HTTP/WS) or text in the details (gRPC). */
  path?: string;
}
export interface Accepted {
  kind: "accepted";
  /** For the ledger: the ts the stored event must carry (a UUIDv7 id without ts). */
  ts?: number;
}
/** A per-event rejection inside a 2xx/207 (batches, NDJSON, WS acks, gRPC acks): its code and path. */
export interface Rejected {
  kind: "rejected";
  code: string;
  path?: string;
}
export interface Any {
  kind: "any";
}
export type Expectation = Exact | Accepted | Rejected | Any;

interface Base {
  cls: string;
  /** Every event id the case sends, with what must happen to it. */
  events: { id: string; expect: Expectation }[];
}
export interface HttpCase extends Base {
  protocol: "http";
  path: string;
  contentType?: string;
  key: KeyName;
  body: Uint8Array;
  /** The request's own answer when it is refused whole; undefined for per-event outcomes. */
  request?: Exact | Any;
}
export interface WsCase extends Base {
  protocol: "ws";
  key: KeyName;
  data: Uint8Array;
  binary: boolean;
  /** A frame-level error frame expected (code), else an ack; "any" for mutations; close1007 for invalid text. */
  frame: { kind: "error"; code: string; path?: string } | { kind: "ack" } | { kind: "any" } | { kind: "close1007" };
}
export interface GrpcCase extends Base {
  protocol: "grpc";
  key: KeyName;
  method: "Send" | "SendBatch";
  body: Uint8Array;
  /** The call's status name when it fails whole (with text the details must hold), else an Ack. */
  call: { kind: "status"; code: string; details?: string } | { kind: "ack" } | { kind: "any" };
}
export type FuzzCase = HttpCase | WsCase | GrpcCase;

export interface GenerateOptions {
  seed: number;
  now: number;
  app: string;
  otherApp: string;
  tinyApp: string;
  tinyBurst: number;
  maxDepth: number;
  maxEventBytes: number;
  maxRequestBytes: number;
  /** Encodes a gRPC request message (proto-loader's serializer), so the generator stays free of grpc. */
  encode: (type: "Event" | "SendRequest" | "SendBatchRequest", message: unknown) => Uint8Array;
}

const enc = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};

const INVALID_UTF8: readonly number[][] = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80]];
const BAD_MEDIA = ["text/notjson", "application/jsonx", "text/plain", "application/x-ndjson", "application/json; charset=latin1", "multipart/form-data", "application/xml", "json", ""];

export function generateCases(o: GenerateOptions): FuzzCase[] {
  const rng = createRng(o.seed);
  let serial = 0;
  /** A UUIDv7 at `ms` with a unique tail: the ledger's handle on each event. */
  const v7 = (ms = o.now - rng.int(0, 3_600_000)) => {
    const hex = ms.toString(16).padStart(12, "0");
    const tail = (serial++).toString(16).padStart(12, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8)}-7${rng.int(0, 4095).toString(16).padStart(3, "0")}-${rng.pick(["8", "9", "a", "b"])}${rng.int(0, 4095).toString(16).padStart(3, "0")}-${tail}`;
  };
  const validProps = (type: string): Record<string, unknown> =>
    type === "page_view" ? { path: `/p/${rng.int(0, 999)}`, title: rng.pick(["home", "ünïcödé €", "😀 emoji"]) }
    : type === "checkout_completed" ? { amount: rng.int(1, 99_999) / 100, currency: rng.pick(["EUR", "USD"]), order_id: `o${rng.int(0, 1e6)}` }
    : type === "error_raised" ? { message: "boom", level: rng.pick(["error", "warn", "fatal"]) }
    : { plan: rng.pick(["free", "pro"]), n: rng.int(0, 1000) };
  const valid = (app = o.app) => {
    const type = rng.pick(["signup", "page_view", "checkout_completed", "error_raised"]);
    return { event_id: v7(), app_id: app, type, ts: o.now - rng.int(0, 86_400_000), user_id: `u${rng.int(0, 9999)}`, props: validProps(type) } as Record<string, unknown>;
  };
  const cases: FuzzCase[] = [];
  const http = (cls: string, body: Uint8Array, events: Base["events"], request?: Exact | Any, extra: Partial<HttpCase> = {}) =>
    cases.push({ protocol: "http", cls, path: "/v1/events", contentType: "application/json", key: "main", body, events, request, ...extra });
  const single = (cls: string, event: Record<string, unknown>, request: Exact) =>
    http(cls, enc(JSON.stringify(event)), [{ id: String(event.event_id), expect: request }], request);

  // ts out of range, negative, too far ahead, malformed; and UUIDv7 ids without ts (accepted, ts from the id)
  const badTs: (() => unknown)[] = [
    () => 9_000_000_000_000_000, () => 8.64e15 + rng.int(1, 1e6), () => -rng.int(1, 1e12), () => "1969-12-31T23:59:59Z",
    () => o.now + 86_400_000 + rng.int(10_000, 1e10), () => new Date(o.now + 2 * 86_400_000).toISOString(), () => "+275760-09-13T00:00:00.001Z",
    () => rng.int(1, 1e9) + 0.5, () => "2026-13-01T00:00:00Z", () => "yesterday", () => true, () => [1], () => ({ ms: 1 }),
  ];
  for (let i = 0; i < 160; i++) single("ts_out_of_range", { ...valid(), ts: rng.pick(badTs)() }, { kind: "exact", status: 400, error: "invalid", path: "ts" });
  for (let i = 0; i < 40; i++) {
    const ms = o.now - rng.int(0, 86_400_000);
    const e: Record<string, unknown> = { ...valid(), event_id: v7(ms) };
    delete e.ts;
    http("uuidv7_without_ts", enc(JSON.stringify(e)), [{ id: String(e.event_id), expect: { kind: "accepted", ts: ms } }]);
  }
  for (let i = 0; i < 20; i++) {
    const e: Record<string, unknown> = { ...valid(), event_id: v7(o.now + 3 * 86_400_000) };
    delete e.ts;
    single("uuidv7_from_the_future", e, { kind: "exact", status: 400, error: "invalid", path: "event_id" });
  }

  // nesting past the bound: props (exact per event) and whole bodies (too_deep before parsing)
  const nest = (levels: number) => {
    const array = rng.chance(0.5);
    const key = rng.pick(["a", "k", "x_y"]);
    return (array ? "[".repeat(levels) : `{"${key}":`.repeat(levels)) + "1" + (array ? "]" : "}").repeat(levels);
  };
  for (let i = 0; i < 120; i++) {
    const levels = rng.pick([o.maxDepth + 1, o.maxDepth + 2, o.maxDepth + 5, rng.int(40, 2_000), 50_000]);
    const e = valid();
    const text = JSON.stringify(e).replace(/"props":\{/, `"props":{"deep":${nest(levels)},`);
    const tooDeep = levels + 2 > o.maxDepth + 3; // event(1) props(2) deep(3..): the body bound is maxDepth + 3
    const expect: Exact = tooDeep ? { kind: "exact", status: 400, error: "too_deep", path: "props.deep" } : { kind: "exact", status: 400, error: "invalid", path: "props.deep" };
    http("deep_nesting", enc(text), [{ id: String(e.event_id), expect }], expect);
  }

  // invalid UTF-8 inside a string field (value or key), over the JSON routes and NDJSON lines
  const utf8Fields = ["user_id", "session_id", "key", "type", "props.plan", "props.title", "props.(key)"];
  const withBadBytes = (e: Record<string, unknown>, field: string) => {
    const marker = `@@BAD${serial++}@@`;
    const copy = structuredClone(e);
    const props = copy.props as Record<string, unknown>;
    if (field === "props.(key)") props[marker] = 1;
    else if (field.startsWith("props.")) props[field.slice(6)] = `x${marker}y`;
    else copy[field] = `x${marker}y`;
    const [before, after] = JSON.stringify(copy).split(marker) as [string, string];
    return concat(enc(before), Uint8Array.from(rng.pick(INVALID_UTF8)), enc(after));
  };
  for (let i = 0; i < 200; i++) {
    const e = valid();
    const field = rng.pick(utf8Fields);
    const path = field === "props.(key)" ? "props" : field;
    const expect: Exact = { kind: "exact", status: 400, error: "invalid_utf8", path };
    http("invalid_utf8", withBadBytes(e, field), [{ id: String(e.event_id), expect }], expect);
  }

  // __proto__ in props, at any depth: refused by name
  for (let i = 0; i < 80; i++) {
    const e = valid();
    const depth = rng.int(0, 3);
    const inner = `{"__proto__":{"polluted":${rng.int(0, 9)}},"b":2}`;
    const text = JSON.stringify(e).replace(/"props":\{/, `"props":{"nested":${"{\"n\":".repeat(depth)}${inner}${"}".repeat(depth)},`);
    const expect: Exact = { kind: "exact", status: 400, error: "invalid", path: "props.nested" };
    http("proto_key", enc(depth === 0 && rng.chance(0.5) ? JSON.stringify(e).replace(/"props":\{/, '"props":{"__proto__":{"a":1},') : text), [{ id: String(e.event_id), expect }], { ...expect, path: "props" });
  }

  // media types: exact matches only
  for (let i = 0; i < 100; i++) {
    const e = valid();
    const expect: Exact = { kind: "exact", status: 415, error: "unsupported_media_type" };
    const ndjson = rng.chance(0.3);
    const type = ndjson ? rng.pick(["application/json", "text/notjson", "text/plain", "application/x-ndjsonx", ""]) : rng.pick(BAD_MEDIA);
    http("media_type", enc(JSON.stringify(e)), [{ id: String(e.event_id), expect }], expect, { path: ndjson ? "/v1/events/ndjson" : "/v1/events", contentType: type || undefined });
  }

  // envelopes that break the contract: each names its field
  const breakers: [string, (e: Record<string, unknown>) => void][] = [
    ["app_id", (e) => (e.app_id = rng.pick(["UPPER", "", "a b", "x".repeat(65), 7]))],
    ["type", (e) => (e.type = rng.pick(["9lives", "", "Type", "a-b", null]))],
    ["event_id", (e) => (e.event_id = rng.pick(["not-a-uuid", "", 12, "0190b3c2-0000-7000-8000-00000000000g"]))],
    // gateway-set fields: refused as unknown keys, the message naming them
    ["(event)", (e) => (e.received_at = 1)],
    ["(event)", (e) => (e.source = "http")],
    ["props", (e) => (e.props = rng.pick([[1, 2], "text", 3]))],
    ["user_id", (e) => (e.user_id = rng.pick(["", 5, "x".repeat(257), { a: 1 }]))],
    ["(event)", (e) => (e[rng.pick(["extra", "tss", "appid"])] = 1)],
    ["props.amount", (e) => ((e.type = "checkout_completed"), (e.props = { amount: rng.pick([-1, "12", null]) }))],
  ];
  for (let i = 0; i < 200; i++) {
    const e = valid();
    const id = String(e.event_id);
    const [path, breakIt] = rng.pick(breakers);
    breakIt(e);
    const expect: Exact = { kind: "exact", status: 400, error: "invalid", path };
    http("bad_envelope", enc(JSON.stringify(e)), [{ id, expect }], expect);
  }
  for (let i = 0; i < 40; i++) single("app_mismatch", valid(o.otherApp), { kind: "exact", status: 403, error: "app_mismatch", path: "app_id" });
  for (let i = 0; i < 30; i++) {
    const e = valid();
    single("unknown_type", { ...e, type: `no_such_${rng.int(0, 99)}` }, { kind: "exact", status: 400, error: "unknown_type", path: "type" });
  }

  // too large: one event over the event limit, a body over the request limit
  for (let i = 0; i < 30; i++) {
    const e = valid();
    (e.props as Record<string, unknown>).blob = "x".repeat(o.maxEventBytes + rng.int(1, 1000));
    single("too_large", e, { kind: "exact", status: 413, error: "too_large" });
  }
  for (let i = 0; i < 10; i++) {
    const e = valid();
    (e.props as Record<string, unknown>).blob = "x".repeat(o.maxRequestBytes + rng.int(1, 1000));
    single("body_over_limit", e, { kind: "exact", status: 413, error: "too_large" });
  }

  // a batch over the (tiny) app's burst: 413, it can never fit
  for (let i = 0; i < 30; i++) {
    const events = Array.from({ length: o.tinyBurst + rng.int(1, 20) }, () => valid(o.tinyApp));
    const expect: Exact = { kind: "exact", status: 413, error: "too_large" };
    http("batch_over_burst", enc(JSON.stringify(events)), events.map((e) => ({ id: String(e.event_id), expect })), expect, { path: "/v1/events/batch", key: "tiny" });
  }

  // keys and routes
  for (let i = 0; i < 30; i++) {
    const expect: Exact = { kind: "exact", status: 401, error: "unauthorized" };
    const e = valid();
    http("unauthorized", enc(JSON.stringify(e)), [{ id: String(e.event_id), expect }], expect, { key: rng.pick(["bad", "none"] as const) });
  }
  for (let i = 0; i < 20; i++) http("not_found", enc("{}"), [], { kind: "exact", status: 404, error: "not_found" }, { path: rng.pick(["/v1/nope", "/v2/events", "/v1/events/batch/x", "/admin"]) });

  // truncations of valid envelopes and batches: a strict prefix of a JSON value is never JSON
  for (let i = 0; i < 250; i++) {
    const batch = rng.chance(0.3);
    const events = batch ? [valid(), valid()] : [valid()];
    // cut the text, not its bytes: a cut inside a multi-byte character would be an invalid_utf8 case
    const text = JSON.stringify(batch ? events : events[0]);
    const expect: Exact = { kind: "exact", status: 400, error: "invalid_json" };
    http("truncation", enc(text.slice(0, rng.int(0, text.length - 1))), events.map((e) => ({ id: String(e.event_id), expect })), expect, { path: batch ? "/v1/events/batch" : "/v1/events" });
  }

  // random byte mutations of valid envelopes: any well-formed answer, and the ledger decides
  const mutate = (bytes: Uint8Array) => {
    const out = Array.from(bytes);
    for (let n = rng.int(1, 4); n > 0; n--) {
      const at = rng.int(0, out.length - 1);
      const op = rng.int(0, 3);
      if (op === 0) out[at] = rng.int(0, 255);
      else if (op === 1) out.splice(at, 1);
      else if (op === 2) out.splice(at, 0, rng.pick([0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x5c, 0x00, 0xff, rng.int(0, 255)]));
      else out[at] = out[at]! ^ (1 << rng.int(0, 7));
    }
    return Uint8Array.from(out);
  };
  for (let i = 0; i < 400; i++) {
    const e = valid();
    http("mutation", mutate(enc(JSON.stringify(e))), [{ id: String(e.event_id), expect: { kind: "any" } }], { kind: "any" });
  }

  // NDJSON: good lines among bad ones (not JSON, invalid UTF-8, too deep, bad ts), each judged alone
  for (let i = 0; i < 60; i++) {
    const parts: Uint8Array[] = [];
    const events: Base["events"] = [];
    for (let n = rng.int(2, 12); n > 0; n--) {
      const e = valid();
      const kind = rng.int(0, 4);
      if (kind === 0) {
        parts.push(enc(JSON.stringify(e)));
        events.push({ id: String(e.event_id), expect: { kind: "accepted" } });
      } else if (kind === 1) {
        parts.push(enc(JSON.stringify(e).slice(0, -3)));
        events.push({ id: String(e.event_id), expect: { kind: "rejected", code: "invalid" } });
      } else if (kind === 2) {
        parts.push(withBadBytes(e, "user_id"));
        events.push({ id: String(e.event_id), expect: { kind: "rejected", code: "invalid", path: "user_id" } });
      } else if (kind === 3) {
        parts.push(enc(JSON.stringify({ ...e, ts: -5 })));
        events.push({ id: String(e.event_id), expect: { kind: "rejected", code: "invalid", path: "ts" } });
      } else {
        parts.push(enc(JSON.stringify(e).replace(/"props":\{/, `"props":{"d":${nest(5_000)},`)));
        events.push({ id: String(e.event_id), expect: { kind: "rejected", code: "invalid" } });
      }
      parts.push(enc("\n"));
    }
    http("ndjson_mixed", concat(...parts), events, undefined, { path: "/v1/events/ndjson", contentType: "application/x-ndjson" });
  }
  // NDJSON over the request limit: lines before next_line are taken, none after
  for (let i = 0; i < 6; i++) {
    const parts: Uint8Array[] = [];
    const events: Base["events"] = [];
    let size = 0;
    while (size < o.maxRequestBytes * 1.2) {
      const e = valid();
      const line = enc(JSON.stringify(e) + "\n");
      size += line.length;
      parts.push(line);
      events.push({ id: String(e.event_id), expect: { kind: "any" } });
    }
    http("ndjson_over_limit", concat(...parts), events, undefined, { path: "/v1/events/ndjson", contentType: "application/x-ndjson" });
  }

  // WebSocket frames: frame-level problems get error frames, event-level ones per-event rejections
  const frameOf = (events: Record<string, unknown>[]) => ({ seq: serial++, events });
  for (let i = 0; i < 330; i++) {
    const e = valid();
    const id = String(e.event_id);
    const kind = rng.int(0, 7);
    const no: Exact = { kind: "exact", status: 0, error: "frame" };
    if (kind === 0) {
      const text = JSON.stringify(frameOf([e])).replace(/"props":\{/, `"props":{"d":${nest(rng.int(o.maxDepth + 3, 20_000))},`);
      cases.push({ protocol: "ws", key: "main", cls: "ws_deep", data: enc(text), binary: rng.chance(0.5), frame: { kind: "error", code: "too_deep", path: "events.0.props.d" }, events: [{ id, expect: no }] });
    } else if (kind === 1) {
      const bytes = withBadBytes(e, rng.pick(["user_id", "props.plan"]));
      const frame = concat(enc(`{"seq":${serial++},"event":`), bytes, enc("}"));
      cases.push({ protocol: "ws", key: "main", cls: "ws_invalid_utf8_binary", data: frame, binary: true, frame: { kind: "error", code: "invalid_utf8", path: "event." }, events: [{ id, expect: no }] });
    } else if (kind === 2) {
      const text = JSON.stringify(frameOf([e]));
      cases.push({ protocol: "ws", key: "main", cls: "ws_truncation", data: enc(text.slice(0, rng.int(1, text.length - 1))), binary: rng.chance(0.5), frame: { kind: "error", code: "bad_frame" }, events: [{ id, expect: no }] });
    } else if (kind === 3) {
      cases.push({ protocol: "ws", key: "main", cls: "ws_mutation", data: mutate(enc(JSON.stringify(frameOf([e])))), binary: true, frame: { kind: "any" }, events: [{ id, expect: { kind: "any" } }] });
    } else if (kind === 4) {
      const bad = { ...e, ts: rng.pick(badTs)() };
      cases.push({ protocol: "ws", key: "main", cls: "ws_bad_ts", data: enc(JSON.stringify(frameOf([bad]))), binary: false, frame: { kind: "ack" }, events: [{ id, expect: { kind: "rejected", code: "invalid", path: "ts" } }] });
    } else if (kind === 5) {
      const p = structuredClone(e);
      (p.props as Record<string, unknown>).nested = JSON.parse('{"__proto__":{"x":1}}');
      const text = JSON.stringify(frameOf([p])).replace('"nested":{}', '"nested":{"__proto__":{"x":1}}');
      cases.push({ protocol: "ws", key: "main", cls: "ws_proto_key", data: enc(text), binary: false, frame: { kind: "ack" }, events: [{ id, expect: { kind: "rejected", code: "invalid", path: "props.nested.__proto__" } }] });
    } else if (kind === 6) {
      const good = valid();
      cases.push({
        protocol: "ws", key: "main", cls: "ws_mixed_frame", data: enc(JSON.stringify(frameOf([good, { ...e, app_id: o.otherApp }]))), binary: false, frame: { kind: "ack" },
        events: [{ id: String(good.event_id), expect: { kind: "accepted" } }, { id, expect: { kind: "rejected", code: "app_mismatch", path: "app_id" } }],
      });
    } else {
      const many = Array.from({ length: o.tinyBurst + 1 }, () => valid(o.tinyApp));
      cases.push({ protocol: "ws", key: "tiny", cls: "ws_over_burst", data: enc(JSON.stringify(frameOf(many))), binary: false, frame: { kind: "error", code: "too_large" }, events: many.map((m) => ({ id: String(m.event_id), expect: no })) });
    }
  }
  for (let i = 0; i < 15; i++) {
    const e = valid();
    cases.push({ protocol: "ws", key: "main", cls: "ws_invalid_utf8_text", data: concat(enc(`{"seq":1,"event":`), withBadBytes(e, "user_id"), enc("}")), binary: false, frame: { kind: "close1007" }, events: [{ id: String(e.event_id), expect: { kind: "exact", status: 1007, error: "close" } }] });
  }

  // gRPC messages: undecodable bytes, truncations and mutations of valid ones, invalid UTF-8, deep props_json, bad ts
  const grpcEvent = (e: Record<string, unknown>) => {
    const { props, ts, ...rest } = e;
    return { ...rest, ...(typeof ts === "number" && { ts }), props_json: JSON.stringify(props) };
  };
  const encodeBatch = (events: Record<string, unknown>[]) => o.encode("SendBatchRequest", { events: events.map(grpcEvent) });
  const lengthDelimited = (field: number, bytes: Uint8Array) => concat(Uint8Array.from([(field << 3) | 2, ...varint(bytes.length)]), bytes);
  for (let i = 0; i < 350; i++) {
    const e = valid();
    const id = String(e.event_id);
    const kind = rng.int(0, 6);
    const refused: Exact = { kind: "exact", status: 3, error: "INVALID_ARGUMENT" };
    if (kind === 0) {
      const garbage = Uint8Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255));
      cases.push({ protocol: "grpc", key: "main", cls: "grpc_garbage", method: rng.pick(["Send", "SendBatch"]), body: garbage, call: { kind: "any" }, events: [] });
    } else if (kind === 1) {
      const full = encodeBatch([e]);
      cases.push({ protocol: "grpc", key: "main", cls: "grpc_truncation", method: "SendBatch", body: full.subarray(0, rng.int(1, full.length - 1)), call: { kind: "any" }, events: [{ id, expect: { kind: "any" } }] });
    } else if (kind === 2) {
      cases.push({ protocol: "grpc", key: "main", cls: "grpc_mutation", method: "SendBatch", body: mutate(encodeBatch([e])), call: { kind: "any" }, events: [{ id, expect: { kind: "any" } }] });
    } else if (kind === 3) {
      // a string field whose bytes are not UTF-8, spliced into a valid Event
      const good = o.encode("Event", grpcEvent({ ...e, user_id: undefined }));
      const event = concat(good, lengthDelimited(7, concat(enc("u"), Uint8Array.from(rng.pick(INVALID_UTF8)))));
      cases.push({ protocol: "grpc", key: "main", cls: "grpc_invalid_utf8", method: "SendBatch", body: lengthDelimited(1, event), call: { kind: "status", code: "INVALID_ARGUMENT", details: "events.0.user_id" }, events: [{ id, expect: refused }] });
    } else if (kind === 4) {
      const deep = grpcEvent(e);
      deep.props_json = `{"d":${nest(rng.int(o.maxDepth + 1, 20_000))}}`;
      cases.push({ protocol: "grpc", key: "main", cls: "grpc_deep_props", method: "SendBatch", body: o.encode("SendBatchRequest", { events: [deep] }), call: { kind: "ack" }, events: [{ id, expect: { kind: "rejected", code: "invalid", path: "props.d" } }] });
    } else if (kind === 5) {
      const bad = { ...grpcEvent(e), ts: rng.pick([9_000_000_000_000_000, -rng.int(1, 1e12), o.now + 5 * 86_400_000]) };
      cases.push({ protocol: "grpc", key: "main", cls: "grpc_bad_ts", method: "Send", body: o.encode("SendRequest", { event: bad }), call: { kind: "ack" }, events: [{ id, expect: { kind: "rejected", code: "invalid", path: "ts" } }] });
    } else {
      const many = Array.from({ length: o.tinyBurst + 1 }, () => valid(o.tinyApp));
      cases.push({ protocol: "grpc", key: "tiny", cls: "grpc_over_burst", method: "SendBatch", body: encodeBatch(many), call: { kind: "status", code: "INVALID_ARGUMENT", details: "never fit" }, events: many.map((m) => ({ id: String(m.event_id), expect: refused })) });
    }
  }
  return cases;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
