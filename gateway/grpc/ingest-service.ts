/**
 * fluxgate.v1.Ingest handlers over the one ingest pipeline. Send and SendBatch answer with an Ack
 * or a status; Stream answers every batch with an Ack, in batch order. A Stream's unacknowledged
 * batches are bounded: past the bound (or while the client does not read its acks) the handler
 * stops reading, and HTTP/2 flow control slows the client down.
 */
import {
  Metadata, status, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall, type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { counter, gauge } from "../../infra/telemetry/metrics.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { Ingest, Principal } from "../ingest/types.ts";
import { createKeyWatch } from "../keys/watch.ts";
import { Undecodable } from "./decode.ts";
import { submitEvents } from "./event.ts";
import type { AckMessage, EventMessage } from "./proto.ts";
import { callError, refusedAck, streamAnswer, unaryAnswer, type CallError } from "./status.ts";

const calls = counter("gateway_grpc_calls_total", "gRPC calls on fluxgate.v1.Ingest, by method and final status", ["method", "code"]);
const openStreams = gauge("gateway_grpc_streams", "Open gRPC Stream calls");

export interface IngestServiceOptions {
  maxBatch: number;
  maxInflightBatches: number;
  maxDepth?: number;
  /** How often open streams' keys are checked again; a revoked one ends its stream UNAUTHENTICATED. */
  keyRecheckMs?: number;
  logger?: Logger;
}

export interface IngestService {
  impl: UntypedServiceImplementation;
  /** Refuses new calls and batches; open streams answer what they took, then end with UNAVAILABLE. Resolves when they all ended. */
  drain(): Promise<void>;
}

function apiKeyOf(md: Metadata): string | undefined {
  const key = md.get("x-api-key")[0];
  if (key) return String(key);
  const auth = String(md.get("authorization")[0] ?? "");
  return auth.toLowerCase().startsWith("bearer ") ? auth.slice(7).trim() : undefined;
}

const codeName = (code: status) => status[code] ?? String(code);

export function createIngestService(ingest: Ingest, opts: IngestServiceOptions): IngestService {
  const streams = new Set<{ drain(): void; ended: Promise<void> }>();
  let draining = false;
  const keys = createKeyWatch({ authenticate: (k, o) => ingest.authenticate(k, o), intervalMs: Math.max(1_000, opts.keyRecheckMs ?? 30_000), logger: opts.logger });

  const authorize = async (md: Metadata): Promise<{ principal: Principal } | { error: CallError }> => {
    if (draining) return { error: callError(status.UNAVAILABLE, "server shutting down", { "retry-after-ms": "1000" }) };
    const auth = await ingest.authenticate(apiKeyOf(md)).catch((err: unknown) => {
      opts.logger?.error("API key check failed", { err });
      return null;
    });
    if (!auth) return { error: callError(status.UNAVAILABLE, "cannot check API keys right now", { "retry-after-ms": "1000" }) };
    return auth.ok ? { principal: auth.principal } : { error: callError(status.UNAUTHENTICATED, `${auth.reason} API key: ${auth.message}`) };
  };
  const batchProblem = (events: EventMessage[]): string | null =>
    events.length === 0 ? "events: expected at least one event"
    : events.length > opts.maxBatch ? `events: at most ${opts.maxBatch} per batch, got ${events.length}`
    : null;

  const unary = (method: string, eventsOf: (req: any) => EventMessage[] | string) =>
    async (call: ServerUnaryCall<any, AckMessage>, callback: sendUnaryData<AckMessage>) => {
      const finish = (error: CallError | null, ack?: AckMessage) => {
        calls.inc({ method, code: codeName(error?.code ?? status.OK) });
        callback(error, ack);
      };
      try {
        const who = await authorize(call.metadata);
        if ("error" in who) return finish(who.error);
        if (call.request instanceof Undecodable) return finish(callError(status.INVALID_ARGUMENT, call.request.message));
        const events = eventsOf(call.request);
        const problem = typeof events === "string" ? events : batchProblem(events);
        if (problem !== null) return finish(callError(status.INVALID_ARGUMENT, problem));
        const answer = unaryAnswer(await submitEvents(ingest, who.principal, events as EventMessage[], opts.maxDepth));
        return "ack" in answer ? finish(null, answer.ack) : finish(answer.error);
      } catch (err) {
        opts.logger?.error("gRPC call failed in the pipeline", { err, method });
        finish(callError(status.INTERNAL, "internal error; nothing of this call is acknowledged"));
      }
    };

  async function stream(call: ServerDuplexStream<{ seq: number; events: EventMessage[] }, AckMessage>) {
    const who = await authorize(call.metadata);
    if ("error" in who) {
      calls.inc({ method: "Stream", code: codeName(who.error.code) });
      call.emit("error", who.error);
      return;
    }
    openStreams.inc();
    const replies: { ack: AckMessage | null }[] = [];
    let inflight = 0;
    let writeBlocked = false;
    let clientDone = false;
    let stopping = false;
    let finished = false;
    // Why the server ends the stream early: shutting down (UNAVAILABLE), a revoked key, a message it cannot decode.
    let stopWith: { code: status; details: string } = { code: status.UNAVAILABLE, details: "server shutting down; resend the batches not acknowledged" };
    let resolveEnded!: () => void;
    const entry = { ended: new Promise<void>((r) => (resolveEnded = r)), drain: () => {} };

    const finish = (code: status, details = "") => {
      if (finished) return;
      finished = true;
      unwatch();
      streams.delete(entry);
      openStreams.dec();
      calls.inc({ method: "Stream", code: codeName(code) });
      if (call.cancelled) {
        // nothing to tell a client that has gone
      } else if (code === status.OK) call.end();
      else call.emit("error", callError(code, details, { "retry-after-ms": "1000" }));
      resolveEnded();
    };
    const settle = () => {
      while (replies.length && replies[0]!.ack && !call.cancelled) {
        if (!call.write(replies.shift()!.ack!)) writeBlocked = true;
      }
      if (replies.length === 0 && (clientDone || stopping)) {
        if (stopping && !clientDone) finish(stopWith.code, stopWith.details);
        else finish(status.OK);
      }
      else if (!stopping && inflight < opts.maxInflightBatches && !writeBlocked && call.isPaused()) call.resume();
    };
    entry.drain = () => {
      stopping = true;
      call.pause();
      settle();
    };
    /** Stops reading; ends with `code` once every batch taken has its Ack written. */
    const stopAfterAcks = (code: status, details: string) => {
      if (stopping) return;
      stopWith = { code, details };
      entry.drain();
    };
    const unwatch = keys.watch(apiKeyOf(call.metadata)!, (refused) => stopAfterAcks(status.UNAUTHENTICATED, `${refused.reason} API key: ${refused.message}`));
    streams.add(entry);

    call.on("drain", () => {
      writeBlocked = false;
      settle();
    });
    call.on("data", (req: { seq: number; events: EventMessage[] } | Undecodable) => {
      if (req instanceof Undecodable) {
        // With a seq the batch is refused and the stream goes on; without one it cannot be answered.
        if (req.seq === undefined) return stopAfterAcks(status.INVALID_ARGUMENT, req.message);
        replies.push({ ack: refusedAck(req.seq, "REFUSAL_INVALID", req.message) });
        return settle();
      }
      const slot: { ack: AckMessage | null } = { ack: null };
      replies.push(slot);
      const problem = batchProblem(req.events);
      if (problem !== null || stopping) {
        slot.ack = problem !== null ? refusedAck(req.seq, "REFUSAL_INVALID", problem) : refusedAck(req.seq, "REFUSAL_UNAVAILABLE", stopWith.details, 1_000);
        return settle();
      }
      if (++inflight >= opts.maxInflightBatches) call.pause();
      submitEvents(ingest, who.principal, req.events, opts.maxDepth)
        .then((outcome) => streamAnswer(outcome, req.seq))
        .catch((err) => {
          opts.logger?.error("gRPC stream batch failed in the pipeline", { err, seq: req.seq });
          return refusedAck(req.seq, "REFUSAL_INTERNAL", "internal error; nothing of this batch is acknowledged", 1_000);
        })
        .then((ack) => {
          slot.ack = ack;
          inflight--;
          settle();
        });
    });
    call.on("end", () => {
      clientDone = true;
      settle();
    });
    call.on("cancelled", () => finish(status.CANCELLED));
    call.on("error", () => finish(status.CANCELLED));
    if (draining) entry.drain();
  }

  return {
    impl: {
      Send: unary("Send", (req: { event: EventMessage | null }) => (req.event ? [req.event] : "event: required")),
      SendBatch: unary("SendBatch", (req: { events: EventMessage[] }) => req.events),
      Stream: stream,
    },
    async drain() {
      draining = true;
      keys.stop();
      for (const s of streams) s.drain();
      await Promise.all([...streams].map((s) => s.ended));
    },
  };
}
