/**
 * SQL text lives in the repository layer only: `src/repositories/` (the analysis query families,
 * the metric kinds, span summaries), `src/storage/` (the client and the migrations runner) and the
 * per-feature repositories named `*-repository.ts`. Every string and template literal of every
 * other source file is checked for SQL (statements, clauses, typed `{name:Type}` parameters), and
 * only `src/repositories/stats-queries.ts` may create a query family's implementation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Where SQL may be written. */
const REPOSITORY_LAYER = [/^repositories\//, /^storage\//, /-repository\.ts$/];

/**
 * Control-plane stores that still build their own SQL (they predate the layer; moving them is
 * outside the analysis query path). The list may only shrink.
 */
const NOT_YET_MOVED = [
  'control-plane/metric-store.ts',
  'control-plane/stale-report.ts',
  'control-plane/token-store.ts',
];

const SQL_PATTERNS = [
  /\b(SELECT|INSERT INTO|ALTER TABLE|OPTIMIZE TABLE|CREATE (TABLE|VIEW|MATERIALIZED VIEW)|DROP TABLE|TRUNCATE TABLE)\b/,
  /\b(WHERE|GROUP BY|ORDER BY|ARRAY JOIN|LEFT JOIN|INNER JOIN)\b/,
  /\{\w+:(String|U?Int\d+|Float\d+|Array\(|DateTime|LowCardinality)/,
];

function listSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listSources(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The text of every string and template literal of a TypeScript source. */
function listLiteralTexts(source: string): string[] {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true);
  const texts: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node)) texts.push(node.text);
    else if (ts.isTemplateExpression(node)) {
      texts.push(node.head.text, ...node.templateSpans.map((span) => span.literal.text));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return texts;
}

function containsSql(source: string): boolean {
  return listLiteralTexts(source).some((text) => SQL_PATTERNS.some((re) => re.test(text)));
}

const files = listSources(SRC).map((path) => ({
  path: relative(SRC, path).split('\\').join('/'),
  text: readFileSync(path, 'utf8'),
}));

describe('the repository layer', () => {
  it('owns every SQL string of the service', () => {
    const outside = files
      .filter(({ path }) => !REPOSITORY_LAYER.some((re) => re.test(path)))
      .filter(({ text }) => containsSql(text))
      .map(({ path }) => path)
      .sort();
    expect(outside).toEqual(NOT_YET_MOVED);
  });

  it('is what the check finds SQL in (the check can fail)', () => {
    expect(containsSql('const q = `SELECT x FROM ${t} WHERE a = {a:String}`;')).toBe(true);
    expect(containsSql("const q = 'INSERT INTO t VALUES';")).toBe(true);
    expect(containsSql("const words = 'select a metric, then group it';")).toBe(false);
    const query = files.find(({ path }) => path === 'repositories/arm-queries.ts');
    expect(query !== undefined && containsSql(query.text)).toBe(true);
  });

  it('creates a query family only where the family is chosen', () => {
    const creating = files
      .filter(({ text }) => /create(Raw|Rollup)StatsQueries\(/.test(text))
      .map(({ path }) => path)
      .sort();
    expect(creating).toEqual([
      'repositories/raw-stats-queries.ts',
      'repositories/rollup-stats-queries.ts',
      'repositories/stats-queries.ts',
    ]);
  });
});
