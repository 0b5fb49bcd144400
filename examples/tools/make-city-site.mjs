// Builds examples/city-site from a few public-domain / CC0 photos of ../shared/corpus (see CREDITS.md)
// plus pictograms drawn here. Run once by a maintainer; the output is committed, so users need no corpus.
//   node examples/tools/make-city-site.mjs
import sharp from 'sharp';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.resolve(here, '../../../shared/corpus/photos');
const site = path.resolve(here, '../city-site');

const out = (rel) => {
  const file = path.join(site, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
};
const photo = (name) => sharp(path.join(corpus, `gcompris_monuments-${name}.jpg`)).resize(640, 640, { fit: 'inside' });

fs.rmSync(site, { recursive: true, force: true });

// Canonical library.
await photo('france-eiffelTower').jpeg({ quality: 80 }).toFile(out('assets/shared/photos/eiffel-tower.jpg'));
await photo('france-chateaudeChambord').jpeg({ quality: 80 }).toFile(out('assets/shared/photos/chambord.jpg'));
await photo('france-reimsCathedral').jpeg({ quality: 80 }).toFile(out('assets/shared/photos/reims-cathedral.jpg'));
await photo('germany-wormsCathedral').jpeg({ quality: 80 }).toFile(out('assets/shared/photos/worms-cathedral.jpg'));
await photo('france-pontduGard').jpeg({ quality: 80 }).toFile(out('assets/shared/photos/pont-du-gard.jpg'));

const logoSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="0 0 240 80">
  <rect width="240" height="80" rx="12" fill="#1b3a6b"/>
  <path d="M40 62 L60 14 L80 62 Z" fill="#f2c14e"/><rect x="54" y="36" width="12" height="4" fill="#1b3a6b"/>
  <circle cx="120" cy="40" r="18" fill="none" stroke="#fff" stroke-width="6"/>
  <rect x="160" y="22" width="56" height="36" rx="6" fill="#e4572e"/>
</svg>`;
fs.writeFileSync(out('assets/shared/logo.svg'), logoSvg);
await sharp(Buffer.from(logoSvg)).png().toFile(out('assets/shared/logo.png'));

const pictogram = (glyph) => `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <circle cx="32" cy="32" r="30" fill="#2a7f62"/>${glyph}</svg>`;
const glyphs = {
  bus: '<rect x="16" y="14" width="32" height="30" rx="5" fill="#fff"/><rect x="20" y="18" width="24" height="12" fill="#2a7f62"/><circle cx="23" cy="48" r="4" fill="#fff"/><circle cx="41" cy="48" r="4" fill="#fff"/>',
  bike: '<circle cx="20" cy="40" r="9" fill="none" stroke="#fff" stroke-width="4"/><circle cx="44" cy="40" r="9" fill="none" stroke="#fff" stroke-width="4"/><path d="M20 40 L30 24 L44 40 M30 24 L38 24" stroke="#fff" stroke-width="4" fill="none"/>',
  museum: '<path d="M12 26 L32 12 L52 26 Z" fill="#fff"/><rect x="16" y="28" width="5" height="18" fill="#fff"/><rect x="29.5" y="28" width="5" height="18" fill="#fff"/><rect x="43" y="28" width="5" height="18" fill="#fff"/><rect x="12" y="48" width="40" height="5" fill="#fff"/>',
};
for (const [name, glyph] of Object.entries(glyphs)) {
  await sharp(Buffer.from(pictogram(glyph))).png().toFile(out(`assets/shared/pictograms/${name}.png`));
}

// The copies a real site accumulates.
fs.copyFileSync(out('assets/shared/photos/eiffel-tower.jpg'), out('news/img/tour-eiffel.jpg')); // exact
fs.copyFileSync(out('assets/shared/logo.png'), out('news/img/logo.png')); // exact
fs.copyFileSync(out('assets/shared/logo.png'), out('culture/img/logo-ville.png')); // exact
await sharp(out('assets/shared/logo.png')).png({ compressionLevel: 2, palette: false }).toFile(out('transport/img/logo.png')); // pixel
await sharp(out('assets/shared/photos/eiffel-tower.jpg')).webp({ quality: 75 }).toFile(out('culture/img/eiffel.webp')); // near: other format
await sharp(out('assets/shared/photos/eiffel-tower.jpg')).resize({ width: 320 }).jpeg({ quality: 70 }).toFile(out('news/img/eiffel-thumb.jpg')); // near: resized
await sharp(out('assets/shared/photos/chambord.jpg')).jpeg({ quality: 35 }).toFile(out('culture/img/chambord-old.jpg')); // near: recompressed
await sharp(out('assets/shared/photos/pont-du-gard.jpg')).modulate({ brightness: 1.15 }).jpeg({ quality: 80 }).toFile(out('culture/img/pont-du-gard-bright.jpg')); // near: edited
await sharp(out('assets/shared/pictograms/bus.png')).resize(32, 32).png().toFile(out('transport/img/bus-32.png')); // near: icon at another size
fs.copyFileSync(out('assets/shared/pictograms/bike.png'), out('transport/img/velo.png')); // exact

// A responsive pair (variants, referenced together on purpose).
await sharp(out('assets/shared/photos/reims-cathedral.jpg')).resize({ width: 320 }).jpeg({ quality: 80 }).toFile(out('culture/img/reims-320.jpg'));

const page = (title, body) => `<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>${title} — Ville de Lumière</title>
  <link rel="icon" href="/assets/shared/pictograms/museum.png">
  <link rel="stylesheet" href="/css/site.css">
</head>
<body>
  <header><img src="/assets/shared/logo.png" alt="Ville de Lumière"></header>
${body}
</body>
</html>
`;
fs.writeFileSync(out('index.html'), page('Accueil', `  <main>
    <h1>Bienvenue</h1>
    <img src="assets/shared/photos/eiffel-tower.jpg" alt="La tour Eiffel">
    <a href="news/index.html">Actualités</a> · <a href="culture/index.html">Culture</a> · <a href="transport/index.html">Transports</a>
  </main>`));
fs.writeFileSync(out('news/index.html'), page('Actualités', `  <main>
    <img src="img/logo.png" alt="Logo">
    <article><h2>La tour illuminée</h2><img src="img/tour-eiffel.jpg" alt="La tour Eiffel de nuit"></article>
    <aside><img src="./img/eiffel-thumb.jpg" width="160" alt="Miniature"></aside>
  </main>`));
fs.writeFileSync(out('culture/index.html'), page('Culture', `  <main>
    <img src="img/logo-ville.png" alt="Logo">
    <picture>
      <source srcset="img/eiffel.webp" type="image/webp">
      <img src="../assets/shared/photos/eiffel-tower.jpg" alt="La tour Eiffel">
    </picture>
    <img src="img/chambord-old.jpg" alt="Château de Chambord">
    <img src="/assets/shared/photos/reims-cathedral.jpg" srcset="img/reims-320.jpg 320w, /assets/shared/photos/reims-cathedral.jpg 640w" alt="Cathédrale de Reims">
    <img src="/assets/shared/photos/worms-cathedral.jpg" alt="Cathédrale de Worms">
    <div class="hero" style="background-image: url('img/pont-du-gard-bright.jpg')"></div>
  </main>`));
fs.writeFileSync(out('transport/index.html'), page('Transports', `  <main>
    <img src="img/logo.png" alt="Logo">
    <ul class="modes">
      <li><img src="img/bus-32.png" alt="Bus"> Bus</li>
      <li><img src="img/velo.png" alt="Vélo"> Vélo</li>
    </ul>
  </main>`));
fs.writeFileSync(out('css/site.css'), `body { font-family: system-ui, sans-serif; margin: 0; }
header { background: #1b3a6b url("../assets/shared/logo.png") no-repeat right center; padding: 1rem; }
.modes li.bus { list-style-image: url(../assets/shared/pictograms/bus.png); }
.hero { background-size: cover; min-height: 240px; }
`);
fs.writeFileSync(out('culture/monuments.md'), `# Monuments

![Pont du Gard](../assets/shared/photos/pont-du-gard.jpg)

![Chambord][chambord]

[chambord]: img/chambord-old.jpg
`);
fs.writeFileSync(out('manifest.json'), JSON.stringify({
  name: 'Ville de Lumière',
  icons: [{ src: '/assets/shared/logo.png', sizes: '240x80', type: 'image/png' }, { src: '/news/img/logo.png', sizes: '240x80', type: 'image/png' }],
}, null, 2) + '\n');
fs.writeFileSync(out('doublon.config.json'), JSON.stringify({
  roots: ['.'],
  canonical: { preferred: ['assets/shared/**'] },
}, null, 2) + '\n');
console.log(`wrote ${site}`);
