// api.js: the one module that talks to the server. Every call goes through api(), which
// sends JSON, adds the session's bearer token, and turns an error answer
// ({"error":{"code","message","fields"}}) into an ApiError the pages show in words.
// The session (token and user) is kept in sessionStorage: it ends with the tab.

const KEY = 'eccpd.session';

export class ApiError extends Error {
    constructor(status, code, message, fields) {
        super(message);
        this.status = status; // 0 when the server could not be reached
        this.code = code;
        this.fields = fields || null; // {field: reason} on 422
    }
}

export function session() {
    try {
        return JSON.parse(sessionStorage.getItem(KEY));
    } catch {
        return null;
    }
}

export function setSession(s) {
    if (s) sessionStorage.setItem(KEY, JSON.stringify({ token: s.token, user: s.user }));
    else sessionStorage.removeItem(KEY);
    window.dispatchEvent(new Event('eccpd:session'));
}

// Builds "path?a=1&b=2" from an object, leaving out empty values.
export function withQuery(path, query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query || {}))
        if (v !== undefined && v !== null && v !== '') q.set(k, Array.isArray(v) ? v.join(',') : v);
    const s = q.toString();
    return s ? `${path}?${s}` : path;
}

// Calls the API; resolves to the decoded body (null for 204), rejects with an ApiError.
export async function api(method, path, { body, query, signal } = {}) {
    const headers = { accept: 'application/json' };
    const s = session();
    if (s && s.token) headers.authorization = `Bearer ${s.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
        res = await fetch(withQuery(path, query), {
            method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
        });
    } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
    }
    if (res.status === 204 || res.status === 304) return null;
    let data = null;
    try {
        data = await res.json();
    } catch {
        data = null;
    }
    if (res.ok) return data;
    const e = (data && data.error) || {};
    if (res.status === 401 && s) setSession(null); // the session expired or was revoked
    throw new ApiError(res.status, e.code || 'http_' + res.status, describe(res.status, e, path, Boolean(s)), e.fields);
}

function describe(status, e, path, hadSession) {
    if (status === 401 && path !== '/v1/sessions')
        return hadSession ? 'Your session has ended. Sign in again to go on.' : 'Sign in to see this page.';
    if (status === 429) return 'Too many attempts. Wait a few minutes and try again.';
    if (status >= 500) return 'Something went wrong on the server. Try again in a moment.';
    if (e.message) return e.message.charAt(0).toUpperCase() + e.message.slice(1) + (/[.!?]$/.test(e.message) ? '' : '.');
    return `The server answered ${status}.`;
}

// A time from the API as a date a person reads. Accepts Unix seconds (a number) or an
// RFC 3339 string; returns '' when there is none.
export function toDate(t) {
    if (t === undefined || t === null || t === '') return null;
    const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
    return isNaN(d.getTime()) ? null : d;
}

export function formatDate(t) {
    const d = toDate(t);
    return d ? d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }) : '';
}

// "3 days", "5 hours", "2 minutes": how long something has waited.
export function formatAge(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const units = [[86400, 'day'], [3600, 'hour'], [60, 'minute']];
    for (const [n, name] of units)
        if (s >= n) {
            const k = Math.floor(s / n);
            return `${k} ${name}${k === 1 ? '' : 's'}`;
        }
    return 'less than a minute';
}

// Sends a file as a raw body (POST /v1/attachments: Content-Type and X-Filename), with
// the session's token; resolves to the stored attachment, rejects with an ApiError.
export async function apiUpload(path, file) {
    const headers = { accept: 'application/json', 'content-type': file.type || 'application/octet-stream',
        'x-filename': file.name.replace(/[^\x20-\x7e]/g, '_') };
    const s = session();
    if (s && s.token) headers.authorization = `Bearer ${s.token}`;
    let res;
    try {
        res = await fetch(path, { method: 'POST', headers, body: file });
    } catch {
        throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
    }
    const data = await res.json().catch(() => null);
    if (res.ok) return data;
    const e = (data && data.error) || {};
    const words = res.status === 413 ? 'The file is larger than 10 MB.'
        : res.status === 415 ? 'Only PDF, ODT, DOCX, PNG and JPEG files are accepted.' : describe(res.status, e, path, Boolean(s));
    throw new ApiError(res.status, e.code || 'http_' + res.status, words, e.fields);
}

// A GET answered in another media type (accept), as a Blob: an iCalendar agenda for a
// download link. Errors as for api().
export async function apiBlob(path, accept) {
    const headers = { accept };
    const s = session();
    if (s && s.token) headers.authorization = `Bearer ${s.token}`;
    let res;
    try {
        res = await fetch(path, { headers });
    } catch {
        throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
    }
    if (res.ok) return res.blob();
    const e = ((await res.json().catch(() => null)) || {}).error || {};
    throw new ApiError(res.status, e.code || 'http_' + res.status, describe(res.status, e, path, Boolean(s)), e.fields);
}
