/**
 * The Produce connection against peers that misbehave as brokers and networks do: answers cut
 * into pieces and several in one chunk, a peer that never answers, one that hangs up. Each peer
 * is a real socket on a free port; the library's own parser reads the answers.
 */
import { afterEach, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { GenericError, produceV9 } from "@platformatic/kafka";
import { openProduceConnection } from "./produce-connection.ts";

let peer: TCPSocketListener | undefined;
afterEach(() => peer?.stop(true));

/** A Produce v9 answer for topic "t", partition 0 at `offset`: response header v1, then the body. */
function answer(correlationId: number, offset: number): Buffer {
  const topic = Buffer.from("t");
  const body = Buffer.alloc(1 + 1 + topic.length + 1 + 4 + 2 + 8 + 8 + 8 + 1 + 1 + 1 + 1 + 4 + 1);
  let at = 0;
  body[at++] = 2; // one topic (compact array: n + 1)
  body[at++] = topic.length + 1;
  at += topic.copy(body, at);
  body[at++] = 2; // one partition
  at = body.writeInt32BE(0, at);
  at = body.writeInt16BE(0, at); // no error
  at = body.writeBigInt64BE(BigInt(offset), at);
  at = body.writeBigInt64BE(-1n, at);
  at = body.writeBigInt64BE(0n, at);
  body[at++] = 1; // no record errors
  body[at++] = 0; // error message: null
  body[at++] = 0; // partition's tags
  body[at++] = 0; // topic's tags
  at = body.writeInt32BE(0, at); // throttle
  body[at++] = 0;
  const frame = Buffer.alloc(4 + 4 + 1 + body.length);
  frame.writeInt32BE(4 + 1 + body.length, 0);
  frame.writeInt32BE(correlationId, 4);
  frame[8] = 0; // header tags
  body.copy(frame, 9);
  return frame;
}

/** Correlation ids of the whole requests in `buf` (request header v2), and the bytes left over. */
function requests(buf: Buffer): { ids: number[]; rest: Buffer } {
  const ids: number[] = [];
  let at = 0;
  while (buf.length - at >= 4 && buf.length - at - 4 >= buf.readInt32BE(at)) {
    ids.push(buf.readInt32BE(at + 8));
    at += 4 + buf.readInt32BE(at);
  }
  return { ids, rest: buf.subarray(at) };
}

function listen(onRequests: (socket: Socket<{ rest: Buffer }>, ids: number[]) => void): number {
  peer = Bun.listen<{ rest: Buffer }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open: (s) => void (s.data = { rest: Buffer.alloc(0) }),
      data(s, chunk) {
        const { ids, rest } = requests(Buffer.concat([s.data.rest, chunk]));
        s.data.rest = rest;
        if (ids.length) onRequests(s, ids);
      },
    },
  });
  return peer.port;
}

const options = (port: number, timeoutMs = 2_000) => ({ host: "127.0.0.1", port, clientId: "t", version: 9, timeoutMs, parse: produceV9.parseResponse });
const offsetOf = (response: unknown) => Number((response as { responses: { partitionResponses: { baseOffset: bigint }[] }[] }).responses[0]!.partitionResponses[0]!.baseOffset);

test("requests written back to back are each answered, whether the answers come byte by byte or several to a chunk", async () => {
  let answered = 0;
  const port = listen((s, ids) => {
    const bytes = Buffer.concat(ids.map((id) => answer(id, 100 + answered++)));
    // The first answers a byte at a time, the rest all in one write.
    if (answered <= 3) for (const b of bytes) s.write(Buffer.from([b]));
    else s.write(bytes);
  });
  const connection = await openProduceConnection(options(port));
  const first = await Promise.all(Array.from({ length: 3 }, () => connection.send(Buffer.from("request"))));
  const rest = await Promise.all(Array.from({ length: 40 }, () => connection.send(Buffer.from("request"))));
  expect([...first, ...rest].map(offsetOf)).toEqual(Array.from({ length: 43 }, (_, i) => 100 + i));
  connection.close();
});

test("a peer that does not answer fails the request after the timeout, and the connection with it", async () => {
  const port = listen(() => {});
  const connection = await openProduceConnection(options(port, 200));
  const started = performance.now();
  const failure = await connection.send(Buffer.from("request")).catch((err: unknown) => err);
  expect(String(failure)).toContain("did not answer");
  expect((failure as { canRetry?: boolean }).canRetry).toBe(false);
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(connection.open).toBe(false);
  expect(String(await connection.send(Buffer.from("request")).catch((err: unknown) => err))).toContain("closed");
});

test("a peer that hangs up fails what is in flight as a network error, which may be retried", async () => {
  const port = listen((s) => s.end());
  const connection = await openProduceConnection(options(port));
  const failures = await Promise.all([connection.send(Buffer.from("a")), connection.send(Buffer.from("b"))].map((p) => p.catch((err: unknown) => err)));
  for (const failure of failures) {
    expect(GenericError.isGenericError(failure as Error)).toBe(true);
    expect((failure as { canRetry?: boolean }).canRetry).toBe(true);
  }
  expect(connection.open).toBe(false);
});

test("a retired connection answers what it has in flight, then closes", async () => {
  let hold: (() => void) | undefined;
  const port = listen((s, ids) => (hold = () => s.write(Buffer.concat(ids.map((id) => answer(id, 7))))));
  const connection = await openProduceConnection(options(port));
  const inFlight = connection.send(Buffer.from("request"));
  while (!hold) await Bun.sleep(5);
  connection.retire();
  expect(connection.open).toBe(false);
  hold();
  expect(offsetOf(await inFlight)).toBe(7);
});
