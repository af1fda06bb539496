// partner.js: partner search. The list of requests (open ones first, /partner-searches?
// state=closed for the rest), a request's page (details, attachments, follow, expressions
// of interest, comments; the author profile's admins see the interests, edit and close),
// and the form for a new request (/partner-searches/new) from a profile one administers.
import { api, apiUpload, session, formatDate } from './api.js';
import { navigate } from './app.js';
import { h, countryName, label, ECOSYSTEMS, setTitle, loading, errorPanel, notice, pagination, countryOptions } from './ui.js';
import { fill, summaryList, checkboxes, apiForm, actionButton, dateInput, formatDateTime, field } from './forms.js';

export const KINDS = {
    consortium: 'Consortium for a project', expression_of_interest: 'Expression of interest',
    cooperation: 'Cooperation', other: 'Other',
};
const STATES = { open: 'Open', closed: 'Closed' };
const AUTHOR_TYPES = ['cluster_organisation', 'cluster_partnership', 'national_association', 'meta_cluster_network'];

export async function list(main, { query }) {
    setTitle('Partner search');
    const state = query.get('state') === 'closed' ? 'closed' : 'open';
    const page = Math.max(1, parseInt(query.get('page') || '1', 10) || 1);
    fill(main, h('h1', {}, 'Partner search'), loading());
    let res;
    try {
        res = await api('GET', '/v1/partner-searches', { query: { state, page, per_page: 20 } });
    } catch (e) {
        fill(main, h('h1', {}, 'Partner search'), errorPanel(e));
        return;
    }
    const tabs = h('ul', { class: 'view-switch', 'aria-label': 'Show requests that are' },
        Object.entries(STATES).map(([s, t]) => h('li', {}, h('a', { href: s === 'open' ? '/partner-searches' : '/partner-searches?state=closed', 'aria-current': s === state ? 'page' : null }, t))));
    fill(main, 
        h('h1', {}, 'Partner search'),
        h('p', {}, 'Clusters looking for partners for projects, consortia and cooperation. Search them by words on the ',
            h('a', { href: '/?kind=partner_search' }, 'search page'), '.'),
        session() ? h('p', {}, h('a', { href: '/partner-searches/new', class: 'button button--secondary' }, 'Publish a partner search')) : null,
        tabs,
        h('h2', { id: 'ps-count' }, `${res.total.toLocaleString('en-GB')} ${state} request${res.total === 1 ? '' : 's'}`),
        res.items.length ? h('ol', { class: 'results__list cards', start: (page - 1) * 20 + 1, 'aria-labelledby': 'ps-count' }, res.items.map(card)) : h('p', {}, `No ${state} partner search.`),
        pagination(page, res.total, 20, p => `/partner-searches?${state === 'closed' ? 'state=closed&' : ''}page=${p}`) || '');
}

function card(ps) {
    return h('li', { class: 'result' },
        h('h3', { class: 'result__title' }, h('a', { href: `/partner-searches/${encodeURIComponent(ps.id)}` }, ps.title)),
        h('p', { class: 'result__meta' }, [label(KINDS, ps.kind), `by ${ps.profile.name}`, countryName(ps.profile.country),
            ps.deadline ? `deadline ${formatDate(ps.deadline)}` : null].filter(Boolean).join(' · ')),
        h('p', { class: 'result__snippet' }, short(ps.description, 220)));
}

function short(s, n) {
    s = String(s || '');
    return s.length > n ? s.slice(0, n - 1).replace(/\s+\S*$/, '') + '…' : s;
}

async function adminProfiles() {
    const me = await api('GET', '/v1/me');
    return { me, profiles: me.profiles || [] };
}

export async function show(main, { params, query }) {
    const [id] = params;
    if (id === 'new') return create(main, { query });
    setTitle('Partner search');
    fill(main, loading());
    let ps;
    try {
        ps = await api('GET', `/v1/partner-searches/${encodeURIComponent(id)}`);
    } catch (e) {
        fill(main, h('h1', {}, 'Partner search'), errorPanel(e));
        return;
    }
    setTitle(ps.title);
    const s = session();
    let mine = false;
    if (s) {
        try {
            mine = (await adminProfiles()).profiles.some(p => p.id === ps.profile.id);
        } catch {
            mine = false;
        }
    }
    const status = h('div', { class: 'status-slot' });
    const again = msg => show(main, { params, query }).then(() => {
        if (msg) {
            const n = notice(msg);
            main.querySelector('.status-slot').replaceChildren(n);
            n.focus();
        }
    });
    const facts = summaryList([
        ['State', ps.state === 'closed' ? `Closed${ps.closed_at ? ` on ${formatDate(ps.closed_at)}` : ''}${ps.closed_reason ? ` (${ps.closed_reason})` : ''}` : 'Open'],
        ['Kind', label(KINDS, ps.kind)],
        ['Published by', h('a', { href: `/profiles/${encodeURIComponent(ps.profile.id)}` }, ps.profile.name), ` (${countryName(ps.profile.country)})`],
        ['Deadline', ps.deadline ? formatDate(ps.deadline) : null],
        ['Industrial ecosystems', (ps.ecosystems || []).map(e => label(ECOSYSTEMS, e)).join(', ')],
        ['Partners sought in', (ps.countries_sought || []).map(countryName).join(', ')],
        ['Followers', String(ps.followers_count ?? 0)],
        ['Expressions of interest', String(ps.interests_count ?? 0)],
        ['Published', formatDate(ps.created_at)],
    ]);
    const parts = [h('span', { class: 'caption' }, 'Partner search'), h('h1', {}, ps.title), status, facts,
        h('h2', {}, 'Description'), ...String(ps.description || '').split(/\n{2,}/).map(p => h('p', { class: 'prose' }, p))];
    if ((ps.attachments || []).length)
        parts.push(h('h2', {}, 'Attachments'), h('ul', { class: 'list' }, ps.attachments.map(a => h('li', {},
            h('a', { href: `/v1/attachments/${encodeURIComponent(a.id)}`, download: a.filename }, a.filename),
            ` (${a.content_type}, ${sizeText(a.size)})`))));
    if (s && ps.state === 'open') {
        parts.push(h('div', { class: 'button-group' }, ps.following
            ? actionButton('Stop following', async () => { await api('DELETE', `/v1/partner-searches/${encodeURIComponent(id)}/follow`); await again('You no longer follow this request.'); }, status, { secondary: true })
            : actionButton('Follow this request', async () => { await api('PUT', `/v1/partner-searches/${encodeURIComponent(id)}/follow`); await again('You follow this request: new comments and interests reach you by e-mail.'); }, status, { secondary: true })));
    }
    if (mine) parts.push(await adminPart(ps, status, again));
    if (s && ps.state === 'open' && !mine) {
        parts.push(h('h2', { id: 'interest-heading' }, 'Express interest'), apiForm({
            fields: [
                field({ name: 'organisation', label: 'Your organisation', autocomplete: 'organization' }),
                field({ name: 'message', label: 'Message to the author', type: 'textarea', hint: 'What your organisation would bring, and how to reach you.' }),
            ],
            submit: 'Send expression of interest',
            onSubmit: async v => {
                await api('POST', `/v1/partner-searches/${encodeURIComponent(id)}/interests`, { body: v });
                await again('Your interest was sent to the author.');
            },
        }));
    } else if (!s && ps.state === 'open') {
        parts.push(h('p', {}, h('a', { href: `/sign-in?next=${encodeURIComponent(location.pathname)}` }, 'Sign in'), ' to follow this request, express interest or comment.'));
    }
    parts.push(await commentsPart(id, ps, s, again));
    fill(main, ...parts);
}

function sizeText(n) {
    if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
    if (n >= 1024) return `${Math.round(n / 1024)} KB`;
    return `${n} bytes`;
}

async function adminPart(ps, status, again) {
    const id = encodeURIComponent(ps.id);
    const box = h('section', { class: 'admin-panel', 'aria-labelledby': 'admin-heading' }, h('h2', { id: 'admin-heading' }, 'For the author\'s admins'));
    let interests = null;
    try {
        interests = await api('GET', `/v1/partner-searches/${id}/interests`, { query: { per_page: 100 } });
    } catch (e) {
        box.append(errorPanel(e));
    }
    if (interests) {
        box.append(h('h3', {}, `Expressions of interest (${interests.total})`), interests.items.length
            ? h('ul', { class: 'comments' }, interests.items.map(i => h('li', { class: 'comment' },
                h('p', { class: 'comment__meta' }, h('strong', {}, i.organisation), ` – ${i.user.username}, ${formatDate(i.created_at)}`),
                h('p', { class: 'prose' }, i.message))))
            : h('p', {}, 'Nobody has expressed interest yet.'));
    }
    if (ps.state === 'open') {
        box.append(h('h3', {}, 'Edit the request'), apiForm({
            fields: [
                field({ name: 'title', label: 'Title', value: ps.title }),
                field({ name: 'description', label: 'Description', type: 'textarea', rows: 8, value: ps.description }),
                field({ name: 'deadline', label: 'Deadline', type: 'date', value: dateInput(ps.deadline) }),
            ],
            submit: 'Save changes',
            onSubmit: async v => {
                await api('PATCH', `/v1/partner-searches/${id}`, { body: { title: v.title, description: v.description, deadline: v.deadline || null } });
                await again('The request was saved.');
            },
        }), h('h3', {}, 'Close the request'), h('p', {}, 'A closed request takes no more interests; it stays readable.'),
        actionButton('Close this request', async () => { await api('POST', `/v1/partner-searches/${id}/close`, { body: {} }); await again('The request is closed.'); }, status, { secondary: true }));
    }
    return box;
}

async function commentsPart(id, ps, s, again) {
    const sec = h('section', { 'aria-labelledby': 'comments-heading' });
    let c;
    try {
        c = await api('GET', `/v1/partner-searches/${encodeURIComponent(id)}/comments`, { query: { per_page: 100 } });
    } catch (e) {
        sec.append(h('h2', { id: 'comments-heading' }, 'Comments'), errorPanel(e));
        return sec;
    }
    sec.append(h('h2', { id: 'comments-heading' }, `Comments (${c.total})`), c.items.length
        ? h('ul', { class: 'comments' }, c.items.map(x => h('li', { class: 'comment' },
            h('p', { class: 'comment__meta' }, h('strong', {}, x.author.username), `, ${formatDateTime(x.created_at)}`),
            h('p', { class: 'prose' }, x.text))))
        : h('p', {}, 'No comments yet.'));
    if (s && ps.state === 'open')
        sec.append(apiForm({
            fields: [field({ name: 'text', label: 'Your comment', type: 'textarea', rows: 3 })],
            submit: 'Post comment',
            onSubmit: async v => {
                await api('POST', `/v1/partner-searches/${encodeURIComponent(id)}/comments`, { body: v });
                await again('Your comment was posted.');
            },
        }));
    return sec;
}

async function create(main, { query }) {
    setTitle('Publish a partner search');
    if (!session()) {
        navigate('/sign-in?next=/partner-searches/new', { replace: true });
        return;
    }
    fill(main, loading());
    let profiles;
    try {
        profiles = (await adminProfiles()).profiles;
    } catch (e) {
        fill(main, h('h1', {}, 'Publish a partner search'), errorPanel(e));
        return;
    }
    const head = [h('h1', {}, 'Publish a partner search'),
        h('p', {}, `Partner searches are published by clusters: a published profile of a cluster organisation, cluster partnership, national association or meta-cluster network that you administer.`)];
    if (!profiles.length) {
        fill(main, ...head, h('p', {}, 'You administer no profile yet, so you cannot publish a partner search.'));
        return;
    }
    const chosen = query.get('profile');
    const sorted = [...profiles].sort((a, b) => (AUTHOR_TYPES.includes(b.type) && b.state === 'published') - (AUTHOR_TYPES.includes(a.type) && a.state === 'published'));
    const files = h('input', { type: 'file', id: 'ps-files', class: 'input', multiple: true, accept: '.pdf,.odt,.docx,.png,.jpg,.jpeg', 'aria-describedby': 'ps-files-hint' });
    const filesGroup = h('div', { class: 'form-group', 'data-field': 'attachments' },
        h('label', { class: 'label', for: 'ps-files' }, 'Attachments (optional)'),
        h('div', { class: 'hint', id: 'ps-files-hint' }, 'PDF, ODT, DOCX, PNG or JPEG, at most 10 MB each.'),
        h('p', { class: 'error-message', id: 'ps-files-error', hidden: true }), files);
    const wording = {};
    const form = apiForm({
        wording,
        fields: [
            field({ name: 'profile_id', label: 'Published by', type: 'select', value: chosen || sorted[0].id, options: sorted.map(p => [p.id, p.name]) }),
            field({ name: 'title', label: 'Title' }),
            field({ name: 'kind', label: 'Kind of request', type: 'select', value: 'consortium', options: Object.entries(KINDS) }),
            field({ name: 'description', label: 'Description', type: 'textarea', rows: 8, hint: 'What you are looking for, for which project, and what partners should bring.' }),
            checkboxes('ecosystems', 'Industrial ecosystems', ECOSYSTEMS),
            field({ name: 'countries_sought', label: 'Countries where partners are sought (optional)', hint: 'Hold Ctrl (Cmd on a Mac) to choose several; none means anywhere.', type: 'select', attrs: { multiple: true, size: 6 }, options: countryOptions() }),
            field({ name: 'deadline', label: 'Deadline', type: 'date' }),
            filesGroup,
        ],
        submit: 'Publish partner search',
        onSubmit: async (v, f) => {
            const attachments = [];
            for (const file of files.files) {
                const a = await apiUpload('/v1/attachments', file).catch(e => {
                    wording.attachments = `${file.name}: ${e.message}`;
                    e.fields = { attachments: e.message };
                    throw e;
                });
                attachments.push(a.id);
            }
            const countries = [...f.querySelector('select[name=countries_sought]').selectedOptions].map(o => o.value);
            const body = { profile_id: v.profile_id, title: v.title, kind: v.kind, description: v.description, ecosystems: v.ecosystems, countries_sought: countries, attachments };
            if (v.deadline) body.deadline = v.deadline;
            const ps = await api('POST', '/v1/partner-searches', { body });
            navigate(`/partner-searches/${encodeURIComponent(ps.id)}`);
        },
    });
    fill(main, ...head, form);
}

