/**
 * grpc.health.v1.Health for the gateway: SERVING while the ingest can acknowledge events (Kafka
 * connected, below the in-flight bound), for the whole server ("") and for fluxgate.v1.Ingest.
 * Watch re-checks on an interval and sends only changes.
 */
import { status, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from "@grpc/grpc-js";

type Req = { service: string };
type Res = { status: "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN" };

export const HEALTH_SERVICES = ["", "fluxgate.v1.Ingest"];

export function createHealthService(ready: () => boolean, watchIntervalMs = 1_000): { impl: UntypedServiceImplementation; stop(): void } {
  const watchers = new Set<() => void>();
  const statusOf = (service: string): Res["status"] => (!HEALTH_SERVICES.includes(service) ? "SERVICE_UNKNOWN" : ready() ? "SERVING" : "NOT_SERVING");
  return {
    impl: {
      Check(call: ServerUnaryCall<Req, Res>, callback: (err: { code: status; details: string } | null, res?: Res) => void) {
        const s = statusOf(call.request.service);
        if (s === "SERVICE_UNKNOWN") callback({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        else callback(null, { status: s });
      },
      Watch(call: ServerWritableStream<Req, Res>) {
        let last: Res["status"] | undefined;
        const tick = () => {
          const s = statusOf(call.request.service);
          if (s !== last) call.write({ status: (last = s) });
        };
        tick();
        const timer = setInterval(tick, watchIntervalMs);
        const end = () => {
          clearInterval(timer);
          watchers.delete(end);
          if (!call.cancelled && !call.writableEnded) call.end();
        };
        watchers.add(end);
        call.on("cancelled", end);
      },
    },
    /** Ends the open Watch calls so a graceful shutdown need not wait for them. */
    stop() {
      for (const end of [...watchers]) end();
    },
  };
}
