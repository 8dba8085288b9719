/** The processor's Prometheus metrics (one registry per process, infra/telemetry/metrics.ts). */
import { counter, gauge, histogram } from "../../infra/telemetry/metrics.ts";

export const processorMetrics = {
  events: counter("processor_events_total", "Events the processor applied to its state (replays skipped by offset are not counted)"),
  skipped: counter("processor_replayed_events_skipped_total", "Redelivered events skipped because the partition's checkpoint already includes them"),
  invalid: counter("processor_invalid_events_total", "Records on fg.events that are not envelopes, or that a rule failed on; sent to the DLQ"),
  duplicates: counter("processor_duplicate_events_total", "Events on fg.events skipped because their event_id was seen within FG_PROCESSOR_DEDUP_HORIZON_MS (client resends)"),
  dedupEvicted: counter("processor_dedup_ids_evicted_total", "Event ids forgotten before their horizon because a partition held FG_PROCESSOR_DEDUP_MAX_IDS"),
  late: counter("processor_late_events_total", "Events too late for their windows (beyond allowed lateness); sent to the late output", ["rule"]),
  evictions: counter(
    "processor_cep_evictions_total",
    "Partial matches dropped to stay within a bound, by rule and bound: partial_matches / events (per key, FG_PROCESSOR_CEP_MAX_*) or budget (FG_PROCESSOR_CEP_STATE_BUDGET_MB)",
    ["rule", "cause"],
  ),
  windows: counter("processor_window_results_total", "Window results and retractions published to fg.windows"),
  alerts: counter("processor_alerts_total", "Alert candidates by the gate's verdict", ["verdict"]),
  stateBytes: gauge("processor_state_bytes", "Bytes of state stored for the partition", ["partition"]),
  stateKeys: gauge("processor_state_keys", "Group keys with state, per partition and rule", ["partition", "rule"]),
  watermark: gauge("processor_watermark_seconds", "Event-time watermark of the partition (seconds since the epoch)", ["partition"]),
  eventTimeLag: gauge("processor_event_time_lag_seconds", "Wall clock minus the partition's watermark", ["partition"]),
  forwarded: counter("processor_repartition_forwarded_total", "Events stage 1 forwarded to fg.repartition, per repartitioned rule", ["rule"]),
  repartitionReleased: counter("processor_repartition_released_total", "Events stage 2 released from its merge and applied to the repartitioned rules"),
  repartitionDuplicates: counter("processor_repartition_duplicates_total", "Records on fg.repartition dropped as re-publications of ones already taken (after a stage-1 crash)"),
  repartitionBuffered: gauge("processor_repartition_buffered", "Events on a fg.repartition partition waiting for every source partition's watermark to pass them", ["partition"]),
  repartitionWatermark: gauge("processor_repartition_watermark_seconds", "Seconds since the epoch: minimum over the active (not idle) fg.events partitions of their reported watermarks, per fg.repartition partition", ["partition"]),
  idleMarkers: counter("processor_repartition_idle_markers_total", "Times an fg.events partition, without a batch for FG_PROCESSOR_IDLE_MS, declared itself idle to every fg.repartition partition"),
  batch: histogram("processor_batch_seconds", "Time to process one batch and start publishing its outputs (acks and saves are the checkpoint's)"),
  checkpoint: histogram("processor_checkpoint_seconds", "Time from taking a partition's checkpoint to its save: waiting for the acks of what was published since the last one, then the atomic save"),
};
