import { loadConfig, settings } from '../config.js';
import { addressOf, startServer } from '../server.js';
import type { Command } from './commands.js';

export const serveCommand: Command = {
  summary: 'run the analysis service (OTLP on :4318, API on :8080, embedded ClickHouse)',
  async run(argv) {
    if (argv.includes('--help')) {
      process.stdout.write(
        'Usage: tripwire serve [--setting value ...]\n\nSettings (flag, environment variable, default):\n',
      );
      for (const [name, setting] of Object.entries(settings)) {
        process.stdout.write(
          `  --${name.padEnd(20)} ${setting.env.padEnd(36)} ${setting.default || '(unset)'}\n`,
        );
      }
      return 0;
    }
    const config = loadConfig(argv);
    const app = await startServer(config);
    app.context.log.info(
      `tripwire: API on ${addressOf(app.api)}, OTLP/HTTP on ${addressOf(app.otlp)}`,
    );
    await new Promise<never>(() => {
      // Runs until a signal closes the app (server.ts exits the process).
    });
    return 0;
  },
};
