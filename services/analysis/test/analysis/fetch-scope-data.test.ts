import { describe, expect, it } from 'vitest';
import { isCatalogCurrent, type CatalogVersions } from '../../src/analysis/fetch-scope-data.js';
import type { CatalogMetricData, ResultsData } from '../../src/analysis/results-data.js';

/** Snapshot data holding the catalog metrics `[id, version]` and the undefined ids `unknown`. */
function snapshotOf(metrics: [string, number][], unknown: string[] = []): ResultsData {
  const catalog = metrics.map(
    ([id, version]) => ({ definition: { id }, version }) as unknown as CatalogMetricData,
  );
  return { catalog, unknownMetrics: unknown } as unknown as ResultsData;
}

describe('isCatalogCurrent', () => {
  const data = snapshotOf(
    [
      ['revenue', 2],
      ['refunds', 1],
    ],
    ['pending'],
  );
  const wanted: CatalogVersions = [
    ['revenue', 2],
    ['pending', null],
    ['refunds', 1],
  ];

  it('accepts the same metrics at the same or newer versions, in the flag order', () => {
    expect(isCatalogCurrent(data, wanted)).toBe(true);
    expect(isCatalogCurrent(data, [['revenue', 1], ...wanted.slice(1)])).toBe(true);
    expect(isCatalogCurrent(snapshotOf([]), [])).toBe(true);
    expect(isCatalogCurrent({} as ResultsData, [])).toBe(true);
  });

  it('refuses a newer version, an id defined since, a metric named or dropped since, a new order', () => {
    expect(isCatalogCurrent(data, [['revenue', 3], ...wanted.slice(1)])).toBe(false);
    expect(isCatalogCurrent(data, [wanted[0]!, ['pending', 1], wanted[2]!])).toBe(false);
    expect(isCatalogCurrent(data, [...wanted, ['margin', 1]])).toBe(false);
    expect(isCatalogCurrent(data, [...wanted, ['margin', null]])).toBe(false);
    expect(isCatalogCurrent(data, [['refunds', 1], wanted[1]!, ['revenue', 1]])).toBe(false);
    expect(isCatalogCurrent(data, wanted.slice(0, 2))).toBe(false);
    expect(isCatalogCurrent(data, [wanted[2]!, wanted[1]!, wanted[0]!])).toBe(false);
    expect(isCatalogCurrent(data, wanted.slice(0, 1).concat(wanted.slice(2)))).toBe(false);
  });
});
