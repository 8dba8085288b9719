/** Test support: a webhook endpoint that records each delivery's alert id and whether its signature checks out. */
import { verifySignature } from "../../../rules/alerts/sign.ts";

export function signedWebhookReceiver(secret: string) {
  const received: { id: string; signed: boolean }[] = [];
  const server = Bun.serve({
    port: 0,
    async fetch(req) {
      const body = await req.text();
      received.push({ id: JSON.parse(body).id as string, signed: verifySignature(secret, body, req.headers.get("x-fluxgate-signature")) });
      return new Response("ok");
    },
  });
  return { received, url: `http://127.0.0.1:${server.port}/`, stop: () => server.stop(true) };
}
