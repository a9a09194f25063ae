import cluster from 'node:cluster';

/** Messages of the bus carry this key, so they never mix with other users of the cluster channel (prom-client). */
const KEY = 'oauth3';

/** A message between a worker and the primary. */
export type BusMessage =
  | { [KEY]: 'publish'; topic: string; data: unknown }
  | { [KEY]: 'deliver'; topic: string; data: unknown }
  | { [KEY]: 'request'; id: number; topic: string }
  | { [KEY]: 'reply'; id: number; data?: unknown; error?: string };

/** True for a message of this bus. */
export function isBusMessage(m: unknown): m is BusMessage {
  return typeof m === 'object' && m !== null && typeof (m as Record<string, unknown>)[KEY] === 'string';
}

/**
 * How the workers of a cluster (`OAUTH3_WORKERS`) tell each other what must not wait for a database poll:
 * a worker publishes, the primary delivers to every other worker. A worker can also ask the primary for
 * something only it has (the metrics of all workers).
 */
export interface PeerBus {
  /** This worker's id (1, 2, …). */
  readonly workerId: number;
  /** Delivers `data` to every other worker's subscribers of `topic` (not to this one's). */
  publish(topic: string, data: unknown): void;
  subscribe(topic: string, fn: (data: unknown) => void): void;
  /** Asks the primary; rejects after `timeoutMs`. */
  request(topic: string, timeoutMs?: number): Promise<unknown>;
}

let bus: PeerBus | undefined;

/** The bus of this process when it is a cluster worker, else undefined (one process: nothing to tell). */
export function workerBus(): PeerBus | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  if (bus) return bus;
  const subscribers = new Map<string, Array<(data: unknown) => void>>();
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  const send = (m: BusMessage) => {
    if (process.connected) process.send!(m);
  };
  process.on('message', (m: unknown) => {
    if (!isBusMessage(m)) return;
    if (m[KEY] === 'deliver') for (const fn of subscribers.get(m.topic) ?? []) fn(m.data);
    else if (m[KEY] === 'reply') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error !== undefined) p.fail(new Error(m.error));
      else p.ok(m.data);
    }
  });
  bus = {
    workerId: cluster.worker!.id,
    publish: (topic, data) => send({ [KEY]: 'publish', topic, data }),
    subscribe(topic, fn) {
      subscribers.set(topic, [...(subscribers.get(topic) ?? []), fn]);
    },
    request(topic, timeoutMs = 5000) {
      const id = nextId++;
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          fail(new Error(`the primary did not answer ${topic}`));
        }, timeoutMs);
        pending.set(id, { ok, fail, timer });
        send({ [KEY]: 'request', id, topic });
      });
    },
  };
  return bus;
}
