/**
 * The daemon's live view of the catalogue: one connection that LISTENs on the catalogue's channel, and the
 * cross-site findings of the daemon's images, recomputed when another site publishes (NOTIFY) or when this
 * site's images change. A lost connection is retried with back-off; meanwhile the state says `unavailable`
 * with the reason, and the last findings stay shown.
 */
import type pg from 'pg';
import type { CatalogueState } from '../../protocol/catalogue';
import type { Fingerprint, NearThresholds } from '../hash';
import { connect, describeFailure, type CatalogueTarget } from './connection';
import { crossSiteFindings } from './findings';
import { NOTIFY_CHANNEL } from './publish';
import type { SiteImage } from './site';

export interface CatalogueWatchOptions {
  target: CatalogueTarget;
  repository: string;
  thresholds: NearThresholds;
  fingerprintVersion: number;
  /** The site's copy of the catalogue's keys (key-cache.ts): a recomputation reads only the catalogue's changes. */
  keyCache?: string;
  /** The site's images now (the daemon's live entries). */
  images: () => { images: SiteImage[]; fingerprintOf: (sha256: string) => Fingerprint | undefined };
  /** Called with the new state after every recomputation or state change. */
  onChange: (state: CatalogueState) => void;
  /** Debounce of recomputations (a burst of publishes or local changes is one recomputation). */
  delayMs?: number;
  log?: (line: string) => void;
}

export class CatalogueWatch {
  private client: pg.Client | undefined;
  private current: CatalogueState;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private retryMs = 1000;
  private stopped = false;

  constructor(private readonly options: CatalogueWatchOptions) {
    this.current = { state: 'unavailable', error: 'connecting', server: options.target.label, findings: [] };
  }

  get state(): CatalogueState {
    return this.current;
  }

  /** Connects and computes the first findings; never throws (a failure is the state, retried). */
  async start(): Promise<void> {
    await this.connectAndListen();
  }

  /** Asks for a recomputation soon (coalesced). */
  refresh(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.running.then(() => this.recompute());
    }, this.options.delayMs ?? 200);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async connectAndListen(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = await connect(this.options.target, { applicationName: 'doublon daemon' });
      client.on('notification', (message) => {
        if (message.channel === NOTIFY_CHANNEL) this.refresh();
      });
      client.on('error', (error) => this.lost(error));
      client.on('end', () => this.lost(new Error('the connection ended')));
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      this.client = client;
      this.retryMs = 1000;
      await this.recompute();
    } catch (error) {
      this.lost(error);
    }
  }

  private lost(error: unknown): void {
    if (this.stopped) return;
    const wasConnected = this.client !== undefined;
    this.client?.removeAllListeners();
    this.client?.end().catch(() => undefined);
    this.client = undefined;
    const message = describeFailure(error, this.options.target).message;
    this.setState({ ...this.current, state: 'unavailable', error: message });
    this.options.log?.(`catalogue: ${message}; retrying in ${Math.round(this.retryMs / 1000)} s`);
    const delay = wasConnected ? 1000 : this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 60_000);
    setTimeout(() => void this.connectAndListen(), delay).unref();
  }

  private async recompute(): Promise<void> {
    const client = this.client;
    if (!client || this.stopped) return;
    try {
      const { images, fingerprintOf } = this.options.images();
      const findings = await crossSiteFindings(client, images, fingerprintOf, {
        repository: this.options.repository,
        thresholds: this.options.thresholds,
        fingerprintVersion: this.options.fingerprintVersion,
        keyCache: this.options.keyCache,
      });
      this.setState({ state: 'connected', server: this.options.target.label, findings });
    } catch (error) {
      this.lost(error);
    }
  }

  private setState(state: CatalogueState): void {
    this.current = state;
    this.options.onChange(state);
  }
}
