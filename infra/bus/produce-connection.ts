/**
 * A broker connection that carries Produce requests only, on Bun's own sockets (Bun.connect).
 * The platformatic publisher writes its requests here instead of through @platformatic/kafka's
 * connection: that one spent ~100 µs of CPU per request (node:net's stream write, a queue, a
 * diagnostics context, a timer, a dynamic buffer per response), where this spends ~20, most of
 * it the kernel's (issue 15's profile). The library keeps everything else: bootstrap, metadata,
 * the producer id, and the parsing of each response.
 *
 * Requests are written at once, in the order send() is called, and Kafka answers a connection's
 * requests in the order they came (so pending answers are a FIFO, no correlation map). A request
 * not answered within `timeoutMs` fails the connection and every request on it, as a broken
 * socket does: the caller connects again.
 */
import type { Socket } from "bun";
import { NetworkError, Reader, TimeoutError } from "@platformatic/kafka";

export interface ProduceConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  /** The Produce version spoken (v9+: flexible request header with tagged fields). */
  version: number;
  timeoutMs: number;
  /** Parses a response body (the library's parser for `version`); throws the library's errors. */
  parse: (correlationId: number, apiKey: number, apiVersion: number, reader: Reader) => unknown;
}

export interface ProduceConnection {
  /** Writes one Produce request (its body) and resolves with the parsed response, or rejects. */
  send(body: Buffer): Promise<unknown>;
  /** False once the connection failed or was retired: it takes no more requests. */
  readonly open: boolean;
  /** Takes no more requests, and closes once those in flight are answered (they are not failed). */
  retire(): void;
  close(): void;
}

interface Pending {
  correlationId: number;
  deadline: number;
  resolve: (response: unknown) => void;
  reject: (err: unknown) => void;
}

const PRODUCE = 0;

/** Bytes of a compact tagged-fields section at `at`: a count, then per field its tag, size and bytes. */
function skipTaggedFields(buf: Buffer, at: number): number {
  const readUvarint = (): number => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[at++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
  };
  for (let fields = readUvarint(); fields > 0; fields--) {
    readUvarint();
    at += readUvarint();
  }
  return at;
}

export async function openProduceConnection(o: ProduceConnectionOptions): Promise<ProduceConnection> {
  const clientId = Buffer.from(o.clientId);
  // Request header v2: api key, version, correlation id, client id (int16-length string), no tags.
  const headerSize = 2 + 2 + 4 + 2 + clientId.length + 1;
  const pending: Pending[] = [];
  let head = 0; // pending[head] is the oldest request still waiting; the array is compacted now and then
  let correlationId = 0;
  let open = true;
  let retired = false;
  /** Bytes received and not yet parsed into whole responses. */
  let received: Buffer | undefined;
  /** Bytes the kernel did not take yet: written on drain, before anything newer. */
  let unwritten: Buffer[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;

  function fail(err: unknown) {
    if (!open) return;
    open = false;
    if (timer) clearInterval(timer);
    const waiting = pending.slice(head);
    pending.length = 0;
    head = 0;
    socket.end();
    for (const p of waiting) p.reject(err);
  }

  function onData(chunk: Buffer) {
    let buf = received ? Buffer.concat([received, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= 4) {
      const size = buf.readInt32BE(at);
      if (buf.length - at - 4 < size) break;
      const end = at + 4 + size;
      const id = buf.readInt32BE(at + 4);
      const p = pending[head];
      if (!p || p.correlationId !== id) return fail(new NetworkError(`the broker answered correlation id ${id}, expected ${p?.correlationId}`));
      pending[head++] = undefined as unknown as Pending;
      if (head > 1024 && head * 2 > pending.length) {
        pending.splice(0, head);
        head = 0;
      }
      // Response header v1: the correlation id and tagged fields; the body follows.
      const bodyAt = skipTaggedFields(buf, at + 8);
      try {
        p.resolve(o.parse(id, PRODUCE, o.version, Reader.from(buf.subarray(bodyAt, end))));
      } catch (err) {
        p.reject(err);
      }
      at = end;
    }
    if (retired && head === pending.length) fail(new NetworkError("the publisher retired the connection"));
    // The rest is a response begun; it is copied, as Bun reuses the chunk's memory.
    received = at < buf.length ? Buffer.from(buf.subarray(at)) : undefined;
  }

  function flushUnwritten() {
    while (unwritten.length) {
      const buf = unwritten[0]!;
      const wrote = socket.write(buf);
      if (wrote < buf.length) {
        unwritten[0] = buf.subarray(Math.max(0, wrote));
        return;
      }
      unwritten.shift();
    }
  }

  const socket: Socket<undefined> = await Bun.connect({
    hostname: o.host,
    port: o.port,
    socket: {
      data: (_s, chunk) => onData(chunk),
      drain: () => flushUnwritten(),
      close: () => fail(new NetworkError(`connection to ${o.host}:${o.port} closed`)),
      error: (_s, err) => fail(new NetworkError(`connection to ${o.host}:${o.port} failed`, { cause: err })),
      end: () => fail(new NetworkError(`the broker at ${o.host}:${o.port} ended the connection`)),
    },
  }).catch((err: Error) => {
    throw new NetworkError(`connection to ${o.host}:${o.port} failed`, { cause: err });
  });
  socket.setNoDelay(true);

  // One clock for every request rather than a timer each: checked a few times per timeout.
  function watch() {
    timer ??= setInterval(() => {
      const oldest = pending[head];
      if (!oldest) {
        clearInterval(timer);
        timer = undefined;
      } else if (Date.now() > oldest.deadline) {
        fail(new TimeoutError(`the broker at ${o.host}:${o.port} did not answer a Produce request within ${o.timeoutMs} ms`));
      }
    }, Math.max(10, o.timeoutMs / 4));
    timer.unref?.();
  }

  return {
    get open() {
      return open && !retired;
    },
    send(body) {
      if (!open || retired) return Promise.reject(new NetworkError(`connection to ${o.host}:${o.port} closed`));
      const id = (correlationId = (correlationId + 1) & 0x7fffffff);
      const frame = Buffer.allocUnsafe(4 + headerSize + body.length);
      let at = frame.writeInt32BE(headerSize + body.length, 0);
      at = frame.writeInt16BE(PRODUCE, at);
      at = frame.writeInt16BE(o.version, at);
      at = frame.writeInt32BE(id, at);
      at = frame.writeInt16BE(clientId.length, at);
      at += clientId.copy(frame, at);
      frame[at++] = 0; // no tagged fields
      body.copy(frame, at);
      const { promise, resolve, reject } = Promise.withResolvers<unknown>();
      pending.push({ correlationId: id, deadline: Date.now() + o.timeoutMs, resolve, reject });
      if (unwritten.length) unwritten.push(frame);
      else {
        const wrote = socket.write(frame);
        if (wrote < frame.length) unwritten.push(frame.subarray(Math.max(0, wrote)));
      }
      watch();
      return promise;
    },
    retire() {
      retired = true;
      if (head === pending.length) fail(new NetworkError("the publisher retired the connection"));
    },
    close: () => fail(new NetworkError("the publisher closed the connection")),
  };
}
