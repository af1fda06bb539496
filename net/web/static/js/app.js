// app.js: the page router. Every page route of the server answers with the same HTML;
// this module reads location.pathname, loads the page's module and lets it draw <main>.
// Links within the site are followed without reloading (history.pushState), so the URL
// always holds the page's state and the back button works.
import { api, session, setSession } from './api.js';
import { h, setTitle } from './ui.js';

const ROUTES = [
    [/^\/$/, () => import('./search.js')],
    [/^\/profiles\/([^/]+)$/, () => import('./profile.js'), 'show'],
    [/^\/profiles\/([^/]+)\/draft$/, () => import('./profile.js'), 'draft'],
    [/^\/sign-in$/, () => import('./account.js'), 'signIn'],
    [/^\/register$/, () => import('./account.js'), 'register'],
    [/^\/account$/, () => import('./account.js'), 'account'],
    [/^\/account\/data$/, () => import('./content.js'), 'data'],
    [/^\/forgot-password$/, () => import('./account.js'), 'forgot'],
    [/^\/reset-password$/, () => import('./account.js'), 'reset'],
    [/^\/moderation$/, () => import('./moderation.js')],
    [/^\/xchange$/, () => import('./xchange.js')],
    [/^\/partner-searches$/, () => import('./partner.js'), 'list'],
    [/^\/partner-searches\/([^/]+)$/, () => import('./partner.js'), 'show'],
    [/^\/events$/, () => import('./events.js'), 'list'],
    [/^\/events\/([^/]+)$/, () => import('./events.js'), 'show'],
    [/^\/events\/([^/]+)\/edit$/, () => import('./events.js'), 'edit'],
    [/^\/events\/([^/]+)\/matchmaking$/, () => import('./events.js'), 'matchmaking'],
    [/^\/events\/([^/]+)\/agenda$/, () => import('./events.js'), 'agenda'],
    [/^\/xchange\/catalogue$/, () => import('./exchange.js'), 'catalogue'],
    [/^\/xchange\/messages$/, () => import('./exchange.js'), 'messages'],
    [/^\/xchange\/exchanges\/([^/]+)$/, () => import('./exchange.js'), 'exchange'],
];

const main = document.getElementById('main');
let renderSeq = 0;

function drawNav() {
    const nav = document.getElementById('site-nav');
    const s = session();
    const here = location.pathname;
    const link = (href, text) => h('li', {}, h('a', { href, 'aria-current': here === href ? 'page' : null }, text));
    const items = [link('/', 'Search'), link('/partner-searches', 'Partner search'), link('/events', 'Events')];
    if (s) {
        items.push(link('/xchange', 'ClusterXchange'));
        if (s.user && s.user.role === 'moderator') items.push(link('/moderation', 'Moderation'));
        items.push(link('/account', 'Your account'));
        items.push(h('li', {}, h('button', { type: 'button', class: 'link-button', onclick: signOut }, 'Sign out')));
    } else {
        items.push(link('/sign-in', 'Sign in'));
        items.push(link('/register', 'Create an account'));
    }
    nav.replaceChildren(h('ul', {}, items));
}

async function signOut() {
    try {
        await api('DELETE', '/v1/sessions/current');
    } catch {
        // signed out here either way: the token is forgotten
    }
    setSession(null);
    navigate('/sign-in?signed_out=1');
}

// Goes to a path within the site; replace keeps the history entry (for state changes
// such as a new page of results).
export function navigate(url, { replace = false } = {}) {
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    render();
}

async function render() {
    const seq = ++renderSeq;
    drawNav();
    const path = location.pathname;
    for (const [re, load, which] of ROUTES) {
        const m = path.match(re);
        if (!m) continue;
        const mod = await load();
        if (seq !== renderSeq) return;
        const page = which ? mod[which] : mod.render;
        await page(main, { params: m.slice(1).map(decodeURIComponent), query: new URLSearchParams(location.search), isCurrent: () => seq === renderSeq });
        return;
    }
    setTitle('Page not found');
    main.replaceChildren(h('h1', {}, 'Page not found'),
        h('p', {}, 'If you typed the web address, check it is correct.'),
        h('p', {}, h('a', { href: '/' }, 'Search the platform')));
}

// Focus moves to <main> after a navigation so that keyboard and screen reader users start
// at the new content, as they would after a full page load.
let firstRender = true;
async function renderAndFocus() {
    await render();
    if (!firstRender && !main.querySelector('[data-keep-focus]')) main.focus({ preventScroll: true });
    firstRender = false;
}

document.addEventListener('click', ev => {
    const a = ev.target.closest('a');
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || a.target || a.hasAttribute('download')) return;
    if (url.pathname.startsWith('/v1/') || url.pathname.startsWith('/static/') || url.pathname === '/openapi.json') return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    ev.preventDefault();
    history.pushState(null, '', url.pathname + url.search);
    renderAndFocus().then(() => window.scrollTo(0, 0));
});
window.addEventListener('popstate', () => renderAndFocus());
window.addEventListener('eccpd:session', drawNav);
renderAndFocus();
