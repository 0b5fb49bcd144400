/** A progress bar on stderr when it is a terminal, nothing otherwise (CI logs stay clean). */
import { SingleBar, Presets } from 'cli-progress';
import type { ScanProgress } from '../scan/scanner';

export interface ProgressReporter {
  update(progress: ScanProgress): void;
  stop(): void;
}

export function progressReporter(enabled: boolean): ProgressReporter {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { stream: process.stderr, format: ' {phase} [{bar}] {value}/{total} images | {eta_formatted} left', hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      if (progress.phase === 'crawl') return;
      if (!started) {
        bar.start(progress.total, progress.done, { phase: 'hashing' });
        started = true;
      } else bar.update(progress.done, { phase: 'hashing' });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
