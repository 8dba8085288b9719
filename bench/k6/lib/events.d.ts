// Types for the harness, which writes the same seeded event mix for Kafka's ProducerPerformance.
export interface SeededEvent {
  app_id: string;
  user_id: string;
  ts: number;
  type: string;
  props: Record<string, unknown>;
}
export function mulberry32(seed: number): () => number;
export function createEventSource(options?: { seed?: number; apps?: number; users?: number; padBytes?: number }): () => SeededEvent;
