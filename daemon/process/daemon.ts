/**
 * The long-lived process: lock the index, open the service, serve HTTP on 127.0.0.1 and the local socket,
 * publish `daemon.json`, scan, watch; on SIGTERM/SIGINT or `doublon/shutdown`, close everything in order
 * and release the lock. The one place that wires the engine (server/) to what serves it: the editor
 * features (lsp/), the dashboard (dashboard/) and the catalogue; so none of those folders imports another
 * in a cycle.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { ResolvedConfig } from '../config/load';
import type { DaemonInfo } from '../../protocol/discovery';
import { DaemonLock, socketPathFor } from '../server/lifecycle';
import { DoublonService, stderrLogger, VERSION, type Logger } from '../server/service';
import { startHttpServer } from '../server/http';
import { startSocketServer } from '../server/socket';
import { DaemonEndpoint } from '../lsp/endpoint';
import { registerDashboard } from '../dashboard/routes';
import { catalogueTarget } from '../catalogue/connection';
import { repositoryName } from '../catalogue/site';
import { logPath } from '../../protocol/discovery';
import { RESTART_REASON_ENV, SUPERVISOR_ENV } from './supervisor';

/**
 * The supervisor this daemon runs under (supervisor.ts), and why it restarted it: read from the environment,
 * and believed only when the named supervisor is this process's parent.
 */
function supervisionOf(env: NodeJS.ProcessEnv): { supervisor?: number; restartedAfter?: string } {
  const pid = Number(env[SUPERVISOR_ENV]);
  if (!Number.isInteger(pid) || pid <= 1 || pid !== process.ppid) return {};
  const reason = env[RESTART_REASON_ENV];
  return { supervisor: pid, ...(reason ? { restartedAfter: reason.slice(0, 200) } : {}) };
}

export interface DaemonOptions {
  /** HTTP port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  usePolling?: boolean;
  /**
   * Stop after this long with no client connected (no socket connection, no event stream): a daemon an
   * editor started must not outlive it by days. Undefined: run until stopped.
   */
  idleExitMs?: number;
  log?: Logger;
}

export interface RunningDaemon {
  info: DaemonInfo;
  service: DoublonService;
  /** The service with the editor features: what the transports serve. */
  endpoint: DaemonEndpoint;
  /** Resolves when the daemon has stopped. */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export async function startDaemon(config: ResolvedConfig, options: DaemonOptions = {}): Promise<RunningDaemon> {
  const log = options.log ?? stderrLogger;
  const lock = await DaemonLock.acquire(config.indexDir);
  let service: DoublonService | undefined;
  let endpoint: DaemonEndpoint | undefined;
  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let socket: Awaited<ReturnType<typeof startSocketServer>> | undefined;
  try {
    const catalogue = catalogueTarget(undefined);
    service = DoublonService.open(config, {
      usePolling: options.usePolling,
      catalogue: catalogue && { target: catalogue, repository: repositoryName(config, process.env.DOUBLON_REPOSITORY) },
      log,
    });
    endpoint = new DaemonEndpoint(service);
    const supervision = supervisionOf(process.env);
    if (supervision.restartedAfter)
      service.addNotice(`the daemon was started again after it crashed (${supervision.restartedAfter}); see ${logPath(config.indexDir)}`);
    for (const notice of service.indexNotices) log(notice);
    const token = randomBytes(32).toString('hex');
    http = await startHttpServer({ endpoint, token, port: options.port ?? 0 });
    registerDashboard(http.routes, { endpoint, config, publicRoutes: http.publicRoutes, log });
    const socketPath = socketPathFor(config.indexDir);
    socket = await startSocketServer({ endpoint, path: socketPath });
    // Its folder is private already (socketPathFor); the socket itself is ours alone too.
    if (process.platform !== 'win32') fs.chmodSync(socketPath, 0o600);
    const info: DaemonInfo = {
      pid: process.pid,
      socket: socketPath,
      port: http.port,
      token,
      version: VERSION,
      startedAt: new Date().toISOString(),
      roots: config.roots,
      indexDir: config.indexDir,
      ...(supervision.supervisor !== undefined ? { supervisor: supervision.supervisor } : {}),
    };
    lock.writeInfo(info);
    log(
      `doublon daemon ${VERSION} (pid ${process.pid}) serving ${config.roots.join(', ')} on http://127.0.0.1:${http.port} and ${socketPath}`,
    );

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    let stopping: Promise<void> | undefined;
    const running = service;
    const served = endpoint;
    const servers = { http, socket };
    let idleTimer: NodeJS.Timeout | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (idleTimer) clearInterval(idleTimer);
        log('stopping');
        await Promise.allSettled([servers.http.close(), servers.socket.close()]);
        await served.stop();
        lock.release();
        log('stopped');
        resolveStopped();
      })();
      return stopping;
    };
    service.onShutdown = () => void stop();
    const idleExitMs = options.idleExitMs;
    if (idleExitMs !== undefined) {
      let idleSince = Date.now();
      idleTimer = setInterval(
        () => {
          if (servers.socket.connectionCount() > 0 || servers.http.eventClientCount() > 0) {
            idleSince = Date.now();
          } else if (Date.now() - idleSince >= idleExitMs) {
            log(`no client for ${(idleExitMs / 60_000).toFixed(1)} min: stopping (started with --idle-exit)`);
            void stop();
          }
        },
        Math.max(250, Math.min(idleExitMs / 4, 30_000)),
      );
      idleTimer.unref();
    }
    service.start().then(
      () => log(`ready: ${running.status().files} images, ${running.status().groups} groups`),
      (error: unknown) => log(`initial scan failed: ${(error as Error).stack ?? String(error)}`),
    );
    return { info, service, endpoint, stopped, stop };
  } catch (error) {
    await Promise.allSettled([http?.close(), socket?.close()]);
    await (endpoint ?? service)?.stop().catch(() => undefined);
    lock.release();
    throw error;
  }
}

/** `doublon daemon start --foreground`: run until a signal or `doublon/shutdown`. */
export async function runDaemonForeground(config: ResolvedConfig, options: DaemonOptions = {}): Promise<void> {
  const daemon = await startDaemon(config, options);
  const onSignal = (): void => void daemon.stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await daemon.stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
}
