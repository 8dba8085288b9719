/**
 * The HTTP ceiling for the gateway benchmarks: raw Bun.serve that parses the same JSON bodies
 * and answers 202, with no auth, validation or Kafka. The gateway's figures are read as a ratio
 * to this one, measured in the same run on the same machine.
 *   bun bench/baseline/bare-server.ts [port]
 */
const port = Number(process.argv[2] ?? 8090);
const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  async fetch(req) {
    if (req.method !== "POST") return new Response("ok");
    const body = await req.json();
    const count = Array.isArray(body) ? body.length : 1;
    return Response.json({ accepted: count }, { status: 202 });
  },
});
console.error(`bare baseline on ${server.url.href}`);
