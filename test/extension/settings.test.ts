import * as assert from 'node:assert/strict';
import { changeImpact, configOverrides, daemonStartArgs, initializationOptions, readSettings } from '../../extension/settings';

function reader(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

describe('extension: settings mapping', () => {
  it('defaults: warning for exact and pixel, information for near, no overrides', () => {
    const settings = readSettings(reader({}));
    assert.deepEqual(settings.severity, { exact: 'warning', pixel: 'warning', near: 'information' });
    assert.deepEqual(initializationOptions(settings), {
      severity: { exact: 'warning', pixel: 'warning', near: 'information' },
      hover: { images: true },
    });
    assert.equal(settings.enable, true);
    assert.equal(readSettings(reader({ enable: false, 'hover.images': false })).enable, false);
    assert.deepEqual(initializationOptions(readSettings(reader({ 'hover.images': false }))).hover, { images: false });
    assert.equal(settings.nodePath, undefined);
  });

  it('maps unknown values to safe defaults', () => {
    const settings = readSettings(
      reader({ 'severity.exact': 'fatal', 'severity.near': 'off', nearThreshold: 7, roots: ['site', 3, ''], nodePath: '  ' }),
    );
    assert.equal(settings.severity.exact, 'warning');
    assert.equal(settings.severity.near, 'off');
    assert.equal(settings.nearThreshold, undefined);
    assert.deepEqual(settings.roots, ['site']);
    assert.equal(settings.nodePath, undefined);
  });

  it('passes config overrides to the daemon it starts', () => {
    const settings = readSettings(reader({ nearThreshold: 0.95, exclude: ['legacy/**'], 'canonical.preferred': ['assets/shared/**'] }));
    const overrides = configOverrides(settings);
    assert.deepEqual(overrides, {
      thresholds: { nearSimilarity: 0.95 },
      exclude: ['legacy/**'],
      canonical: { preferred: ['assets/shared/**'] },
    });
    assert.deepEqual(daemonStartArgs('/x/cli.js', '/w/.doublon', undefined, [], overrides).slice(-2), [
      '--overrides',
      JSON.stringify(overrides),
    ]);
  });

  it('sorts changes by what they need', () => {
    assert.deepEqual(
      changeImpact((s) => s === 'doublon.severity'),
      { impact: 'reconnect', settings: ['doublon.severity'] },
    );
    assert.deepEqual(
      changeImpact((s) => s === 'doublon.nodePath' || s === 'doublon.severity'),
      { impact: 'restartDaemon', settings: ['doublon.nodePath'] },
    );
    assert.deepEqual(
      changeImpact(() => false),
      { impact: 'none', settings: [] },
    );
  });

  it('builds the daemon command line like the CLI expects', () => {
    assert.deepEqual(daemonStartArgs('/x/cli.js', '/w/.doublon', '/w/doublon.config.json', []), [
      '/x/cli.js',
      'daemon',
      'start',
      '--foreground',
      '--restart-on-crash',
      '--index',
      '/w/.doublon',
      '--idle-exit',
      '10',
      '--config',
      '/w/doublon.config.json',
    ]);
    assert.deepEqual(daemonStartArgs('/x/cli.js', '/w/.doublon', undefined, ['/w']), [
      '/x/cli.js',
      'daemon',
      'start',
      '--foreground',
      '--restart-on-crash',
      '--index',
      '/w/.doublon',
      '--idle-exit',
      '10',
      '/w',
    ]);
  });
});
