import { parseArgs } from 'node:util';
import { formatResultsTable } from '../analysis/format-results-table.js';
import type { ResultsResponse } from '../analysis/results-schema.js';
import {
  CliError,
  CONNECTION_USAGE,
  connectionOptions,
  createAdminClient,
  runCli,
  type CliIo,
} from '../control-plane/admin-client.js';
import type { Command } from './commands.js';

const USAGE = `Usage: tripwire results <flag-key> [options]

Prints a flag's or experiment's results: per-variant metrics against control, SRM, breakdown.

Options (the token needs role viewer or above):
${CONNECTION_USAGE}  --environment <name>   exposures in this environment only (default: all)
  --alpha <number>       significance level (default 0.05)
  --conversion-window <seconds>  conversion attribution window (default 604800)
  --max-age <seconds>    oldest data accepted (0 = read now; default: live, except experiments
                         slow to compute, which answer from a snapshot at most 120 s old)
`;

/** `tripwire results <key>`: GET /api/v1/experiments/<key>/results, as a table or JSON. */
export async function runResultsCommand(argv: string[], io: CliIo): Promise<number> {
  return runCli('results', io, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...connectionOptions,
        environment: { type: 'string' },
        alpha: { type: 'string' },
        'conversion-window': { type: 'string' },
        'max-age': { type: 'string' },
      },
    });
    if (values.help) {
      io.out.write(USAGE);
      return 0;
    }
    const [key] = positionals;
    if (key === undefined || positionals.length > 1) {
      throw new CliError(`expected exactly one flag key\n\n${USAGE}`, 2);
    }
    const client = createAdminClient(values, io.env);
    const query = new URLSearchParams();
    if (values.environment !== undefined) query.set('environment', values.environment);
    if (values.alpha !== undefined) query.set('alpha', values.alpha);
    if (values['conversion-window'] !== undefined) {
      query.set('conversionWindowSeconds', values['conversion-window']);
    }
    if (values['max-age'] !== undefined) query.set('maxAgeSeconds', values['max-age']);
    const path = `/api/v1/experiments/${encodeURIComponent(key)}/results`;
    const body = await client.request<ResultsResponse>(
      'GET',
      query.size > 0 ? `${path}?${query.toString()}` : path,
    );
    io.out.write(values.json ? `${JSON.stringify(body, null, 2)}\n` : formatResultsTable(body));
    return 0;
  });
}

export const resultsCommand: Command = {
  summary: 'print a flag or experiment results (per-variant metrics, SRM, breakdown)',
  run: (argv) =>
    runResultsCommand(argv, { out: process.stdout, err: process.stderr, env: process.env }),
};
