import { SDK_STREAM_HEARTBEAT_MS, SdkStreamEvents } from '@tripwire/schema';
import type { ConfigSnapshot } from '@tripwire/schema';
import type { FlagStore, StoreChange } from '../control-plane/flag-store.js';
import type { DeliveryChannel } from './config-projection.js';
import { buildPatch, buildSnapshot, formatEtag } from './config-projection.js';

/** One connected SSE client: where frames go. */
export interface StreamClient {
  /** Writes a frame; false when the socket's buffer is full (the hub drops slow clients). */
  write(frame: string): boolean;
  /** Bytes waiting in the socket's buffer. */
  readonly bufferedBytes: number;
  close(): void;
}

export interface DeliveryHubOptions {
  store: FlagStore;
  now?: () => Date;
  heartbeatMs?: number;
  /** Patches kept per channel for `Last-Event-ID` resume. */
  replayLimit?: number;
  /** A client whose unsent data exceeds this is disconnected (it reconnects and resumes). */
  maxBufferedBytes?: number;
}

export interface CachedSnapshot {
  version: number;
  etag: string;
  snapshot: ConfigSnapshot;
  body: string;
}

interface Channel {
  key: DeliveryChannel;
  clients: Set<StreamClient>;
  /** OFREP event-stream clients: told to re-fetch, not sent the config. */
  watchers: Set<StreamClient>;
  /** Patch frames after `floor`, oldest first. */
  replay: { version: number; frame: string }[];
  floor: number;
  cached: CachedSnapshot | undefined;
}

/** OFREP event-stream message (ADR-0008): the client re-runs its bulk evaluation. */
const REFETCH_EVALUATION = JSON.stringify({ type: 'refetchEvaluation' });

/** Formats one Server-Sent Event; JSON data has no newlines, so one `data:` line suffices. */
export function formatEvent(type: string, id: number, data: string): string {
  return `event: ${type}\nid: ${id}\ndata: ${data}\n\n`;
}

/**
 * Fans config out to SDKs: cached snapshots per channel (config endpoint, SSE `put`, OFREP),
 * and every store change as one `patch` frame written to each client of each channel it
 * affects. Keeps recent patches per channel so a reconnect with `Last-Event-ID` resumes.
 */
export class DeliveryHub {
  readonly #store: FlagStore;
  readonly #now: () => Date;
  readonly #replayLimit: number;
  readonly #maxBufferedBytes: number;
  readonly #channels = new Map<string, Channel>();
  readonly #unsubscribe: () => void;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(options: DeliveryHubOptions) {
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
    this.#replayLimit = options.replayLimit ?? 1000;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#unsubscribe = this.#store.onChange((change) => this.#onChange(change));
    this.#heartbeat = setInterval(
      () => this.#broadcast(': ping\n\n'),
      options.heartbeatMs ?? SDK_STREAM_HEARTBEAT_MS,
    );
    this.#heartbeat.unref();
  }

  /** The channel's config at the store's current version (built once per version). */
  snapshot(key: DeliveryChannel): CachedSnapshot {
    const channel = this.#channel(key);
    const version = this.#store.version();
    if (channel.cached?.version === version) return channel.cached;
    const snapshot = buildSnapshot({
      channel: key,
      flags: this.#store
        .list()
        .map((flag) => ({ flag, project: this.#store.projectOf(flag.key) ?? '' })),
      segments: this.#store.listSegments(),
      version,
      now: this.#now(),
    });
    channel.cached = {
      version,
      etag: formatEtag(key, version),
      snapshot,
      body: JSON.stringify(snapshot),
    };
    return channel.cached;
  }

  /**
   * Sends the client what it misses (the patches after `lastEventId` when still kept, else a
   * full `put`) and subscribes it to later patches. Returns the unsubscribe function.
   */
  connect(key: DeliveryChannel, client: StreamClient, lastEventId?: string): () => void {
    const channel = this.#channel(key);
    const resumeFrom = lastEventId === undefined ? Number.NaN : Number(lastEventId);
    const version = this.#store.version();
    if (Number.isInteger(resumeFrom) && resumeFrom >= channel.floor && resumeFrom <= version) {
      for (const event of channel.replay) if (event.version > resumeFrom) client.write(event.frame);
    } else {
      const cached = this.snapshot(key);
      client.write(formatEvent(SdkStreamEvents.put, cached.version, cached.body));
    }
    channel.clients.add(client);
    return () => channel.clients.delete(client);
  }

  /** Subscribes an OFREP event-stream client: a `refetchEvaluation` message per change. */
  watch(key: DeliveryChannel, client: StreamClient): () => void {
    const channel = this.#channel(key);
    channel.watchers.add(client);
    return () => channel.watchers.delete(client);
  }

  clientCount(): number {
    let count = 0;
    for (const channel of this.#channels.values()) count += channel.clients.size;
    return count;
  }

  /** Ends every stream (shutdown) and stops listening to the store. */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#unsubscribe();
    for (const channel of this.#channels.values()) {
      for (const client of [...channel.clients, ...channel.watchers]) client.close();
      channel.clients.clear();
      channel.watchers.clear();
    }
  }

  #channel(key: DeliveryChannel): Channel {
    const id = `${key.project}\u0000${key.environment}`;
    let channel = this.#channels.get(id);
    if (channel === undefined) {
      channel = {
        key,
        clients: new Set(),
        watchers: new Set(),
        replay: [],
        floor: this.#store.version(),
        cached: undefined,
      };
      this.#channels.set(id, channel);
    }
    return channel;
  }

  #onChange({ entry, before }: StoreChange): void {
    for (const channel of this.#channels.values()) {
      const patch = buildPatch({
        channel: channel.key,
        version: entry.seq,
        entity: entry.entity,
        key: entry.key,
        project: entry.project,
        before,
        after: entry.document,
      });
      if (patch === undefined) continue;
      const frame = formatEvent(SdkStreamEvents.patch, entry.seq, JSON.stringify(patch));
      channel.replay.push({ version: entry.seq, frame });
      if (channel.replay.length > this.#replayLimit)
        channel.floor = channel.replay.shift()!.version;
      for (const client of channel.clients) this.#send(channel.clients, client, frame);
      const refetch = formatEvent('message', entry.seq, REFETCH_EVALUATION);
      for (const client of channel.watchers) this.#send(channel.watchers, client, refetch);
    }
  }

  #broadcast(frame: string): void {
    for (const channel of this.#channels.values()) {
      for (const client of channel.clients) this.#send(channel.clients, client, frame);
      for (const client of channel.watchers) this.#send(channel.watchers, client, frame);
    }
  }

  #send(subscribers: Set<StreamClient>, client: StreamClient, frame: string): void {
    if (client.bufferedBytes > this.#maxBufferedBytes) {
      subscribers.delete(client);
      client.close();
      return;
    }
    client.write(frame);
  }
}
