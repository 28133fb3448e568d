import { afterEach, describe, expect, it } from 'vitest';
import type { Flag } from '@tripwire/schema';
import type { FlagStore, StoreChangeListener } from '../../src/control-plane/flag-store.js';
import type { StreamClient } from '../../src/delivery/delivery-hub.js';
import { DeliveryHub } from '../../src/delivery/delivery-hub.js';
import { makeFlag } from './control-plane-harness.js';

/** Just enough of a store for the hub: flags in memory, changes emitted by hand. */
function createFakeStore() {
  const flags = new Map<string, Flag>();
  const listeners = new Set<StoreChangeListener>();
  let seq = 0;
  const store = {
    version: () => seq,
    list: () => [...flags.values()],
    projectOf: (key: string) => (flags.has(key) ? 'default' : undefined),
    listSegments: () => [],
    onChange: (listener: StoreChangeListener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as FlagStore;
  const change = (flag: Flag): void => {
    seq += 1;
    const before = flags.get(flag.key);
    const document = { ...flag, version: (before?.version ?? 0) + 1 };
    flags.set(flag.key, document);
    const entry = {
      seq,
      entity: 'flag' as const,
      key: flag.key,
      project: 'default',
      version: document.version,
      action: 'update' as const,
      environment: null,
      actor: 'test',
      reason: '',
      document,
      createdAt: new Date(0).toISOString(),
    };
    for (const listener of listeners) listener({ entry, before });
  };
  return { store, change };
}

function createClient(bufferedBytes = 0): StreamClient & { frames: string[]; closed: boolean } {
  const client = {
    frames: [] as string[],
    closed: false,
    bufferedBytes,
    write(frame: string) {
      client.frames.push(frame);
      return true;
    },
    close() {
      client.closed = true;
    },
  };
  return client;
}

const channel = { project: 'default', environment: 'production' };
let hub: DeliveryHub | undefined;
afterEach(() => hub?.close());

describe('delivery hub', () => {
  it('replays only kept patches on resume and falls back to a put past the replay window', () => {
    const { store, change } = createFakeStore();
    hub = new DeliveryHub({ store, replayLimit: 2, heartbeatMs: 60_000 });
    const first = createClient();
    hub.connect(channel, first);
    for (let round = 0; round < 4; round += 1) change(makeFlag(`f${round}`, ['production']));
    expect(first.frames.map((frame) => frame.split('\n')[0])).toEqual([
      'event: put',
      ...Array.from({ length: 4 }, () => 'event: patch'),
    ]);
    const recent = createClient();
    hub.connect(channel, recent, '3');
    expect(recent.frames).toHaveLength(1);
    expect(recent.frames[0]).toContain('id: 4');
    const tooOld = createClient();
    hub.connect(channel, tooOld, '1');
    expect(tooOld.frames[0]?.startsWith('event: put\nid: 4\n')).toBe(true);
  });

  it('sends heartbeats as comments and disconnects clients that stop reading', async () => {
    const { store, change } = createFakeStore();
    hub = new DeliveryHub({ store, heartbeatMs: 5, maxBufferedBytes: 100 });
    const reader = createClient();
    const stuck = createClient(1_000);
    hub.connect(channel, reader);
    hub.connect(channel, stuck);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(reader.frames).toContain(': ping\n\n');
    expect(stuck.closed).toBe(true);
    change(makeFlag('late', ['production']));
    expect(stuck.frames.some((frame) => frame.startsWith('event: patch'))).toBe(false);
    expect(reader.frames.some((frame) => frame.startsWith('event: patch'))).toBe(true);
    expect(hub.clientCount()).toBe(1);
  });

  it('ends every stream on close', () => {
    const { store } = createFakeStore();
    hub = new DeliveryHub({ store, heartbeatMs: 60_000 });
    const client = createClient();
    hub.connect(channel, client);
    hub.close();
    expect(client.closed).toBe(true);
    expect(hub.clientCount()).toBe(0);
  });
});
