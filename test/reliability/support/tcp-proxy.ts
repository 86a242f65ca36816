/**
 * A TCP proxy in front of a real server (PostgreSQL), to put network faults between the service and its
 * database: stop it (connections refused), cut its open connections (the database "restarts"), or
 * blackhole (accept connections and never answer, as behind a dead network path), then heal it.
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'blackhole';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  mode: ProxyMode = 'forward';
  /** Connections accepted since start. */
  accepted = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    public port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.listen();
    return proxy;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => {
      this.accepted += 1;
      this.track(client);
      if (this.mode === 'blackhole') return; // accept, read nothing, answer nothing
      const upstream = net.connect(this.target.port, this.target.host);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Destroys every open connection (both sides); new connections are still accepted. */
  cutConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Stops listening and cuts every connection: connecting now is refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.cutConnections();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Listens again on the same port. */
  async resume(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.stop();
  }
}
