import { createHash, randomBytes } from 'node:crypto';
import type { TableNames } from '../config.js';
import { createError } from '../errors.js';
import type { ClickHouseClient } from '../storage/clickhouse.js';
import { formatInsertTime, insertRows } from '../storage/insert-rows.js';

/** API token roles, weakest first: each role can do everything the ones before it can. */
export const Roles = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof Roles)[number];
/** `api`: admin API tokens with a role; `sdk`: SDK keys that only read one environment's config. */
export type TokenKind = 'api' | 'sdk';
/** The scope wildcard: every project, or every environment. */
export const ANY_SCOPE = '*';

/** A token as the service knows it; the secret itself is never stored. */
export interface TokenRecord {
  id: string;
  name: string;
  kind: TokenKind;
  /** SDK keys carry `viewer`; they are only accepted by SDK delivery and OFREP routes. */
  role: Role;
  projects: string[];
  environments: string[];
  createdAt: string;
  createdBy: string;
  revoked: boolean;
}

export interface NewToken {
  name: string;
  kind: TokenKind;
  role: Role;
  projects: string[];
  environments: string[];
  actor: string;
  /** Only the bootstrap admin token passes its secret; others get a random one. */
  secret?: string;
}

export interface TokenStore {
  /** The live (not revoked) token whose secret this is. */
  authenticate(secret: string): TokenRecord | undefined;
  /** Whether this secret was ever registered (revoked or not). */
  isKnown(secret: string): boolean;
  list(): TokenRecord[];
  get(id: string): TokenRecord | undefined;
  /** Creates a token; the returned secret is shown once and never stored. */
  create(input: NewToken): Promise<{ token: TokenRecord; secret: string }>;
  revoke(input: { id: string; actor: string }): Promise<TokenRecord>;
  /** Applies rows written since the last call (reader replicas poll this). */
  follow(): Promise<number>;
}

interface TokenRow {
  seq: string;
  id: string;
  action: 'create' | 'revoke';
  name: string;
  kind: TokenKind;
  role: Role;
  projects: string[];
  environments: string[];
  hash: string;
  actor: string;
  created_at: string;
}

/** SHA-256 is enough here: secrets are 256 random bits, so there is nothing to brute-force. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Secrets say what they are: `twk_` API tokens, `tws_` SDK keys (easy to spot in a leak scan). */
export function generateSecret(kind: TokenKind): string {
  return `${kind === 'sdk' ? 'tws' : 'twk'}_${randomBytes(32).toString('base64url')}`;
}

export async function openTokenStore(options: {
  client: ClickHouseClient;
  tables: TableNames;
  isWriter: boolean;
  now?: () => Date;
}): Promise<TokenStore> {
  const store = new ClickHouseTokenStore(options.client, options.tables.tokens, options.now);
  store.isWriter = options.isWriter;
  await store.follow();
  return store;
}

class ClickHouseTokenStore implements TokenStore {
  readonly #client: ClickHouseClient;
  readonly #table: string;
  readonly #now: () => Date;
  readonly #byId = new Map<string, TokenRecord>();
  readonly #byHash = new Map<string, TokenRecord>();
  #seq = 0;
  #tail: Promise<unknown> = Promise.resolve();
  isWriter = true;

  constructor(client: ClickHouseClient, table: string, now = () => new Date()) {
    this.#client = client;
    this.#table = table;
    this.#now = now;
  }

  authenticate(secret: string): TokenRecord | undefined {
    const token = this.#byHash.get(hashSecret(secret));
    return token === undefined || token.revoked ? undefined : token;
  }
  isKnown = (secret: string): boolean => this.#byHash.has(hashSecret(secret));
  list = (): TokenRecord[] => [...this.#byId.values()];
  get = (id: string): TokenRecord | undefined => this.#byId.get(id);

  create(input: NewToken): Promise<{ token: TokenRecord; secret: string }> {
    return this.#exclusive(async () => {
      const secret = input.secret ?? generateSecret(input.kind);
      const row = this.#row({
        id: randomBytes(8).toString('hex'),
        action: 'create',
        name: input.name,
        kind: input.kind,
        role: input.role,
        projects: input.projects,
        environments: input.environments,
        hash: hashSecret(secret),
        actor: input.actor,
      });
      await this.#insert(row);
      return { token: this.#byId.get(row.id)!, secret };
    });
  }

  revoke(input: { id: string; actor: string }): Promise<TokenRecord> {
    return this.#exclusive(async () => {
      const token = this.#byId.get(input.id);
      if (token === undefined)
        throw createError('TRIPWIRE_ERR_NOT_FOUND', `no token "${input.id}"`);
      if (token.revoked) return token;
      const row = this.#row({ ...token, action: 'revoke', hash: '', actor: input.actor });
      await this.#insert(row);
      return this.#byId.get(input.id)!;
    });
  }

  async follow(): Promise<number> {
    const result = await this.#client.query({
      query: `SELECT seq, id, action, name, kind, role, projects, environments, hash, actor,
        created_at FROM ${this.#table} WHERE seq > {after:UInt64} ORDER BY seq`,
      query_params: { after: this.#seq },
      format: 'JSONEachRow',
    });
    const rows = await result.json<TokenRow>();
    for (const row of rows) if (Number(row.seq) > this.#seq) this.#apply(row);
    return rows.length;
  }

  #row(fields: Omit<TokenRow, 'seq' | 'created_at'>): TokenRow {
    const createdAt = formatInsertTime(this.#now().toISOString());
    return { ...fields, seq: String(this.#seq + 1), created_at: createdAt };
  }

  async #insert(row: TokenRow): Promise<void> {
    await insertRows(this.#client, {
      table: this.#table,
      rows: [row],
      failure: 'writing the token log failed',
    });
    this.#apply(row);
  }

  #apply(row: TokenRow): void {
    this.#seq = Number(row.seq);
    if (row.action === 'revoke') {
      const token = this.#byId.get(row.id);
      if (token !== undefined) token.revoked = true;
      return;
    }
    const token: TokenRecord = {
      id: row.id,
      name: row.name,
      kind: row.kind,
      role: row.role,
      projects: row.projects,
      environments: row.environments,
      createdAt: `${row.created_at.replace(' ', 'T')}Z`,
      createdBy: row.actor,
      revoked: false,
    };
    this.#byId.set(token.id, token);
    this.#byHash.set(row.hash, token);
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (!this.isWriter) {
      const message = 'this replica follows the token log and does not accept writes';
      return Promise.reject(createError('TRIPWIRE_ERR_READ_ONLY', message));
    }
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
