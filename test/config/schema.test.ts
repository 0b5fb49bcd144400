/** The shipped JSON schema of doublon.config.json is current and agrees with the validator. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { SCHEMA_FILE, schemaText } from '../../daemon/config/schema';
import { ConfigError, validateConfig } from '../../daemon/config/validate';

const REPO = path.resolve(__dirname, '../../..');

/** Each sample is one key given a good or a bad value; both sides must reach the same verdict. */
const SAMPLES: Array<[string, unknown]> = [
  ['empty', {}],
  ['$schema', { $schema: './node_modules/doublon/schema/doublon.config.schema.json' }],
  [
    'every key',
    {
      roots: ['.', 'site'],
      include: ['**/*.png'],
      exclude: [],
      sources: ['**/*.html', '!**/*.min.js'],
      webRoots: ['public'],
      gitignore: false,
      thresholds: { nearSimilarity: 0.95 },
      canonical: { preferred: ['assets/**'], rules: ['lexical', 'oldest'] },
      ignore: ['legacy/**', { paths: ['a.png', 'b.png'] }],
      failOn: ['exact', 'unreadable'],
      maxPixels: 5e7,
      indexDir: '.cache/doublon',
    },
  ],
  ['unknown key', { root: ['.'] }],
  ['roots empty', { roots: [] }],
  ['roots not strings', { roots: [1] }],
  ['roots empty string', { roots: [''] }],
  ['include empty', { include: [] }],
  ['exclude a string', { exclude: '**/x/**' }],
  ['gitignore a string', { gitignore: 'yes' }],
  ['threshold too low', { thresholds: { nearSimilarity: 0.4 } }],
  ['threshold a string', { thresholds: { nearSimilarity: 'high' } }],
  ['threshold unknown key', { thresholds: { exact: 1 } }],
  ['canonical unknown rule', { canonical: { rules: ['biggest'] } }],
  ['canonical unknown key', { canonical: { prefer: [] } }],
  ['ignore object without paths', { ignore: [{ files: ['a.png'] }] }],
  ['ignore object with an extra key', { ignore: [{ paths: ['a.png'], why: 'x' }] }],
  ['ignore empty paths', { ignore: [{ paths: [] }] }],
  ['ignore a number', { ignore: [3] }],
  ['failOn unknown', { failOn: ['similar'] }],
  ['maxPixels zero', { maxPixels: 0 }],
  ['maxPixels huge', { maxPixels: 1e13 }],
  ['indexDir empty', { indexDir: '' }],
  [
    'libraries',
    {
      libraries: [
        { path: '../city-library', url: 'https://cdn.city.example/assets/' },
        { path: 'shared', url: '/shared/' },
      ],
    },
  ],
  ['libraries not an array', { libraries: { path: 'x', url: '/x/' } }],
  ['library without url', { libraries: [{ path: 'x' }] }],
  ['library url not a URL', { libraries: [{ path: 'x', url: 'cdn.example.org' }] }],
  ['library url with a space', { libraries: [{ path: 'x', url: 'https://cdn.example.org/a b/' }] }],
  ['library unknown key', { libraries: [{ folder: 'x', url: '/x/' }] }],
  ['library empty path', { libraries: [{ path: '', url: '/x/' }] }],
  ['not an object', []],
];

describe('doublon.config.json schema', () => {
  it(`${SCHEMA_FILE} is current (npm run schema writes it)`, () => {
    assert.equal(fs.readFileSync(path.join(REPO, SCHEMA_FILE), 'utf8'), schemaText());
  });

  it('agrees with the validator on valid and invalid samples', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(schemaText()) as object);
    for (const [name, sample] of SAMPLES) {
      let accepted = true;
      try {
        validateConfig(sample, 'sample');
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        accepted = false;
      }
      assert.equal(
        validate(sample),
        accepted,
        `${name}: the validator ${accepted ? 'accepts' : 'refuses'} it, the schema does not agree ${JSON.stringify(validate.errors)}`,
      );
    }
  });

  it('is shipped in the npm package and contributed to editors for doublon.config.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      files: string[];
      exports: Record<string, string>;
      contributes: { jsonValidation: Array<{ fileMatch: string; url: string }> };
    };
    assert.ok(manifest.files.includes('schema/'));
    assert.equal(manifest.exports['./schema/doublon.config.schema.json'], `./${SCHEMA_FILE}`);
    assert.deepEqual(manifest.contributes.jsonValidation, [{ fileMatch: 'doublon.config.json', url: `./${SCHEMA_FILE}` }]);
    assert.ok(
      fs.readFileSync(path.join(REPO, '.vscodeignore'), 'utf8').split('\n').includes('!schema/**'),
      'the .vsix includes the schema',
    );
  });
});
