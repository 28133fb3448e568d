import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ConfigSink, ConfigSource } from './config-source.js';

export interface FileSourceOptions {
  readonly path: string;
  /** Re-read the file when it changes (default true). */
  readonly watch?: boolean;
  /** Quiet time after the last change event before re-reading (default 50 ms). */
  readonly debounceMs?: number;
}

/**
 * A local JSON config file. Watches the file's directory (not the file), so editors and
 * deploy tools that replace the file by rename are followed too.
 */
export function createFileSource(options: FileSourceOptions): ConfigSource {
  const path = resolve(options.path);
  const debounceMs = options.debounceMs ?? 50;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastText: string | undefined;

  const load = async (sink: ConfigSink): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if (!closed) sink.fail(new Error(`cannot read config file ${path}`, { cause }), 'file');
      return;
    }
    if (closed || text === lastText) return;
    lastText = text;
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (cause) {
      sink.fail(new Error(`invalid JSON in ${path}: ${(cause as Error).message}`), 'file');
      return;
    }
    sink.put(payload, 'file');
  };

  return {
    origin: 'file',
    start(sink) {
      void load(sink);
      if (options.watch === false) return;
      const name = basename(path);
      watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => void load(sink), debounceMs);
        timer.unref();
      });
      watcher.on('error', (cause) =>
        sink.fail(new Error(`watch failed for ${path}`, { cause }), 'file'),
      );
    },
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      return Promise.resolve();
    },
  };
}
