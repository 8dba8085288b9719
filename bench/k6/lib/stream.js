// What the two streaming scripts (ws-stream.js, grpc-stream.js) share: one long-lived stream per
// VU for DURATION, with WINDOW batches of BATCH events in flight or paced to RATE events/s, and
// the VU's API key and app picked from API_KEY(S) / APP_ID(S).
import { summaryTrendStats } from "./events.js";

const seconds = (d) => Number(d.replace(/s$/, "").replace(/m$/, "")) * (d.endsWith("m") ? 60 : 1);
const list = (many, one) => (many || one || "").split(",").filter(Boolean);

export function streamSettings(env, vu) {
  const duration = env.DURATION || "20s";
  const keys = list(env.API_KEYS, env.API_KEY);
  const apps = list(env.APP_IDS, env.APP_ID);
  return {
    options: {
      scenarios: { stream: { executor: "per-vu-iterations", vus: Number(env.VUS || 10), iterations: 1, maxDuration: `${seconds(duration) + 30}s` } },
      summaryTrendStats,
    },
    durationMs: seconds(duration) * 1000,
    batch: Number(env.BATCH || 100),
    windowSize: Number(env.WINDOW || 8),
    rate: Number(env.RATE || 0),
    key: keys[(vu - 1) % Math.max(keys.length, 1)] || "",
    appId: apps.length ? apps[(vu - 1) % apps.length] : undefined,
  };
}
