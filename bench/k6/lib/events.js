// Seeded, realistic event mixes for the k6 scripts (k6 runs plain JS, so no imports from schemas/;
// the types and props below follow schemas/events). Same seed, same stream: runs are comparable.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rnd, xs) => xs[Math.floor(rnd() * xs.length)];
const PAGES = ["/", "/pricing", "/docs", "/checkout", "/account", "/blog/launch"];
const CURRENCIES = ["USD", "EUR", "GBP"];

// Weights reflect a typical product: mostly page views, a few payments and errors.
const MIX = [
  [0.6, (rnd) => ({ type: "page_view", props: { url: pick(rnd, PAGES), referrer: "https://example.com/", duration_ms: Math.floor(rnd() * 30000) } })],
  [0.15, () => ({ type: "session_start", props: { platform: "web" } })],
  [0.1, (rnd) => ({ type: "checkout_completed", props: { order_id: `o-${Math.floor(rnd() * 1e9)}`, amount: Math.round(rnd() * 50000) / 100, currency: pick(rnd, CURRENCIES) } })],
  [0.05, (rnd) => ({ type: "payment_failed", props: { amount: Math.round(rnd() * 50000) / 100, currency: pick(rnd, CURRENCIES), reason: "card_declined" } })],
  [0.05, () => ({ type: "signup", props: { plan: "free" } })],
  [0.05, (rnd) => ({ type: "error_raised", props: { message: "TypeError: x is undefined", code: `E${Math.floor(rnd() * 50)}` } })],
];

export function createEventSource({ seed = 42, apps = 1, users = 10000, padBytes = 0 } = {}) {
  const rnd = mulberry32(seed);
  const pad = padBytes > 0 ? "p".repeat(padBytes) : undefined;
  return function next() {
    let r = rnd();
    let make = MIX[MIX.length - 1][1];
    for (const [w, f] of MIX) {
      if ((r -= w) < 0) { make = f; break; }
    }
    const e = make(rnd);
    const app = `app${Math.floor(rnd() * apps)}`;
    if (pad) e.props.pad = pad;
    return { app_id: app, user_id: `u${Math.floor(rnd() * users)}`, ts: Date.now(), ...e };
  };
}

// A closed loop (constant VUs) finds the maximum throughput; an open loop (constant arrival
// rate) measures latency at a given load without coordinated omission.
export function scenario(env) {
  const duration = env.DURATION || "20s";
  if ((env.MODE || "closed") === "open") {
    return {
      executor: "constant-arrival-rate", rate: Number(env.RATE || 1000), timeUnit: "1s", duration,
      preAllocatedVUs: Number(env.VUS || 50), maxVUs: Number(env.MAX_VUS || 400),
    };
  }
  return { executor: "constant-vus", vus: Number(env.VUS || 50), duration };
}

export const summaryTrendStats = ["avg", "min", "med", "p(95)", "p(99)", "max"];

// Generating events in k6's JavaScript costs as much CPU as the server spends on them, and k6
// shares the machine with the server: so each VU serialises a seeded pool of bodies once, at
// init, and sends them round-robin with the current time put in at send time.
const TS = '"__TS__"';
export function createBodyPool(next, { bodies = 64, perBody = 1, appId } = {}) {
  const make = () => {
    const e = next();
    if (appId) e.app_id = appId;
    e.ts = "__TS__";
    return e;
  };
  const pool = Array.from({ length: bodies }, () => JSON.stringify(perBody === 1 ? make() : Array.from({ length: perBody }, make)));
  let i = 0;
  return () => pool[i++ % pool.length].replaceAll(TS, String(Date.now()));
}
