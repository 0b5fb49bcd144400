// Writes the images of the generator example sites (examples/hugo-site, jekyll-site, eleventy-site,
// drupal-theme, wordpress-theme): photos from examples/city-site (public domain, see its README),
// and drawings made here from a seed. The pages and templates are written by hand and committed;
// this script is run once by a maintainer, and its output is committed too.
//   node examples/tools/make-generator-sites.mjs
import sharp from 'sharp';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const examples = path.resolve(here, '..');
const city = path.join(examples, 'city-site/assets/shared');

/** A drawing that differs from any other seed: a few shapes placed and coloured by a small PRNG. */
function art(seed, size = 96) {
  let x = 0;
  for (const ch of seed) x = (x * 31 + ch.charCodeAt(0)) >>> 0;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const hue = () => `hsl(${Math.floor(rnd() * 360)},${50 + Math.floor(rnd() * 40)}%,${30 + Math.floor(rnd() * 40)}%)`;
  let shapes = `<rect width="${size}" height="${size}" fill="${hue()}"/>`;
  for (let i = 0; i < 6; i++) {
    const a = Math.floor(rnd() * size), b = Math.floor(rnd() * size), r = 6 + Math.floor(rnd() * size / 3);
    shapes += rnd() < 0.5 ? `<circle cx="${a}" cy="${b}" r="${r}" fill="${hue()}"/>` : `<rect x="${a}" y="${b}" width="${r * 2}" height="${r}" fill="${hue()}"/>`;
  }
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${shapes}</svg>`);
}

const sources = {
  eiffel: () => sharp(path.join(city, 'photos/eiffel-tower.jpg')).resize(320).jpeg({ quality: 75 }),
  chambord: () => sharp(path.join(city, 'photos/chambord.jpg')).resize(320).jpeg({ quality: 75 }),
  reims: () => sharp(path.join(city, 'photos/reims-cathedral.jpg')).resize(320).jpeg({ quality: 75 }),
  pont: () => sharp(path.join(city, 'photos/pont-du-gard.jpg')).resize(320).jpeg({ quality: 75 }),
  worms: () => sharp(path.join(city, 'photos/worms-cathedral.jpg')).resize(320).jpeg({ quality: 75 }),
  logo: () => sharp(path.join(city, 'logo.png')).resize(160).png(),
  bus: () => sharp(path.join(city, 'pictograms/bus.png')).png(),
  bike: () => sharp(path.join(city, 'pictograms/bike.png')).png(),
  museum: () => sharp(path.join(city, 'pictograms/museum.png')).png(),
};
const make = (name) => (sources[name] ? sources[name]() : sharp(art(name)).png());

/** site folder → { image path: source name }; the same source name twice is an exact copy. */
const SITES = {
  'hugo-site': {
    'themes/civic/static/img/logo.png': 'logo', 'static/img/logo-copy.png': 'logo',
    'themes/civic/static/favicon.png': 'favicon-hugo',
    'themes/civic/static/img/gsa-logo-w100.png': 'gsa', 'static/img/gsa.png': 'gsa',
    'static/img/digit-150.png': 'digit', 'static/img/digit-150-copy.png': 'digit',
    'static/icons/bus.png': 'bus', 'static/img/pictos/bus.png': 'bus',
    'assets/img/banner.jpg': 'chambord', 'static/img/banner-copy.jpg': 'chambord',
    'content/news/new-buses/photo.jpg': 'pont', 'content/news/new-buses/photo-copy.jpg': 'pont',
  },
  'jekyll-site': {
    'assets/img/logo.png': 'logo', 'assets/img/logo-copy.png': 'logo', 'assets/img/favicon.png': 'favicon-jekyll',
    'assets/img/partner.png': 'partner', 'assets/img/bus.png': 'bus', 'assets/img/reims.jpg': 'reims', 'assets/img/reims-copy.jpg': 'reims',
    'assets/img/pont.jpg': 'pont', 'assets/img/pont-copy.jpg': 'pont',
    'assets/icons/star-1.png': 'star1', 'assets/icons/star-2.png': 'star2', 'assets/icons/star-3.png': 'star3', 'assets/img/star.png': 'star1',
  },
  'eleventy-site': {
    'src/assets/img/logo.png': 'logo', 'src/assets/img/logo-copy.png': 'logo', 'src/assets/img/favicon.png': 'favicon-11ty',
    'src/assets/blog/eiti/eiti2.jpg': 'eiffel', 'src/assets/blog/eiti/eiti2-copy.jpg': 'eiffel',
    'src/assets/blog/were-hiring/18fdc-pif.jpg': 'worms', 'src/assets/img/fellows.jpg': 'worms',
    'src/assets/team/ana.png': 'ana', 'src/assets/team/bo.png': 'bo', 'src/assets/img/portrait.png': 'ana',
  },
  'drupal-theme': {
    'ville/logo.png': 'logo', 'ville/screenshot.png': 'screenshot', 'ville/images/logo.png': 'logo', 'ville/images/logo-copy.png': 'logo',
    'ville/images/bg.png': 'bg', 'ville/images/seal.png': 'seal', 'ville/images/seal-old.png': 'seal',
    'ville/images/icons/bus.png': 'bus', 'ville/images/bus.png': 'bus',
  },
  'wordpress-theme': {
    'ville/screenshot.png': 'screenshot-wp', 'ville/images/favicon.png': 'favicon-wp', 'ville/images/logo.png': 'logo',
    'ville/assets/logo-copy.png': 'logo', 'ville/images/bg.png': 'bg', 'ville/images/bg-copy.png': 'bg', 'ville/images/seal.png': 'seal',
    'ville/images/icons/bike.png': 'bike', 'ville/images/bike.png': 'bike',
  },
};

const cache = new Map();
for (const [site, images] of Object.entries(SITES)) {
  for (const [rel, source] of Object.entries(images)) {
    if (!cache.has(source)) cache.set(source, await make(source).toBuffer());
    const file = path.join(examples, site, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, cache.get(source));
  }
}
console.log('written');
