import type { MetricPredicate } from '@tripwire/schema';

/** Typed parameters of one query (`{name:Type}` placeholders), filled as the SQL is built. */
export type SqlParams = Record<string, string | number | readonly string[] | readonly number[]>;

/**
 * One attribute predicate as SQL over the map column `attributes`, every key and value a typed
 * parameter named after `name`. A missing attribute fails every operator but `not_exists`.
 */
export function buildPredicateSql(
  predicate: MetricPredicate,
  input: { attributes: string; name: string; params: SqlParams },
): string {
  const { attributes, name, params } = input;
  params[`${name}k`] = predicate.attribute;
  const present = `mapContains(${attributes}, {${name}k:String})`;
  const text = `${attributes}[{${name}k:String}]`;
  const number = `toFloat64OrNull(${text})`;
  const values = predicate.values ?? [];
  const first = values[0];
  switch (predicate.op) {
    case 'exists':
      return present;
    case 'not_exists':
      return `NOT ${present}`;
    case 'equals':
    case 'not_equals': {
      const op = predicate.op === 'equals' ? '=' : '!=';
      if (typeof first === 'number') {
        params[`${name}v`] = first;
        return `(${present} AND ifNull(${number} ${op} {${name}v:Float64}, 0))`;
      }
      params[`${name}v`] = first ?? '';
      return `(${present} AND ${text} ${op} {${name}v:String})`;
    }
    case 'in':
    case 'not_in': {
      params[`${name}v`] = values.map(String);
      const has = `has({${name}v:Array(String)}, ${text})`;
      return `(${present} AND ${predicate.op === 'in' ? has : `NOT ${has}`})`;
    }
    case 'contains':
      params[`${name}v`] = values.map(String);
      return `(${present} AND arrayExists(s -> position(${text}, s) > 0, {${name}v:Array(String)}))`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[predicate.op];
      params[`${name}v`] = Number(first);
      return `ifNull(${number} ${op} {${name}v:Float64}, 0)`;
    }
  }
}
