import net from 'node:net';

export interface TcpBalancer {
  url: string;
  port: number;
  /** Connections handed to each backend so far, by its port. */
  readonly handed: ReadonlyMap<number, number>;
  close(): Promise<void>;
}

/**
 * A TCP load balancer on loopback, as a district puts in front of its signaling nodes: each new
 * connection goes to the first backend that accepts it, in the order given (a backend whose
 * process died refuses, and the next takes over). Bytes are piped both ways untouched.
 */
export async function startTcpBalancer(backendPorts: number[]): Promise<TcpBalancer> {
  const handed = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const connectFirst = (ports: number[]): Promise<{ port: number; upstream: net.Socket } | null> =>
    new Promise((resolve) => {
      const [port, ...rest] = ports;
      if (port === undefined) return resolve(null);
      const upstream = net.connect(port, '127.0.0.1');
      upstream.once('connect', () => resolve({ port, upstream }));
      upstream.once('error', () => {
        upstream.destroy();
        void connectFirst(rest).then(resolve);
      });
    });
  const server = net.createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => undefined);
    void connectFirst(backendPorts).then((chosen) => {
      if (!chosen || client.destroyed) {
        chosen?.upstream.destroy();
        client.destroy();
        return;
      }
      const { port, upstream } = chosen;
      track(upstream);
      handed.set(port, (handed.get(port) ?? 0) + 1);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    handed,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
