/** A TCP proxy whose added latency can be set while it runs: the soak's "slow network to ClickHouse". */
import type { Socket } from "bun";

export interface DelayProxy {
  port: number;
  setDelay(ms: number): void;
  stop(): void;
}

export function delayProxy(target: { host: string; port: number }, port = 0): DelayProxy {
  let delay = 0;
  type Side = { peer?: Socket<Side>; queue: Uint8Array[] };
  const later = (fn: () => void): void => {
    if (delay > 0) setTimeout(fn, delay);
    else fn();
  };
  const server = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port,
    socket: {
      async open(client) {
        client.data = { queue: [] };
        try {
          const upstream = await Bun.connect<Side>({
            hostname: target.host, port: target.port,
            socket: {
              data: (_, chunk) => later(() => void client.write(chunk)),
              close: () => later(() => client.end()),
              error: () => void client.end(),
            },
          });
          upstream.data = { peer: client, queue: [] };
          client.data.peer = upstream;
          for (const chunk of client.data.queue.splice(0)) upstream.write(chunk);
        } catch {
          client.end();
        }
      },
      data(client, chunk) {
        const copy = new Uint8Array(chunk);
        const peer = client.data.peer;
        if (!peer) client.data.queue.push(copy);
        else later(() => void peer.write(copy));
      },
      close: (client) => later(() => client.data.peer?.end()),
      error: (client) => void client.data.peer?.end(),
    },
  });
  return { port: server.port, setDelay: (ms) => (delay = ms), stop: () => server.stop(true) };
}
