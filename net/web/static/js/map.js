// map.js: the map of search results. Country outlines come from /static/europe.json
// (Natural Earth 1:110m, projected once by tools/make-europe-map.mjs); the points are
// /v1/map's groups for the window shown, drawn as circles whose area grows with the
// group's size. A group is a button: choosing it (click, Enter or Space) lists its
// profiles below the map.
import { api } from './api.js';
import { h, countryName, label, TYPES } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
let outlines = null;

function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
    el.append(...children);
    return el;
}

// The projection the outlines were made with (Lambert azimuthal equal-area).
function projector(p) {
    const rad = Math.PI / 180, p0 = p.lat0 * rad, sin0 = Math.sin(p0), cos0 = Math.cos(p0);
    return (lon, lat) => {
        const l = (lon - p.lon0) * rad, f = lat * rad;
        const k = Math.sqrt(2 / (1 + sin0 * Math.sin(f) + cos0 * Math.cos(f) * Math.cos(l)));
        const x = k * Math.cos(f) * Math.sin(l), y = k * (cos0 * Math.sin(f) - sin0 * Math.cos(f) * Math.cos(l));
        return [(x - p.minX) * p.scale, (p.maxY - y) * p.scale];
    };
}

export async function drawMap(holder, filters) {
    holder.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading the map…'));
    if (!outlines) {
        const res = await fetch('/static/europe.json');
        outlines = await res.json();
    }
    const w = outlines.window;
    const groups = await api('GET', '/v1/map', {
        query: { ...filters, bbox: [w.west, w.south, w.east, w.north].join(','), zoom: 5 },
    });
    const project = projector(outlines.projection);
    const total = groups.reduce((n, g) => n + g.count, 0);
    const max = groups.reduce((m, g) => Math.max(m, g.count), 1);
    const list = h('div', { class: 'map-group', 'aria-live': 'polite' });
    const svg = s('svg', {
        viewBox: `0 0 ${outlines.width} ${outlines.height}`, class: 'map', role: 'group',
        'aria-label': `Map of Europe with ${total.toLocaleString('en-GB')} profiles in ${groups.length} places`,
    });
    const land = s('g', { class: 'map__land', 'aria-hidden': 'true' },
        ...outlines.countries.map(c => s('path', { d: c.d }, s('title', {}, c.name))));
    svg.append(s('rect', { width: outlines.width, height: outlines.height, class: 'map__sea' }), land);
    // Frame the points: the box around them with a margin, at least a fifth of Europe's
    // width, in the outlines' proportions, kept inside the outlines.
    const W = outlines.width, H = outlines.height;
    const pts = groups.map(g => project(g.lon, g.lat)).filter(([x, y]) => x >= 0 && y >= 0 && x <= W && y <= H);
    let vb = [0, 0, W, H];
    if (pts.length) {
        const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
        const cx = (Math.min(...xs) + Math.max(...xs)) / 2, cy = (Math.min(...ys) + Math.max(...ys)) / 2;
        let w = Math.max(W / 5, (Math.max(...xs) - Math.min(...xs)) * 1.3, (Math.max(...ys) - Math.min(...ys)) * 1.3 * W / H);
        w = Math.min(W, w);
        const hgt = w * H / W;
        vb = [Math.min(Math.max(0, cx - w / 2), W - w), Math.min(Math.max(0, cy - hgt / 2), H - hgt), w, hgt];
    }
    svg.setAttribute('viewBox', vb.map(v => v.toFixed(1)).join(' '));
    const k = vb[2] / W; // sizes stay the same on screen whatever the frame
    land.style.strokeWidth = String(0.7 * k);
    const dots = s('g', { class: 'map__points' });
    groups.sort((a, b) => b.count - a.count).forEach((g, i) => {
        const [x, y] = project(g.lon, g.lat);
        if (x < 0 || y < 0 || x > W || y > H) return;
        const r = (4 + 22 * Math.sqrt(g.count / max)) * k;
        const name = `${g.count.toLocaleString('en-GB')} profile${g.count === 1 ? '' : 's'} near ${g.lat.toFixed(1)}° N, ${g.lon.toFixed(1)}° E`;
        const dot = s('g', { class: 'map__point', tabindex: '0', role: 'button', 'aria-label': name, 'data-count': g.count },
            s('circle', { cx: x.toFixed(2), cy: y.toFixed(2), r: r.toFixed(2), 'stroke-width': (1.2 * k).toFixed(2) }),
            g.count > 1 ? s('text', { x: x.toFixed(2), y: (y + 4 * k).toFixed(2), 'text-anchor': 'middle', 'font-size': (11 * k).toFixed(2), 'aria-hidden': 'true' }, String(g.count)) : '');
        const open = () => showGroup(list, g);
        dot.addEventListener('click', open);
        dot.addEventListener('keydown', ev => {
            if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                open();
            }
        });
        dots.append(dot);
        if (i === 0) dot.dataset.first = '';
    });
    svg.append(dots);
    holder.replaceChildren(
        h('p', { class: 'map__summary' }, `${total.toLocaleString('en-GB')} profiles in ${groups.length} places. Choose a circle to list the profiles there.`),
        h('div', { class: 'map-frame' }, svg), list);
}

async function showGroup(list, g) {
    list.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    const shown = g.ids.slice(0, 10);
    const profiles = await Promise.all(shown.map(id => api('GET', `/v1/profiles/${encodeURIComponent(id)}`).catch(() => null)));
    const more = g.count - shown.length;
    list.replaceChildren(
        h('h3', {}, `${g.count.toLocaleString('en-GB')} profile${g.count === 1 ? '' : 's'} here`),
        h('ul', { class: 'list' }, profiles.filter(Boolean).map(p => h('li', {},
            h('a', { href: `/profiles/${encodeURIComponent(p.id)}` }, p.name), ` – ${label(TYPES, p.type)}, ${[p.city, countryName(p.country)].filter(Boolean).join(', ')}`))),
        more > 0 ? h('p', { class: 'hint' }, `and ${more.toLocaleString('en-GB')} more. Filters narrow the map down.`) : null);
}
