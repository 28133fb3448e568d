import { parseArgs } from 'node:util';
import { formatResultsTable } from '../analysis/format-results-table.js';
import type { ResultsResponse } from '../analysis/results-schema.js';
import type { Command } from './commands.js';

const USAGE = `Usage: tripwire results <flag-key> [options]

Prints a flag's or experiment's results: per-variant metrics against control, SRM, breakdown.

Options:
  --url <url>            API base URL (TRIPWIRE_URL, default http://127.0.0.1:8080)
  --token <token>        API token, role viewer or above (TRIPWIRE_TOKEN)
  --environment <name>   exposures in this environment only (default: all)
  --alpha <number>       significance level (default 0.05)
  --conversion-window <seconds>  conversion attribution window (default 604800)
  --json                 print the API response as JSON
`;

export interface ResultsCommandIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** `tripwire results <key>`: GET /api/v1/experiments/<key>/results, as a table or JSON. */
export async function runResultsCommand(argv: string[], io: ResultsCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      environment: { type: 'string' },
      alpha: { type: 'string' },
      'conversion-window': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    io.out.write(USAGE);
    return 0;
  }
  const [key] = positionals;
  if (key === undefined || positionals.length > 1) {
    io.err.write(`tripwire results: expected exactly one flag key\n\n${USAGE}`);
    return 2;
  }
  const base = values.url ?? io.env.TRIPWIRE_URL ?? 'http://127.0.0.1:8080';
  const token = values.token ?? io.env.TRIPWIRE_TOKEN;
  if (token === undefined || token === '') {
    io.err.write('tripwire results: no token (use --token or TRIPWIRE_TOKEN)\n');
    return 2;
  }
  const url = new URL(`/api/v1/experiments/${encodeURIComponent(key)}/results`, base);
  if (values.environment !== undefined) url.searchParams.set('environment', values.environment);
  if (values.alpha !== undefined) url.searchParams.set('alpha', values.alpha);
  if (values['conversion-window'] !== undefined) {
    url.searchParams.set('conversionWindowSeconds', values['conversion-window']);
  }
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (!response.ok) {
    const { code, message } = body as { code?: string; message?: string };
    io.err.write(`tripwire results: ${response.status} ${code ?? ''} ${message ?? ''}\n`);
    return 1;
  }
  io.out.write(
    values.json
      ? `${JSON.stringify(body, null, 2)}\n`
      : formatResultsTable(body as ResultsResponse),
  );
  return 0;
}

export const resultsCommand: Command = {
  summary: 'print a flag or experiment results (per-variant metrics, SRM, breakdown)',
  run: (argv) =>
    runResultsCommand(argv, { out: process.stdout, err: process.stderr, env: process.env }),
};
