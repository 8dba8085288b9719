/**
 * The processor's end of the alert path: gate (dedup by id, throttle per dedup key) and publish to
 * fg.alerts, keyed `rule_id:group_key` (docs/design.md). Every other sink reads that topic, so
 * the processor only ever waits for Kafka, never for a webhook.
 */
import type { Publisher } from "../../infra/bus/port.ts";
import type { Alert } from "../../schemas/alert.ts";
import { createAlertGate, type AlertGate, type GateVerdict } from "./gate.ts";

export interface AlertEmitter {
  /** Resolves once the alerts that pass the gate are durably on fg.alerts. */
  emit(alerts: readonly { alert: Alert; throttleMs: number }[]): Promise<GateVerdict[]>;
}

export interface AlertEmitterOptions {
  publisher: Publisher;
  topic: string;
  /** Default: a gate on event time, i.e. each alert's own ts, so replays decide the same way. */
  gate?: AlertGate;
}

export function createAlertEmitter(options: AlertEmitterOptions): AlertEmitter {
  const gate = options.gate ?? createAlertGate();
  return {
    async emit(alerts) {
      const verdicts = alerts.map(({ alert, throttleMs }) => gate.admit(alert, throttleMs, alert.ts));
      const sent = alerts.filter((_, i) => verdicts[i] === "send");
      await options.publisher.send(
        options.topic,
        sent.map(({ alert }) => ({ key: `${alert.rule_id}:${alert.group_key}`, value: JSON.stringify(alert), headers: headersOf(alert) })),
      );
      return verdicts;
    },
  };
}

function headersOf(alert: Alert): Record<string, string> {
  const headers: Record<string, string> = { "alert-id": alert.id };
  if (alert.traceparent) headers.traceparent = alert.traceparent;
  return headers;
}
