/**
 * WebSocket load for bench/gateway.ts, run as its own process (so it can be pinned and its CPU
 * stays out of the harness): CONNS connections to /v1/stream, each keeping WINDOW frames of the
 * BODIES file's batches in flight (closed loop) for SECONDS. Frames are made once up front, so the
 * generator spends its time on the socket only. Prints one JSON line: frames and events acked.
 *   bun bench/harness/ws-load.ts <ws-url> <api-key> <bodies-file> <conns> <window> <seconds>
 */
import { readFileSync } from "node:fs";

const [url, key, bodiesFile, conns, window, seconds] = process.argv.slice(2) as [string, string, string, string, string, string];
const bodies = readFileSync(bodiesFile, "utf8").trim().split("\n");
const perFrame = (JSON.parse(bodies[0]!) as unknown[]).length;
const until = Date.now() + Number(seconds) * 1000;
let acked = 0;
let refused = 0;

await Promise.all(Array.from({ length: Number(conns) }, (_, c) => new Promise<void>((done, fail) => {
  const ws = new WebSocket(url, { headers: { "x-api-key": key } } as unknown as string[]);
  let seq = 0;
  let inFlight = 0;
  const send = () => {
    inFlight++;
    ws.send(`{"seq":${seq},"events":${bodies[(seq++ + c) % bodies.length]}}`);
  };
  ws.onopen = () => {
    for (let i = 0; i < Number(window); i++) send();
  };
  ws.onmessage = (e) => {
    inFlight--;
    // Acks carry "type":"ack" first; a refusal (slow_down, unavailable) is counted, not retried.
    if ((e.data as string).startsWith('{"type":"ack"')) acked++;
    else refused++;
    if (Date.now() < until) send();
    else if (inFlight === 0) ws.close();
  };
  ws.onclose = () => done();
  ws.onerror = () => fail(new Error(`WebSocket ${c} failed`));
})));
console.log(JSON.stringify({ frames_acked: acked, events_acked: acked * perFrame, refused }));
