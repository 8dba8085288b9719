/**
 * The event stream of the hot-reload tests: seeded, so its content is the same on every run, with
 * event time advancing by a fixed step per event (in order: no event is ever late), produced in
 * small batches on a timer for as long as the test runs. Each user's events go to a partition the
 * test chooses (user n -> partition n mod partitions), and every produced event is kept with its
 * offset, so a checkpoint offset read from the state backend says exactly which events, and which
 * event time, a partition had processed.
 */
import type { Kafka, Producer } from "kafkajs";
import type { Envelope } from "../../../schemas/envelope.ts";

export interface StreamOptions {
  topic: string;
  partitions: number;
  users: number;
  /** Event time of the first event, and how much it advances per event. */
  t0: number;
  stepMs: number;
  eventsPerTick: number;
  tickMs: number;
  seed: number;
}

export interface EventStream {
  /** Every event produced so far, in production order. */
  produced: Envelope[];
  /** Per partition, its events in offset order (index = offset), from when they are made (in flight or written). */
  byPartition: Envelope[][];
  /** Per partition, how many events were made so far: any later one is sent after this call. */
  generated(): number[];
  partitionOf(user: string): number;
  /** Event time of the newest event produced so far. */
  eventTime(): number;
  /** Stops producing after the batch in flight; resolves when the producer is closed. */
  stop(): Promise<void>;
}

/** A linear congruential generator: the same sequence on every run and machine. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const TYPES = ["view", "view", "buy", "login"];

export async function startEventStream(kafka: Kafka, o: StreamOptions): Promise<EventStream> {
  const rand = random(o.seed);
  const produced: Envelope[] = [];
  const byPartition: Envelope[][] = Array.from({ length: o.partitions }, () => []);
  const partitionOf = (user: string) => Number(user.slice(1)) % o.partitions;
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let stopping = false;

  const next = (): Envelope => {
    const i = produced.length;
    const user = `u${Math.floor(rand() * o.users)}`;
    const ts = o.t0 + i * o.stepMs;
    return { event_id: `ev-${i}`, app_id: "shop", type: TYPES[Math.floor(rand() * TYPES.length)]!, ts, received_at: ts, key: user, user_id: user, props: {}, source: "http" };
  };

  const loop = (async () => {
    while (!stopping) {
      const started = Date.now();
      const firstOffset = byPartition.map((events) => events.length);
      const batch = Array.from({ length: o.eventsPerTick }, () => {
        const e = next();
        produced.push(e);
        byPartition[partitionOf(e.key)]!.push(e);
        return e;
      });
      const results = await producer.send({
        topic: o.topic,
        messages: batch.map((e) => ({ key: `${e.app_id}:${e.key}`, value: JSON.stringify(e), partition: partitionOf(e.key) })),
      });
      // The offsets are what the test maps checkpoints to: a retried (doubled) send would shift them.
      for (const r of results)
        if (Number(r.baseOffset) !== firstOffset[r.partition]) throw new Error(`partition ${r.partition}: base offset ${r.baseOffset}, expected ${firstOffset[r.partition]}`);
      await Bun.sleep(Math.max(0, o.tickMs - (Date.now() - started)));
    }
  })();
  // Reported by stop(); until then a failed send must not be an unhandled rejection.
  loop.catch(() => {});

  return {
    produced,
    byPartition,
    generated: () => byPartition.map((events) => events.length),
    partitionOf,
    eventTime: () => produced.at(-1)?.ts ?? o.t0,
    async stop() {
      stopping = true;
      try {
        await loop;
      } finally {
        await producer.disconnect();
      }
    },
  };
}
