/** In the extension host: diagnostics, code actions and hover from the daemon, through the real `vscode` API. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from '../../helpers/wait';

describe('Doublon language features (extension host)', () => {
  let uri: vscode.Uri;
  let diagnostic: vscode.Diagnostic;

  before(async () => {
    const extension = vscode.extensions.getExtension('doublon.doublon');
    assert.ok(extension, 'the extension doublon.doublon is loaded');
    await extension.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    uri = vscode.Uri.file(path.join(folder.uri.fsPath, 'news/index.html'));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    // news/index.html references img/tour-eiffel.jpg, an exact copy of assets/shared/photos/eiffel-tower.jpg.
    diagnostic = await waitFor(
      'the doublon diagnostic on img/tour-eiffel.jpg',
      () => vscode.languages.getDiagnostics(uri).find((d) => d.source === 'doublon' && document.getText(d.range) === 'img/tour-eiffel.jpg'),
      90_000,
    );
  });

  it('publishes a warning on the exact path text of a duplicate reference', async () => {
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
    assert.match(String(code), /^duplicate-(exact|pixel|near)$/);
    assert.match(diagnostic.message, /eiffel-tower\.jpg/);
    assert.ok(
      diagnostic.relatedInformation?.some((r) =>
        r.location.uri.fsPath.endsWith(path.join('assets', 'shared', 'photos', 'eiffel-tower.jpg')),
      ),
      'related information points at the canonical',
    );
  });

  it('offers the quick fixes: use canonical (preferred), replace everywhere, ignore', async () => {
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range);
    const titles = actions.map((a) => a.title);
    const canonical = actions.find((a) => /^Use canonical/.test(a.title));
    assert.ok(canonical, `actions: ${titles.join(' | ')}`);
    assert.equal(canonical.isPreferred, true);
    assert.ok(canonical.edit && canonical.edit.size > 0, 'the preferred fix carries an edit');
    const edits = canonical.edit.get(uri);
    assert.equal(edits[0].newText, '../assets/shared/photos/eiffel-tower.jpg');
    assert.ok(
      titles.some((t) => /Ignore/.test(t)),
      `actions: ${titles.join(' | ')}`,
    );
    // img/logo.png (a copy referenced from several pages) also gets "replace everywhere".
    const document = await vscode.workspace.openTextDocument(uri);
    const logo = vscode.languages.getDiagnostics(uri).find((d) => document.getText(d.range) === 'img/logo.png');
    assert.ok(logo, 'a diagnostic on img/logo.png');
    const logoActions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, logo.range);
    const everywhere = logoActions.find((a) => /Replace every reference/.test(a.title));
    assert.ok(everywhere?.edit, `actions: ${logoActions.map((a) => a.title).join(' | ')}`);
    assert.ok(everywhere.edit.entries().length > 1, 'the edit spans several files');
  });

  it('offers source.fixAll.doublon for exact and pixel copies', async () => {
    const document = await vscode.workspace.openTextDocument(uri);
    const whole = new vscode.Range(0, 0, document.lineCount, 0);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      whole,
      'source.fixAll.doublon',
    );
    const fixAll = actions.find((a) => a.kind?.value === 'source.fixAll.doublon');
    assert.ok(fixAll?.edit, `actions: ${actions.map((a) => `${a.kind?.value}: ${a.title}`).join(' | ')}`);
    const newTexts = fixAll.edit.get(uri).map((e) => e.newText);
    assert.ok(newTexts.includes('../assets/shared/photos/eiffel-tower.jpg'), `fix-all edits: ${newTexts.join(', ')}`);
  });

  it('hovers with the dimensions, sizes and class of the duplicate', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      diagnostic.range.start.translate(0, 2),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /640\s*[×x]\s*481/);
    assert.match(text, /exact/);
  });
});
