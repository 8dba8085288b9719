/**
 * OpenTelemetry, off unless FG_OTEL_ENABLED: the SDK reads the standard OTEL_* variables
 * (exporter endpoint, service name), so nothing here duplicates its configuration.
 */
import { NodeSDK } from "@opentelemetry/sdk-node";

export async function startTracing(enabled: boolean, serviceName: string): Promise<() => Promise<void>> {
  if (!enabled) return async () => {};
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  const sdk = new NodeSDK();
  sdk.start();
  return () => sdk.shutdown();
}
