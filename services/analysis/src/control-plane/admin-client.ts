/** What CLI commands write to and read from; tests pass their own. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** A failed CLI step: the message is printed as is, the exit code returned. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface AdminClient {
  readonly baseUrl: string;
  /** Calls the admin API; throws a CliError that says what went wrong and what to do. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** Connection options every API-talking command accepts. */
export const connectionOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

export const CONNECTION_USAGE = `  --url <url>      API base URL (TRIPWIRE_URL, default ${DEFAULT_API_URL})
  --token <token>  API token (TRIPWIRE_TOKEN)
  --json           print JSON for scripts
`;

/** Builds a client from `--url`/`--token` or TRIPWIRE_URL/TRIPWIRE_TOKEN. */
export function createAdminClient(
  values: { url?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv,
): AdminClient {
  const baseUrl = values.url ?? env.TRIPWIRE_URL ?? DEFAULT_API_URL;
  const token = values.token ?? env.TRIPWIRE_TOKEN;
  if (token === undefined || token === '') {
    throw new CliError(
      'no token: pass --token <token> or set TRIPWIRE_TOKEN (the admin token is printed on the first `tripwire serve`)',
      2,
    );
  }
  return {
    baseUrl,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(new URL(path, baseUrl), {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (cause) {
        throw new CliError(
          `cannot reach ${baseUrl} (${(cause as Error).message}); is \`tripwire serve\` running? Set --url or TRIPWIRE_URL`,
        );
      }
      const text = await response.text();
      const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
      if (!response.ok) throw new CliError(describeFailure(response.status, parsed));
      return parsed as T;
    },
  };
}

function describeFailure(status: number, body: unknown): string {
  const { code, message, pointer } = (body ?? {}) as {
    code?: string;
    message?: string;
    pointer?: string;
  };
  const where = pointer === undefined ? '' : ` (at ${pointer})`;
  const hint =
    status === 401
      ? '; check --token / TRIPWIRE_TOKEN'
      : status === 409
        ? '; someone changed it meanwhile: re-read and retry'
        : '';
  return `${status} ${code ?? 'error'}: ${message ?? 'request failed'}${where}${hint}`;
}

/** Fixed-width columns for terminal tables. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** Runs a command body, turning CliErrors into a message on stderr and an exit code. */
export async function runCli(
  name: string,
  io: CliIo,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliError) {
      io.err.write(`tripwire ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (
      error instanceof TypeError &&
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err.write(`tripwire ${name}: ${error.message} (see --help)\n`);
      return 2;
    }
    throw error;
  }
}
