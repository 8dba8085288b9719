// One event per POST /v1/events. Env: BASE_URL, API_KEY, MODE=open|closed, RATE, VUS, DURATION,
// SEED, APPS, USERS, PAD_BYTES, URL_PATH (to aim the same script at the bare baseline server).
import http from "k6/http";
import { check } from "k6";
import { createBodyPool, createEventSource, scenario, summaryTrendStats } from "./lib/events.js";

export const options = { scenarios: { load: scenario(__ENV) }, summaryTrendStats, discardResponseBodies: true };
const next = createEventSource({ seed: Number(__ENV.SEED || 42) + __VU, apps: Number(__ENV.APPS || 1), users: Number(__ENV.USERS || 10000), padBytes: Number(__ENV.PAD_BYTES || 0) });
const url = `${__ENV.BASE_URL || "http://127.0.0.1:8080"}${__ENV.URL_PATH || "/v1/events"}`;
const params = { headers: { "content-type": "application/json", authorization: `Bearer ${__ENV.API_KEY || ""}` } };

const body = createBodyPool(next, { bodies: 256, appId: __ENV.APP_ID });

export default function () {
  const res = http.post(url, body(), params);
  check(res, { "202": (r) => r.status === 202 });
}
