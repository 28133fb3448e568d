/** One difference between two versions of a document, at a JSON pointer (RFC 6901). */
export interface DocumentChange {
  path: string;
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

const escape = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The leaf-level differences from `before` to `after`. Objects are compared key by key and
 * arrays index by index; a value whose type changes is one `replace`. `before` undefined means
 * the document was created (one `add` at the root).
 */
export function diffDocuments(before: unknown, after: unknown, path = ''): DocumentChange[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return [{ path: path || '/', op: 'add', after }];
  if (after === undefined) return [{ path: path || '/', op: 'remove', before }];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffDocuments(before[key], after[key], `${path}/${escape(key)}`));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, index) =>
      diffDocuments(before[index], after[index], `${path}/${index}`),
    ).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path || '/', op: 'replace', before, after }];
}
