// search.js: the front page. A search box with suggestions as you type (an ARIA 1.2
// combobox: arrows move, Enter picks, Escape closes), results with marked snippets, facet
// filters (several values per facet; each facet's counts ignore its own selection, so the
// other values stay in view), sort, pages, the result count and "did you mean". Everything
// the page shows follows from the URL (/?q=hydrogen&country=DE,FR&page=2), so a search can
// be bookmarked, shared and gone back to.
import { api, withQuery } from './api.js';
import { navigate } from './app.js';
import { h, TYPES, ECOSYSTEMS, LABELS, countryName, label, snippet, setTitle, announce, pagination, errorPanel } from './ui.js';

const KINDS = { profile: 'Profiles', partner_search: 'Partner searches', event: 'Events', xchange: 'ClusterXchange registrations' };
const KIND_PAGE = { profile: '/profiles/', partner_search: '/partner-searches/', event: '/events/' };
// the type facet also counts partner searches' and events' kinds
const KIND_TYPES = {
    consortium: 'Consortium (partner search)', expression_of_interest: 'Expression of interest (partner search)',
    cooperation: 'Cooperation (partner search)', matchmaking: 'Matchmaking event', webinar: 'Webinar', conference: 'Conference',
    workshop: 'Workshop', other: 'Other',
};
const KIND_ONE = { partner_search: 'Partner search', event: 'Event', xchange: 'ClusterXchange' };
const FACETS = [
    ['kind', 'Show', v => label(KINDS, v)],
    ['type', 'Type of organisation', v => TYPES[v] || KIND_TYPES[v] || v],
    ['country', 'Country', countryName],
    ['ecosystem', 'Industrial ecosystem', v => label(ECOSYSTEMS, v)],
    ['label', 'Cluster excellence label', v => label(LABELS, v)],
];
const SORTS = [['relevance', 'Relevance'], ['name', 'Name (A to Z)'], ['-updated_at', 'Recently updated']];
const PER_PAGE = 20;
const FACET_SHOWN = 8;

let ui = null; // the mounted page, kept while only the query string changes
let controller = null;

function stateOf(query) {
    const list = k => (query.get(k) || '').split(',').filter(Boolean);
    const page = Math.max(1, parseInt(query.get('page') || '1', 10) || 1);
    const sort = SORTS.some(([v]) => v === query.get('sort')) ? query.get('sort') : 'relevance';
    return {
        q: query.get('q') || '', page, sort, view: query.get('view') === 'map' ? 'map' : 'list',
        filters: Object.fromEntries(FACETS.map(([k]) => [k, list(k)])),
    };
}

function urlOf(st, changes = {}) {
    const s = { ...st, ...changes, filters: { ...st.filters, ...(changes.filters || {}) } };
    const q = { q: s.q, ...s.filters, sort: s.sort === 'relevance' ? '' : s.sort, page: s.page > 1 ? s.page : '', view: s.view === 'map' ? 'map' : '' };
    return withQuery('/', q);
}

export async function render(main, { query }) {
    const st = stateOf(query);
    if (!ui || !main.contains(ui.root)) ui = mount(main);
    ui.state = st;
    if (document.activeElement !== ui.input) ui.input.value = st.q;
    setTitle(st.q ? `Search: ${st.q}` : 'Search');
    await update(st);
}

function mount(main) {
    const input = h('input', {
        id: 'q', name: 'q', type: 'search', class: 'input search-box__input', autocomplete: 'off', spellcheck: 'false',
        role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'suggestions',
        'aria-describedby': 'q-hint', enterkeyhint: 'search',
    });
    const list = h('ul', { id: 'suggestions', class: 'suggestions', role: 'listbox', 'aria-label': 'Suggestions', hidden: true });
    const form = h('form', { class: 'search-box', role: 'search', 'data-keep-focus': '' },
        h('label', { for: 'q', class: 'label label--large' }, 'Search clusters, organisations and partners'),
        h('div', { class: 'hint', id: 'q-hint' }, 'For example a name, a place or a subject such as “hydrogen”. Suggestions appear as you type: choose one with the up and down arrow keys and Enter.'),
        h('div', { class: 'search-box__row' },
            h('div', { class: 'search-box__combo' }, input, list),
            h('button', { type: 'submit', class: 'button' }, 'Search')));
    const filters = h('form', { class: 'filters', 'aria-label': 'Filters', onsubmit: ev => ev.preventDefault() });
    const results = h('section', { class: 'results', 'aria-labelledby': 'results-heading' });
    const root = h('div', { class: 'search-page' },
        h('h1', { class: 'visually-hidden' }, 'Search the platform'),
        form,
        h('div', { class: 'search-layout' },
            h('details', { class: 'filters-panel', open: window.matchMedia('(min-width: 48em)').matches },
                h('summary', {}, 'Filter the results'), filters),
            results));
    main.replaceChildren(root);
    const u = { root, input, list, form, filters, results, state: null, active: -1, items: [] };
    setupCombobox(u);
    form.addEventListener('submit', ev => {
        ev.preventDefault();
        closeList(u);
        navigate(urlOf(u.state, { q: input.value.trim(), page: 1 }));
    });
    filters.addEventListener('change', ev => {
        const box = ev.target;
        if (box.name === 'sort') return;
        const cur = u.state.filters[box.name] || [];
        const next = box.checked ? [...cur, box.value] : cur.filter(v => v !== box.value);
        navigate(urlOf(u.state, { filters: { [box.name]: next }, page: 1 }));
    });
    return u;
}

/* ---- suggestions ---- */

function setupCombobox(u) {
    let timer = null, seq = 0;
    const { input, list } = u;
    input.addEventListener('input', () => {
        clearTimeout(timer);
        const text = input.value.trim();
        if (!text) {
            closeList(u);
            return;
        }
        timer = setTimeout(async () => {
            const mine = ++seq;
            try {
                const items = await api('GET', '/v1/suggest', { query: { q: text, limit: 8 } });
                if (mine !== seq || input.value.trim() !== text) return;
                showList(u, items || []);
            } catch {
                if (mine === seq) closeList(u);
            }
        }, 60);
    });
    input.addEventListener('keydown', ev => {
        const open = !list.hidden;
        if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
            if (!open) {
                if (u.items.length) showList(u, u.items);
                return;
            }
            ev.preventDefault();
            const n = u.items.length;
            setActive(u, ev.key === 'ArrowDown' ? (u.active + 1) % n : (u.active <= 0 ? n - 1 : u.active - 1));
        } else if (ev.key === 'Enter' && open && u.active >= 0) {
            ev.preventDefault();
            choose(u, u.items[u.active]);
        } else if (ev.key === 'Escape') {
            if (open) {
                ev.preventDefault();
                closeList(u);
            } else if (input.value) {
                ev.preventDefault();
                input.value = '';
            }
        }
    });
    input.addEventListener('blur', () => setTimeout(() => closeList(u), 150));
}

function showList(u, items) {
    // an answer that arrives while an option is chosen keeps that option chosen
    const was = !u.list.hidden && u.active >= 0 ? u.items[u.active] : null;
    const keep = was ? items.findIndex(it => it.text === was.text && it.id === was.id) : -1;
    u.items = items;
    u.active = -1;
    u.input.removeAttribute('aria-activedescendant');
    if (!items.length) {
        closeList(u);
        return;
    }
    u.list.replaceChildren(...items.map((it, i) => h('li', {
        id: `suggestion-${i}`, role: 'option', 'aria-selected': 'false', class: 'suggestions__item',
        onmousedown: ev => ev.preventDefault(), // keep the focus in the box
        onclick: () => choose(u, it),
    }, it.text, it.kind === 'profile' ? h('span', { class: 'suggestions__kind' }, ' – profile') : null)));
    u.list.hidden = false;
    u.input.setAttribute('aria-expanded', 'true');
    if (keep >= 0) setActive(u, keep);
}

function closeList(u) {
    u.list.hidden = true;
    u.active = -1;
    u.input.setAttribute('aria-expanded', 'false');
    u.input.removeAttribute('aria-activedescendant');
}

function setActive(u, i) {
    u.active = i;
    [...u.list.children].forEach((li, k) => li.setAttribute('aria-selected', k === i ? 'true' : 'false'));
    u.input.setAttribute('aria-activedescendant', `suggestion-${i}`);
    u.list.children[i].scrollIntoView({ block: 'nearest' });
}

function choose(u, item) {
    closeList(u);
    if (item.kind === 'profile' && item.id) {
        navigate(`/profiles/${encodeURIComponent(item.id)}`);
        return;
    }
    u.input.value = item.text;
    navigate(urlOf(u.state, { q: item.text, page: 1 }));
}

/* ---- results ---- */

function searchQuery(st, omit) {
    const q = { q: st.q };
    for (const [k] of FACETS) if (k !== omit && st.filters[k].length) q[k] = st.filters[k];
    return q;
}

async function update(st) {
    if (controller) controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    ui.results.setAttribute('aria-busy', 'true');
    const main = api('GET', '/v1/search', {
        signal, query: { ...searchQuery(st), sort: st.sort === 'relevance' ? '' : st.sort, page: st.page, per_page: PER_PAGE, facets: FACETS.map(f => f[0]).join(',') },
    });
    // Each facet with a selection is counted again without it, so its other values show.
    const own = FACETS.filter(([k]) => st.filters[k].length).map(([k]) =>
        api('GET', '/v1/search', { signal, query: { ...searchQuery(st, k), per_page: 1, facets: k } }).then(r => [k, r.facets[k]]));
    let res, owns;
    try {
        [res, owns] = await Promise.all([main, Promise.all(own)]);
    } catch (e) {
        if (e.name === 'AbortError') return;
        ui.results.replaceChildren(h('h2', { id: 'results-heading' }, 'Results'), errorPanel(e));
        ui.results.removeAttribute('aria-busy');
        return;
    }
    const facets = { ...(res.facets || {}), ...Object.fromEntries(owns) };
    drawFilters(st, facets);
    if (st.view === 'map') await drawMapView(st, res);
    else drawResults(st, res);
    ui.results.removeAttribute('aria-busy');
}

function drawFilters(st, facets) {
    const focused = document.activeElement && ui.filters.contains(document.activeElement) ? document.activeElement : null;
    const keep = focused ? [focused.name, focused.value, focused.dataset.more] : null;
    const groups = [];
    const any = FACETS.some(([k]) => st.filters[k].length);
    if (any) groups.push(h('p', {}, h('a', { href: urlOf(st, { filters: Object.fromEntries(FACETS.map(([k]) => [k, []])), page: 1 }) }, 'Clear all filters')));
    for (const [key, title, name] of FACETS) {
        const counts = new Map((facets[key] || []).map(f => [f.value, f.count]));
        for (const v of st.filters[key]) if (!counts.has(v)) counts.set(v, 0);
        if (!counts.size) continue;
        const entries = [...counts.entries()];
        const expanded = ui.expanded && ui.expanded.has(key);
        const shown = expanded ? entries : entries.filter(([v], i) => i < FACET_SHOWN || st.filters[key].includes(v));
        const boxes = shown.map(([v, c]) => {
            const id = `filter-${key}-${v}`;
            return h('div', { class: 'checkbox' },
                h('input', { type: 'checkbox', id, name: key, value: v, checked: st.filters[key].includes(v) }),
                h('label', { for: id }, name(v), h('span', { class: 'count' }, ` (${c.toLocaleString('en-GB')})`)));
        });
        const more = entries.length > shown.length || expanded
            ? h('button', {
                type: 'button', class: 'link-button', 'data-more': key, 'aria-expanded': expanded ? 'true' : 'false',
                onclick: () => {
                    ui.expanded = ui.expanded || new Set();
                    if (expanded) ui.expanded.delete(key); else ui.expanded.add(key);
                    drawFilters(st, facets);
                },
            }, expanded ? `Show fewer` : `Show all ${entries.length}`)
            : null;
        groups.push(h('fieldset', { class: 'fieldset' }, h('legend', {}, title), boxes, more));
    }
    ui.filters.replaceChildren(...groups);
    if (keep) {
        const again = keep[2]
            ? ui.filters.querySelector(`[data-more="${CSS.escape(keep[2])}"]`)
            : ui.filters.querySelector(`input[name="${CSS.escape(keep[0])}"][value="${CSS.escape(keep[1])}"]`);
        if (again) again.focus();
    }
}

function resultsHeader(st, res) {
    const n = res.total.toLocaleString('en-GB');
    const words = res.total === 1 ? 'result' : 'results';
    const heading = h('h2', { id: 'results-heading', class: 'results__count', 'data-query': st.q },
        st.q ? `${n} ${words} for “${st.q}”` : `${n} ${words}`);
    const sort = h('div', { class: 'results__sort' },
        h('label', { for: 'sort', class: 'label label--inline' }, 'Sort by'),
        h('select', {
            id: 'sort', name: 'sort', class: 'input input--inline',
            onchange: ev => navigate(urlOf(st, { sort: ev.target.value, page: 1 })),
        }, SORTS.map(([v, t]) => h('option', { value: v, selected: v === st.sort }, t))));
    const views = h('ul', { class: 'view-switch', 'aria-label': 'Show the results as' },
        h('li', {}, h('a', { href: urlOf(st, { view: 'list' }), 'aria-current': st.view === 'list' ? 'page' : null }, 'List')),
        h('li', {}, h('a', { href: urlOf(st, { view: 'map', page: 1 }), 'aria-current': st.view === 'map' ? 'page' : null }, 'Map')));
    const out = [heading];
    if (res.suggestion && res.suggestion !== st.q)
        out.push(h('p', { class: 'did-you-mean' }, 'Did you mean ', h('a', { href: urlOf(st, { q: res.suggestion, page: 1 }) }, res.suggestion), '?'));
    out.push(h('div', { class: 'results__tools' }, views, st.view === 'list' ? sort : null));
    announce(heading.textContent);
    return out;
}

function drawResults(st, res) {
    const hits = res.hits || [];
    const list = hits.length
        ? h('ol', { class: 'results__list', start: (st.page - 1) * PER_PAGE + 1 }, hits.map(hit => h('li', { class: 'result' },
            h('h3', { class: 'result__title' }, h('a', { href: hit.kind === 'xchange' ? `/xchange/catalogue?q=${encodeURIComponent(hit.name)}` : `${KIND_PAGE[hit.kind] || '/profiles/'}${encodeURIComponent(hit.id)}` }, hit.name)),
            h('p', { class: 'result__meta' }, [KIND_ONE[hit.kind], hit.kind && hit.kind !== 'profile' ? null : label(TYPES, hit.type), [hit.city, countryName(hit.country)].filter(Boolean).join(', ')].filter(Boolean).join(' · ')),
            hit.snippet ? h('p', { class: 'result__snippet' }, snippet(hit.snippet)) : null)))
        : h('div', { class: 'results__none' },
            h('p', {}, 'No profiles match your search.'),
            h('p', {}, 'Try other or fewer words, check the spelling, or remove some filters.'));
    ui.results.replaceChildren(...resultsHeader(st, res), list,
        pagination(st.page, res.total, PER_PAGE, p => urlOf(st, { page: p })) || '');
}

async function drawMapView(st, res) {
    const holder = h('div', { class: 'map-holder' });
    ui.results.replaceChildren(...resultsHeader(st, res),
        h('p', { class: 'hint' }, st.q
            ? 'The map shows every published profile that matches the filters; the search words do not narrow the map.'
            : 'The map shows every published profile that matches the filters.'),
        holder);
    try {
        const { drawMap } = await import('./map.js');
        await drawMap(holder, searchQuery({ ...st, q: '' }));
    } catch (e) {
        holder.replaceChildren(errorPanel(e.status !== undefined ? e : { message: 'The map could not be drawn. Try again, or use the list.' }));
    }
}
