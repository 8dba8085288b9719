// BATCH events per POST /v1/events/batch. Same env as http-single.js plus BATCH (default 100).
import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";
import { createBodyPool, createEventSource, scenario, summaryTrendStats } from "./lib/events.js";

export const options = { scenarios: { load: scenario(__ENV) }, summaryTrendStats, discardResponseBodies: true };
const events = new Counter("events_sent");
const size = Number(__ENV.BATCH || 100);
const next = createEventSource({ seed: Number(__ENV.SEED || 42) + __VU, apps: Number(__ENV.APPS || 1), users: Number(__ENV.USERS || 10000), padBytes: Number(__ENV.PAD_BYTES || 0) });
const url = `${__ENV.BASE_URL || "http://127.0.0.1:8080"}${__ENV.URL_PATH || "/v1/events/batch"}`;
const params = { headers: { "content-type": "application/json", authorization: `Bearer ${__ENV.API_KEY || ""}` } };

const body = createBodyPool(next, { bodies: 16, perBody: size, appId: __ENV.APP_ID });

export default function () {
  const res = http.post(url, body(), params);
  if (check(res, { "202": (r) => r.status === 202 })) events.add(size);
}
