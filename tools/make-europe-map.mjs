// make-europe-map.mjs: writes net/web/static/europe.json, the country outlines the map of
// search results is drawn on, from Natural Earth's 1:110m Admin 0 countries (public domain)
// as npm's world-atlas package carries them (TopoJSON, decimal degrees).
//
// Run once when the outlines or the projection change (the output is committed; nothing is
// fetched at run time):
//   (cd tests/web && npm ci) && node tools/make-europe-map.mjs
//
// Projection: Lambert azimuthal equal-area centred on 10°E 52°N (the shape of EPSG:3035),
// scaled so the window from 25°W to 45°E and 34°N to 72°N fills WIDTH units. The file
// carries the projection's parameters; net/web/static/js/map.js projects points the same way.
// Rings wholly outside the window are dropped; coordinates are rounded to 0.1 unit.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const topo = JSON.parse(readFileSync(
    join(root, 'tests/web/node_modules/world-atlas/countries-110m.json'), 'utf8'));

const LON0 = 10, LAT0 = 52, WIDTH = 1000;
const WINDOW = { west: -25, east: 45, south: 34, north: 72 };
const rad = Math.PI / 180;

function laea(lon, lat) {
    const l = (lon - LON0) * rad, p = lat * rad, p0 = LAT0 * rad;
    const k = Math.sqrt(2 / (1 + Math.sin(p0) * Math.sin(p) + Math.cos(p0) * Math.cos(p) * Math.cos(l)));
    return [k * Math.cos(p) * Math.sin(l),
            k * (Math.cos(p0) * Math.sin(p) - Math.sin(p0) * Math.cos(p) * Math.cos(l))];
}

// The window's extent in projected units, from its edges sampled every degree.
let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
for (let lon = WINDOW.west; lon <= WINDOW.east; lon++)
    for (let lat = WINDOW.south; lat <= WINDOW.north; lat++) {
        if (lon !== WINDOW.west && lon !== WINDOW.east && lat !== WINDOW.south && lat !== WINDOW.north)
            continue;
        const [x, y] = laea(lon, lat);
        minX = Math.min(minX, x); maxX = Math.max(maxX, x);
        minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
const scale = WIDTH / (maxX - minX);
const HEIGHT = Math.round((maxY - minY) * scale);
const toSvg = ([x, y]) => [(x - minX) * scale, (maxY - y) * scale];

// TopoJSON arcs are quantised and delta-encoded.
const [sx, sy] = topo.transform.scale, [tx, ty] = topo.transform.translate;
const arcs = topo.arcs.map(arc => {
    let x = 0, y = 0;
    return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; });
});
function ring(indexes) {
    const out = [];
    for (const i of indexes) {
        const pts = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
        out.push(...(out.length ? pts.slice(1) : pts));
    }
    return out;
}
const inWindow = pts => pts.some(([lon, lat]) =>
    lon >= WINDOW.west - 5 && lon <= WINDOW.east + 5 && lat >= WINDOW.south - 5 && lat <= WINDOW.north + 5);
const r1 = v => Math.round(v * 10) / 10;

const countries = [];
for (const g of topo.objects.countries.geometries) {
    const polys = g.type === 'Polygon' ? [g.arcs] : g.type === 'MultiPolygon' ? g.arcs : [];
    let d = '';
    for (const poly of polys)
        for (const idx of poly) {
            const pts = ring(idx);
            if (!inWindow(pts)) continue;
            let prev = null, seg = '';
            for (const p of pts) {
                const [x, y] = toSvg(laea(p[0], p[1])).map(r1);
                if (prev && prev[0] === x && prev[1] === y) continue;
                seg += (prev ? 'L' : 'M') + x + ',' + y;
                prev = [x, y];
            }
            d += seg + 'Z';
        }
    if (d) countries.push({ name: g.properties.name, d });
}
countries.sort((a, b) => a.name.localeCompare(b.name));

const out = {
    source: 'Natural Earth 1:110m Admin 0 countries (public domain), via world-atlas ' +
        JSON.parse(readFileSync(join(root, 'tests/web/node_modules/world-atlas/package.json'))).version,
    projection: { kind: 'laea', lon0: LON0, lat0: LAT0, minX, maxY, scale },
    width: WIDTH, height: HEIGHT, window: WINDOW, countries,
};
writeFileSync(join(root, 'net/web/static/europe.json'), JSON.stringify(out) + '\n');
console.log(`net/web/static/europe.json: ${countries.length} countries, ${WIDTH}x${HEIGHT}`);
