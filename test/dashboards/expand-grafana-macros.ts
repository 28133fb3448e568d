/**
 * Expands the grafana-clickhouse-datasource macros and dashboard variables the way Grafana
 * does before a query reaches ClickHouse (plugin pkg/macros/macros.go, 4.x): time bounds are
 * UTC epoch seconds (`toDateTime(N)`) or milliseconds (`fromUnixTimestamp64Milli(N)`).
 */
export interface MacroContext {
  from: Date;
  to: Date;
  intervalSeconds: number;
  /** Dashboard variables by name; `${name}` and `$name` are replaced by the value. */
  variables: Record<string, string>;
}

const dateTime = (date: Date): string => `toDateTime(${Math.floor(date.getTime() / 1000)})`;
const dateTime64 = (date: Date): string => `fromUnixTimestamp64Milli(${date.getTime()})`;
const day = (date: Date): string => `toDate('${date.toISOString().slice(0, 10)}')`;

type Expander = (args: string[], context: MacroContext) => string;

const between = (column: string, from: string, to: string): string =>
  `${column} >= ${from} AND ${column} <= ${to}`;

const macros: Record<string, Expander> = {
  fromTime: (_, c) => dateTime(c.from),
  toTime: (_, c) => dateTime(c.to),
  fromTime_ms: (_, c) => dateTime64(c.from),
  toTime_ms: (_, c) => dateTime64(c.to),
  timeFilter: ([col], c) => between(one(col), dateTime(c.from), dateTime(c.to)),
  timeFilter_ms: ([col], c) => between(one(col), dateTime64(c.from), dateTime64(c.to)),
  dateFilter: ([col], c) => between(one(col), day(c.from), day(c.to)),
  timeInterval: ([col], c) =>
    `toStartOfInterval(toDateTime(${one(col)}), INTERVAL ${Math.max(1, Math.floor(c.intervalSeconds))} second)`,
  interval_s: (_, c) => String(Math.max(1, Math.floor(c.intervalSeconds))),
};

function one(arg: string | undefined): string {
  if (arg === undefined || arg.trim() === '') throw new Error('macro needs one argument');
  return arg.trim();
}

/** Splits a macro's argument list on top-level commas. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      args.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') args.push(current);
  return args;
}

/** Returns the SQL with every macro and variable expanded; throws on an unknown macro. */
export function expandGrafanaMacros(sql: string, context: MacroContext): string {
  let text = sql.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(?!__)(\w+)/g,
    (match, braced?: string, bare?: string) => {
      const name = braced ?? bare ?? '';
      const value = context.variables[name];
      if (value === undefined) throw new Error(`unknown dashboard variable ${match}`);
      return value.replace(/'/g, "\\'");
    },
  );
  for (;;) {
    const found = /\$__(\w+)(\()?/.exec(text);
    if (found === null) return text;
    const [token, name = '', paren] = found;
    const expand = macros[name];
    if (expand === undefined) throw new Error(`unknown macro $__${name}`);
    let end = found.index + token.length;
    let args: string[] = [];
    if (paren !== undefined) {
      let depth = 1;
      while (depth > 0 && end < text.length) {
        if (text[end] === '(') depth++;
        if (text[end] === ')') depth--;
        end++;
      }
      args = splitArgs(text.slice(found.index + token.length, end - 1));
    }
    text = text.slice(0, found.index) + expand(args, context) + text.slice(end);
  }
}
