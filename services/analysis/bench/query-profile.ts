/**
 * Every query the embedded engine runs in this process, timed, under the label the caller set
 * (`profile.label`): the embedded engine has no `system.query_log`. Installed by patching chdb's
 * `Session` (the class behind `chdb/connection`), for benches only.
 */
import { createRequire } from 'node:module';

export interface ProfiledQuery {
  label: string;
  sql: string;
  ms: number;
}

type Run = (this: unknown, sql: string, ...rest: unknown[]) => Promise<unknown>;

export function installQueryProfile(): { label: string; queries: ProfiledQuery[] } {
  const require = createRequire(import.meta.url);
  const { Session } = require('chdb') as { Session: { prototype: Record<string, Run> } };
  const profile = { label: '', queries: [] as ProfiledQuery[] };
  for (const method of ['queryAsync', 'queryBindAsync']) {
    const original = Session.prototype[method]!;
    Session.prototype[method] = async function (this: unknown, sql: string, ...rest: unknown[]) {
      const label = profile.label;
      const start = performance.now();
      const result = await original.call(this, sql, ...rest);
      const ms = performance.now() - start;
      profile.queries.push({ label, sql, ms });
      return result;
    };
  }
  return profile;
}
