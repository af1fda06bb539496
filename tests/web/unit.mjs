// unit.mjs: the front end's pure helpers, in node (no browser): times as the API sends
// them today (Unix seconds) and after issue 22 (RFC 3339 strings) read the same, ages in
// words, query strings. Run by ctest as test_web_unit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// Loaded as a data: URL, which node always reads as a module (net/web/ has no package.json
// saying its .js files are modules, and node 18 does not guess).
const source = readFileSync(new URL('../../net/web/static/js/api.js', import.meta.url), 'utf8');
const { toDate, formatDate, formatAge, withQuery } = await import(`data:text/javascript,${encodeURIComponent(source)}`);

// 2026-12-05T15:50:37Z both ways, and the date a person reads
const secs = 1796485837;
assert.equal(toDate(secs).toISOString(), '2026-12-05T15:50:37.000Z');
assert.equal(toDate('2026-12-05T15:50:37Z').getTime(), toDate(secs).getTime());
assert.equal(toDate('2026-12-05T16:50:37+01:00').getTime(), toDate(secs).getTime());
assert.equal(formatDate(secs), '5 December 2026');
assert.equal(formatDate('2026-12-05T15:50:37Z'), '5 December 2026');
// a date near midnight is the UTC date, whatever the machine's zone
assert.equal(formatDate('2026-12-31T23:59:59Z'), '31 December 2026');
// plain dates (availability windows)
assert.equal(formatDate('2027-03-01'), '1 March 2027');
// nothing, or nonsense, reads as nothing rather than "Invalid Date"
for (const none of [null, undefined, '', 'not a time'])
    assert.equal(formatDate(none), '');

assert.equal(formatAge(0), 'less than a minute');
assert.equal(formatAge(59), 'less than a minute');
assert.equal(formatAge(60), '1 minute');
assert.equal(formatAge(7200), '2 hours');
assert.equal(formatAge(86400 * 3 + 5), '3 days');

assert.equal(withQuery('/v1/search', { q: 'hydrogen', country: ['DE', 'FR'], page: '', sort: null }),
    '/v1/search?q=hydrogen&country=DE%2CFR');
assert.equal(withQuery('/', {}), '/');
console.log('all checks passed');
