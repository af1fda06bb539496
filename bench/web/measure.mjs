// measure.mjs: the web front end's weight and speed in Debian's chromium, on demo data.
//
//   node bench/web/measure.mjs BUILD_DIR [--scale S] [--runs N]
//
// Starts BUILD_DIR/cli/eccpd on a free loopback port with a fresh demo data directory
// (scale 1 by default, as `./dev.sh run` has), then, in a fresh browser context per run
// (nothing cached):
// - the front page's transferred bytes (the document and every file it loads; the map's
//   outlines are counted apart, as they load only in the map view);
// - for each query of bench/web/queries.txt, the time from pressing Enter in the search
//   box to the results of that query on screen (measured in the page, from the key event
//   to the frame after the results are drawn), and, as the baseline measured in the same
//   run, the time the page's own fetch of /v1/search takes for the same query;
// - the time from typing a word's last letter to its suggestions on screen (this includes
//   the page's 60 ms pause before asking, so that fast typists do not send a request a key).
// Prints medians and 90th percentiles per run and over all runs.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const build = args[0];
if (!build) {
    console.error('usage: node bench/web/measure.mjs BUILD_DIR [--scale S] [--runs N]');
    process.exit(2);
}
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const scale = opt('--scale', '1'), runs = Number(opt('--runs', '3'));
const { chromium } = await import(pathToFileURL(join(root, 'tests/web/node_modules/playwright-core/index.mjs')));
const queries = readFileSync(join(root, 'bench/web/queries.txt'), 'utf8').split('\n').map(s => s.trim()).filter(s => s && !s.startsWith('#'));
const words = ['hydrogen', 'klaster', 'textile', 'aerospace', 'tourism'];

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const fmt = x => x.toFixed(1);

const port = await new Promise(res => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); }); });
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), 'eccpd-bench-web-'));
const binary = join(build, 'cli/eccpd');
execFileSync(binary, ['demo-data', '--data', data, '--scale', scale, '--password', 'bench password'], { stdio: 'ignore' });
const server = spawn(binary, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--access-log', 'off'], { stdio: 'ignore' });
for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not yet */ }
    if (i > 1200) throw new Error('eccpd did not become ready');
    await new Promise(r => setTimeout(r, 100));
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const all = { page: [], api: [], suggest: [] };
try {
    for (let run = 1; run <= runs; run++) {
        const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
        const page = await context.newPage();
        await page.goto(`${base}/`);
        await page.locator('#results-heading').waitFor();
        const weight = await page.evaluate(() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const res = performance.getEntriesByType('resource');
            const sum = (xs, f) => xs.filter(f).reduce((n, r) => n + r.transferSize, 0);
            return {
                files: sum(res, r => r.name.includes('/static/')) + nav.transferSize,
                api: sum(res, r => r.name.includes('/v1/')),
                n: res.filter(r => r.name.includes('/static/')).length + 1,
            };
        });
        await page.goto(`${base}/?view=map`);
        await page.locator('.map__point').first().waitFor();
        const mapBytes = await page.evaluate(() => performance.getEntriesByType('resource').filter(r => r.name.includes('europe.json')).reduce((n, r) => n + r.transferSize, 0));
        await page.goto(`${base}/`);
        await page.locator('#results-heading').waitFor();
        const box = page.locator('#q');
        const t = { page: [], api: [], suggest: [] };
        for (const q of queries) {
            await box.fill(q);
            const m = page.evaluate(q => new Promise(resolve => {
                let start = null; // the Enter key's keydown, as the page saw it
                document.addEventListener('keydown', ev => { if (ev.key === 'Enter' && start === null) start = ev.timeStamp; }, { capture: true, once: true });
                const before = performance.getEntriesByType('resource').length;
                const obs = new MutationObserver(() => {
                    const h = document.getElementById('results-heading');
                    if (h && h.dataset.query === q && !document.querySelector('.results[aria-busy]')) {
                        obs.disconnect();
                        requestAnimationFrame(() => {
                            const shown = performance.now() - start;
                            const calls = performance.getEntriesByType('resource').slice(before).filter(r => r.name.includes('/v1/search'));
                            resolve({ shown, api: Math.max(...calls.map(r => r.responseEnd - r.startTime)) });
                        });
                    }
                });
                obs.observe(document.getElementById('main'), { childList: true, subtree: true, attributes: true });
            }), q);
            await box.press('Enter');
            const r = await m;
            t.page.push(r.shown);
            t.api.push(r.api);
        }
        for (const w of words) {
            await box.fill(w.slice(0, -1));
            await page.waitForTimeout(150);
            const m = page.evaluate(() => new Promise(resolve => {
                let start = null; // the last letter's keydown
                document.addEventListener('keydown', ev => { if (start === null) start = ev.timeStamp; }, { capture: true, once: true });
                const list = document.getElementById('suggestions');
                const obs = new MutationObserver(() => {
                    if (!list.hidden && list.children.length) {
                        obs.disconnect();
                        requestAnimationFrame(() => resolve(performance.now() - start));
                    }
                });
                list.hidden = true;
                obs.observe(list, { childList: true, attributes: true });
            }));
            await box.press(w.slice(-1));
            t.suggest.push(await m);
            await box.press('Escape');
        }
        console.log(`run ${run}: front page ${weight.files} bytes in ${weight.n} files (+ ${weight.api} bytes of API answers; map outlines ${mapBytes} bytes); ` +
            `Enter to results median ${fmt(pct(t.page, 0.5))} ms, p90 ${fmt(pct(t.page, 0.9))} ms; /v1/search fetch median ${fmt(pct(t.api, 0.5))} ms; ` +
            `last key to suggestions median ${fmt(pct(t.suggest, 0.5))} ms`);
        for (const k of Object.keys(all)) all[k].push(...t[k]);
        await context.close();
    }
    console.log(`all runs (${all.page.length} queries): Enter to results median ${fmt(pct(all.page, 0.5))} ms, p90 ${fmt(pct(all.page, 0.9))} ms, max ${fmt(Math.max(...all.page))} ms; ` +
        `/v1/search fetch median ${fmt(pct(all.api, 0.5))} ms (page/fetch ${(pct(all.page, 0.5) / pct(all.api, 0.5)).toFixed(2)}); ` +
        `suggestions median ${fmt(pct(all.suggest, 0.5))} ms, p90 ${fmt(pct(all.suggest, 0.9))} ms`);
} finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise(r => server.on('exit', r));
    rmSync(data, { recursive: true, force: true });
}
