import { parseArgs } from 'node:util';
import type { CliIo } from '../control-plane/admin-client.js';
import {
  CONNECTION_USAGE,
  connectionOptions,
  createAdminClient,
  formatTable,
  runCli,
} from '../control-plane/admin-client.js';
import type { StaleReport } from '../control-plane/stale-report.js';
import type { Command } from './commands.js';

const USAGE = `Usage: tripwire stale [options]

Flags to clean up: not evaluated for N days (exposure telemetry), serving one variant to
everyone for N days, past their expiry date, or past their kind's sunset age.

Options:
  --unused-days <n>          no exposure for this long (default 30)
  --single-variant-days <n>  one variant for everyone for this long (default 14)
${CONNECTION_USAGE}`;

/** `tripwire stale`: the stale-flag report, with owner and age. Exit code 0 either way. */
export async function runStaleCommand(argv: string[], io: CliIo): Promise<number> {
  return runCli('stale', io, async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...connectionOptions,
        'unused-days': { type: 'string' },
        'single-variant-days': { type: 'string' },
      },
    });
    if (values.help) {
      io.out.write(USAGE);
      return 0;
    }
    const query = new URLSearchParams();
    if (values['unused-days'] !== undefined) query.set('unusedDays', values['unused-days']);
    if (values['single-variant-days'] !== undefined) {
      query.set('singleVariantDays', values['single-variant-days']);
    }
    const client = createAdminClient(values, io.env);
    const report = await client.request<StaleReport>('GET', `/api/v1/stale?${query.toString()}`);
    if (values.json) {
      io.out.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    if (report.flags.length === 0) {
      io.out.write('no stale flags\n');
      return 0;
    }
    const rows = report.flags.flatMap((flag) =>
      flag.reasons.map((reason, index) => [
        index === 0 ? flag.key : '',
        index === 0 ? flag.owner : '',
        index === 0 ? `${flag.ageDays}d` : '',
        reason.kind,
        reason.detail,
      ]),
    );
    io.out.write(formatTable(['FLAG', 'OWNER', 'AGE', 'REASON', 'DETAIL'], rows));
    return 0;
  });
}

export const staleCommand: Command = {
  summary: 'report stale flags (unused, one variant for everyone, expired) with owner and age',
  run: (argv) =>
    runStaleCommand(argv, { out: process.stdout, err: process.stderr, env: process.env }),
};
