/** How the dashboard is reached: its address (the token in the query) and opening it in the default browser. */
import { spawn } from 'node:child_process';
import type { DaemonInfo } from '../server/lifecycle';

export function dashboardUrl(info: Pick<DaemonInfo, 'port' | 'token'>): string {
  return `http://127.0.0.1:${info.port}/?token=${encodeURIComponent(info.token)}`;
}

/** Best effort: the address is printed anyway. */
export function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener on this machine.
  }
}
