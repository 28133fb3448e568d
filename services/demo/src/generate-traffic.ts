export interface TrafficOptions {
  /** Base URL of the demo shop. */
  baseUrl: string;
  /** Paths to spread requests over (round robin). */
  paths: readonly string[];
  ratePerSecond: number;
  /** Distinct users (units); each request picks one at random. */
  users: number;
  random?: () => number;
}

export interface TrafficStats {
  sent: number;
  /** Responses by status code (0 = no response). */
  byStatus: Record<number, number>;
}

export interface Traffic {
  stats(): TrafficStats;
  /** Stops sending and waits for requests in flight. */
  stop(): Promise<TrafficStats>;
}

/** Open-loop load: `ratePerSecond` requests per second regardless of response times. */
export function startTraffic(options: TrafficOptions): Traffic {
  if (!(options.ratePerSecond > 0))
    throw new Error(`startTraffic: ratePerSecond must be > 0, got ${options.ratePerSecond}`);
  if (!(options.users >= 1))
    throw new Error(`startTraffic: users must be ≥ 1, got ${options.users}`);
  if (options.paths.length === 0) throw new Error('startTraffic: paths must not be empty');
  const random = options.random ?? Math.random;
  const stats: TrafficStats = { sent: 0, byStatus: {} };
  const inFlight = new Set<Promise<void>>();
  const tickMs = 20;
  const started = performance.now();
  const send = (): void => {
    const path = options.paths[stats.sent % options.paths.length]!;
    const user = `user-${Math.floor(random() * options.users)}`;
    stats.sent++;
    const request = fetch(`${options.baseUrl}${path}`, { headers: { 'x-user-id': user } })
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 0)
      .then((status) => {
        stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond);
    while (stats.sent < due) send();
  }, tickMs);
  return {
    stats: () => ({ sent: stats.sent, byStatus: { ...stats.byStatus } }),
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return { sent: stats.sent, byStatus: { ...stats.byStatus } };
    },
  };
}
