/**
 * Connecting to the catalogue database (PostgreSQL, node-postgres). Where the connection comes from, in
 * order: `--catalogue <url>`, then `DOUBLON_CATALOGUE`, then libpq's own variables (`PGHOST`, `PGUSER`,
 * `PGPASSWORD`, `PGDATABASE`, `PGPORT`, which node-postgres reads) and `~/.pgpass` (node-postgres reads it
 * when no password is given). Credentials never appear in a message: every error names the server as
 * `host:port/database` and says what to do.
 */
import pg from 'pg';

export class CatalogueError extends Error {
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'CatalogueError';
  }
}

export interface CatalogueTarget {
  /** The connection string, when one was given (it may hold a password: never print it). */
  connectionString?: string;
  /** `host:port/database`, safe to print. */
  label: string;
}

/** The catalogue to use, or undefined when none is configured (the catalogue is optional). */
export function catalogueTarget(option: string | undefined, env: NodeJS.ProcessEnv = process.env): CatalogueTarget | undefined {
  const given = option ?? env.DOUBLON_CATALOGUE;
  if (given !== undefined && given !== '') return { connectionString: given, label: labelOf(given) };
  if (env.PGHOST || env.PGDATABASE || env.PGSERVICE) {
    return { label: `${env.PGHOST ?? 'localhost'}:${env.PGPORT ?? 5432}/${env.PGDATABASE ?? env.PGUSER ?? ''}` };
  }
  return undefined;
}

/** `host:port/database` of a connection string, without user or password. */
export function labelOf(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname || 'localhost'}:${url.port || 5432}${url.pathname || '/'}`;
  } catch {
    return '(an unparsable connection string)';
  }
}

/** Removes anything that looks like credentials from a driver message (some quote the connection string). */
export function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/)[^@\s/]*@/gi, '$1***@').replace(/password=\S+/gi, 'password=***');
}

/** A driver or network error turned into an instruction, naming the server but no credentials. */
export function describeFailure(error: unknown, target: CatalogueTarget): CatalogueError {
  const e = error as { code?: string; message?: string };
  const where = `the catalogue at ${target.label}`;
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return new CatalogueError(`${where} is unreachable (${e.code}): check the host and port, or that the server runs`, error);
    case '28P01':
    case '28000':
      return new CatalogueError(
        `${where} refused the credentials (${e.code}): check the user and password (PGPASSWORD, ~/.pgpass or the connection string)`,
        error,
      );
    case '3D000':
      return new CatalogueError(`${where}: the database does not exist (create it, e.g. \`createdb\`)`, error);
    case '42501':
      return new CatalogueError(
        `${where}: permission denied (${redact(e.message ?? '')}); publishing needs a role that can write, checking only reads`,
        error,
      );
    default:
      return new CatalogueError(`${where}: ${redact(e.message ?? String(error))}`, error);
  }
}

/** Opens one connection; connection errors become CatalogueErrors. */
export async function connect(
  target: CatalogueTarget,
  options: { connectTimeoutMs?: number; applicationName?: string } = {},
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'doublon',
  });
  // An error after connecting (server restart, dropped link) is raised by the query that meets it; without
  // a listener here it would crash the process as an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw describeFailure(error, target);
  }
  return client;
}

/** Runs `fn` with a connection, always closed after; every driver error is described for the user. */
export async function withCatalogue<T>(target: CatalogueTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(target);
  try {
    return await fn(client);
  } catch (error) {
    throw error instanceof CatalogueError ? error : describeFailure(error, target);
  } finally {
    await client.end().catch(() => undefined);
  }
}
