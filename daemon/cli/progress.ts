/**
 * Progress of a one-shot scan on stderr. On a terminal, a bar. Elsewhere (CI logs, a pipe) a line every few
 * seconds — files done, total and rate — so a long scan is never silent, and a short one prints nothing.
 * The interval is DOUBLON_PROGRESS_INTERVAL_MS (milliseconds, default 5 000).
 */
import { SingleBar, Presets } from 'cli-progress';
import type { AnalyseProgress } from '../analysis';

export interface ProgressReporter {
  update(progress: AnalyseProgress): void;
  stop(): void;
}

export const DEFAULT_PROGRESS_INTERVAL_MS = 5000;

export interface ProgressOptions {
  /** The bar on a terminal (off for machine-readable output, which is usually watched by nobody). */
  bar: boolean;
  /** Progress lines where stderr is not a terminal. */
  lines: boolean;
}

const NONE: ProgressReporter = { update: () => undefined, stop: () => undefined };

export function progressReporter(options: ProgressOptions): ProgressReporter {
  if (process.stderr.isTTY) return options.bar ? progressBar() : NONE;
  return options.lines ? progressLines((line) => process.stderr.write(line), progressInterval()) : NONE;
}

function progressInterval(): number {
  const configured = Number(process.env.DOUBLON_PROGRESS_INTERVAL_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_PROGRESS_INTERVAL_MS;
}

const LABEL: Record<AnalyseProgress['phase'], string> = { crawl: 'hashing', hash: 'hashing', group: 'grouping' };

function progressBar(): ProgressReporter {
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: ' {phase} [{bar}] {value}/{total} {unit} | {eta_formatted} left',
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let shown: AnalyseProgress['phase'] | undefined;
  return {
    update(progress) {
      if (progress.phase === 'crawl') return;
      const payload = { phase: LABEL[progress.phase], unit: progress.phase === 'hash' ? 'images' : 'contents' };
      if (shown !== progress.phase) {
        if (shown) bar.stop();
        bar.start(progress.total, progress.done, payload);
        shown = progress.phase;
      } else bar.update(progress.done, payload);
    },
    stop() {
      if (shown) bar.stop();
    },
  };
}

/** One line of progress text (exported for its test). */
export function progressLine(progress: AnalyseProgress, seconds: number): string {
  if (progress.phase === 'crawl') return 'doublon: listing files\n';
  const percent = progress.total > 0 ? Math.floor((100 * progress.done) / progress.total) : 100;
  const rate = seconds > 0 ? progress.done / seconds : 0;
  const what = progress.phase === 'hash' ? 'files' : 'new contents grouped';
  const unit = progress.phase === 'hash' ? 'files/s' : 'contents/s';
  return `doublon: ${progress.done}/${progress.total} ${what} (${percent} %), ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} ${unit}\n`;
}

/**
 * A line every `intervalMs` while a phase is under way, written from a timer (not from update()) so a
 * phase that reports rarely — one slow image — still shows the scan is alive. The rate is over the phase.
 */
export function progressLines(write: (line: string) => void, intervalMs: number): ProgressReporter {
  let latest: AnalyseProgress | undefined;
  let phaseStarted = performance.now();
  const timer = setInterval(() => {
    if (latest) write(progressLine(latest, (performance.now() - phaseStarted) / 1000));
  }, intervalMs);
  timer.unref();
  return {
    update(progress) {
      if (progress.phase !== latest?.phase) phaseStarted = performance.now();
      latest = progress;
    },
    stop() {
      clearInterval(timer);
      latest = undefined;
    },
  };
}
