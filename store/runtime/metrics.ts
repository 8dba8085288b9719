/** The store runtime's metrics, labelled by sink (clickhouse, postgres, archive, clickhouse-windows, ...). */
import { Histogram } from "prom-client";
import { counter, gauge, histogram, registry } from "../../infra/telemetry/metrics.ts";

export const storeMetrics = {
  rowsWritten: counter("store_rows_written_total", "Rows a sink wrote durably", ["sink"]),
  writeSeconds: histogram("store_write_seconds", "Time from the first attempt of a sink write until it was durable, retries included", ["sink"]),
  batchRows: new Histogram({
    name: "fluxgate_store_batch_rows", help: "Rows per sink write", labelNames: ["sink"], registers: [registry],
    buckets: [1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000],
  }),
  retries: counter("store_write_retries_total", "Failed sink writes that were retried", ["sink", "kind"]),
  dlq: counter("store_dlq_total", "Records a sink sent to the DLQ", ["sink", "reason"]),
  lagSeconds: gauge("store_lag_seconds", "Age (Kafka timestamp to now) of the newest record a sink has written", ["sink"]),
};
