import type { ConfigSink, ConfigSource } from './config-source.js';

/** A config given as an object; applied once at start. */
export function createStaticSource(config: unknown): ConfigSource {
  return {
    origin: 'static',
    start(sink: ConfigSink): void {
      sink.put(config, 'static');
    },
    close: () => Promise.resolve(),
  };
}
