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

// Keeps a stream busy until durationMs: closed loop (rate 0: windowSize batches in flight, refilled
// on each answer) or paced to `rate` events/s (a batch due while the window is full is counted in
// `skipped`). Then it stops sending and calls finish() once nothing is in flight. The caller calls
// answered() after removing an answered batch from its in-flight count.
export function paceStream({ batch, windowSize, rate, durationMs }, { inFlight, send, skipped, finish }) {
  let stopping = false;
  const fill = () => {
    while (!stopping && inFlight() < windowSize) send();
  };
  if (rate > 0) {
    const every = Math.max(1, Math.round((1000 * batch) / rate));
    const timer = setInterval(() => {
      if (stopping) return clearInterval(timer);
      if (inFlight() < windowSize) send();
      else skipped.add(1);
    }, every);
  } else fill();
  setTimeout(() => {
    stopping = true;
    if (inFlight() === 0) finish();
  }, durationMs);
  return {
    answered() {
      if (rate === 0) fill();
      if (stopping && inFlight() === 0) finish();
    },
  };
}
