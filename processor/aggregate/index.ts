/**
 * Window aggregates: count, sum, min, max, avg, count_distinct (exact, then HyperLogLog),
 * percentile (DDSketch), first and last. Each keeps plain-JSON state and can merge two windows.
 */
export { createAggregator } from "./registry.ts";
export { aggregateOps, aggregateSpecSchema, type AggregateOp, type AggregateSpec, type AggregateSpecInput } from "../../schemas/spec/aggregate.ts";
export type { Aggregator, Json, Observation } from "./types.ts";
