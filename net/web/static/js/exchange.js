// exchange.js: ClusterXchange beyond the best matches: the catalogue of accepted
// registrations (/xchange/catalogue?q=&role=&country=&ecosystem=&objective=&language=&
// month=), conversations with their unread counts and messages (/xchange/messages?with=),
// and an exchange's page (/xchange/exchanges/ID) with its state, history, lump sum, the
// step expected next and the forms for the steps the signed-in user may take.
import { api, apiUpload, session, formatDate } from './api.js';
import { navigate } from './app.js';
import { h, countryName, label, ECOSYSTEMS, OBJECTIVES, languageName, setTitle, loading, errorPanel, notice, pagination } from './ui.js';
import { fill, summaryList, checkboxes, apiForm, actionButton, formatDateTime, field } from './forms.js';

const enc = encodeURIComponent;
const ROLES = { host: 'Host', visitor: 'Visitor' };

async function me() {
    return api('GET', '/v1/me');
}
function needSession() {
    if (session()) return false;
    navigate(`/sign-in?next=${enc(location.pathname + location.search)}`, { replace: true });
    return true;
}
function subnav(here) {
    const items = [['/xchange', 'Best matches'], ['/xchange/catalogue', 'Catalogue'], ['/xchange/messages', 'Messages and exchanges']];
    return h('ul', { class: 'view-switch', 'aria-label': 'ClusterXchange' }, items.map(([href, t]) => h('li', {}, h('a', { href, 'aria-current': here === href ? 'page' : null }, t))));
}

// ---- the catalogue ----
const FACETS = { role: ['Role', v => label(ROLES, v)], country: ['Country', countryName], ecosystem: ['Industrial ecosystem', v => label(ECOSYSTEMS, v)] };

export async function catalogue(main, { query }) {
    setTitle('ClusterXchange catalogue');
    if (needSession()) return;
    const page = Math.max(1, parseInt(query.get('page') || '1', 10) || 1);
    const f = {};
    for (const k of ['q', 'role', 'country', 'ecosystem', 'objective', 'language', 'month']) f[k] = query.get(k) || '';
    fill(main, h('h1', {}, 'ClusterXchange catalogue'), subnav('/xchange/catalogue'), loading());
    let res, mine = [];
    try {
        const [r, m] = await Promise.all([api('GET', '/v1/xchange/catalogue', { query: { ...f, page, per_page: 20, facets: 'role,country,ecosystem' } }), me()]);
        res = r;
        mine = (m.xchange_registrations || []).map(x => x.id);
    } catch (e) {
        fill(main, h('h1', {}, 'ClusterXchange catalogue'), subnav('/xchange/catalogue'), errorPanel(e));
        return;
    }
    const go = changes => {
        const q = new URLSearchParams(location.search);
        for (const [k, v] of Object.entries(changes)) v ? q.set(k, v) : q.delete(k);
        q.delete('page');
        navigate(`/xchange/catalogue${q.toString() ? '?' + q : ''}`);
    };
    const form = h('form', { class: 'filters-row', role: 'search', 'aria-label': 'Search the catalogue' },
        field({ name: 'q', label: 'Words', type: 'search', value: f.q, hint: 'In what they offer and look for.' }),
        field({ name: 'objective', label: 'Objective', type: 'select', value: f.objective, options: [['', 'Any objective'], ...Object.entries(OBJECTIVES)] }),
        field({ name: 'language', label: 'Language (ISO code, for example de)', value: f.language, attrs: { maxlength: 2, size: 4 } }),
        field({ name: 'month', label: 'Available in (month)', type: 'month', value: f.month }),
        h('div', { class: 'form-group' }, h('button', { type: 'submit', class: 'button' }, 'Search')));
    form.addEventListener('submit', ev => {
        ev.preventDefault();
        go({ q: form.elements.q.value.trim(), objective: form.elements.objective.value, language: form.elements.language.value.trim().toLowerCase(), month: form.elements.month.value });
    });
    const facets = h('div', { class: 'filters' }, h('h2', { class: 'visually-hidden' }, 'Filters'), Object.entries(FACETS).map(([k, [legend, text]]) => {
        const vals = (res.facets && res.facets[k]) || [];
        if (!vals.length) return null;
        const chosen = f[k] ? f[k].split(',') : [];
        return h('fieldset', { class: 'fieldset' }, h('legend', { class: 'label' }, legend), vals.map((v, i) => {
            const idv = `facet-${k}-${i}`;
            const input = h('input', { type: 'checkbox', id: idv, name: k, value: v.value, checked: chosen.includes(v.value) });
            input.addEventListener('change', () => {
                const next = input.checked ? [...chosen, v.value] : chosen.filter(x => x !== v.value);
                go({ [k]: next.join(',') });
            });
            return h('div', { class: 'checkbox' }, input, h('label', { for: idv }, `${text(v.value)} (${v.count.toLocaleString('en-GB')})`));
        }));
    }));
    const hits = h('div', {},
        h('h2', { id: 'cat-count' }, `${res.total.toLocaleString('en-GB')} registration${res.total === 1 ? '' : 's'}`),
        res.hits.length ? h('ol', { class: 'results__list', start: (page - 1) * 20 + 1, 'aria-labelledby': 'cat-count' }, res.hits.map(x => h('li', { class: 'result' },
            h('h3', { class: 'result__title' }, h('a', { href: `/profiles/${enc(x.profile.id)}` }, x.profile.name)),
            h('p', { class: 'result__meta' }, [(x.roles || []).map(r => label(ROLES, r)).join(' and '), [x.profile.city, countryName(x.profile.country)].filter(Boolean).join(', '),
                (x.languages || []).map(languageName).join(', ')].filter(Boolean).join(' · ')),
            x.offer ? h('p', {}, h('strong', {}, 'Offers: '), x.offer) : null,
            x.demand ? h('p', {}, h('strong', {}, 'Looks for: '), x.demand) : null,
            (x.availability || []).length ? h('p', { class: 'result__meta' }, 'Available ', x.availability.map(a => `${formatDate(a.from)} to ${formatDate(a.to)}`).join('; ')) : null,
            mine.includes(x.registration_id) ? h('p', { class: 'result__meta' }, 'Your registration')
                : h('p', {}, h('a', { href: `/xchange/messages?to=${enc(x.registration_id)}` }, 'Write to them', h('span', { class: 'visually-hidden' }, ` (${x.profile.name})`))))))
            : h('p', {}, 'No registration matches. Remove a filter to see more.'),
        pagination(page, res.total, 20, p => { const q = new URLSearchParams(location.search); q.set('page', p); return `/xchange/catalogue?${q}`; }) || '');
    fill(main, h('h1', {}, 'ClusterXchange catalogue'), subnav('/xchange/catalogue'),
        h('p', {}, 'Organisations accepted for ClusterXchange, the exchange scheme for cluster managers.'), form,
        h('div', { class: 'search-layout' }, facets, hits));
}

// ---- conversations and messages ----
export async function messages(main, { query }) {
    setTitle('ClusterXchange messages');
    if (needSession()) return;
    fill(main, h('h1', {}, 'Messages and exchanges'), subnav('/xchange/messages'), loading());
    let m;
    try {
        m = await me();
    } catch (e) {
        fill(main, h('h1', {}, 'Messages and exchanges'), errorPanel(e));
        return;
    }
    let regs = (m.xchange_registrations || []).filter(r => r.state === 'accepted');
    const head = [h('h1', {}, 'Messages and exchanges'), subnav('/xchange/messages')];
    const asked = query.get('registration');
    let reader = false; // a moderator reading another organisation's conversations
    if (m.role === 'moderator' && asked && !regs.some(r => r.id === asked)) {
        try {
            const r = await api('GET', `/v1/xchange/registrations/${enc(asked)}`);
            const p = await api('GET', `/v1/profiles/${enc(r.profile_id)}`).catch(() => null);
            m.profiles = [...(m.profiles || []), { id: r.profile_id, name: p && p.name ? p.name : 'This organisation' }];
            regs = [r];
            reader = true;
        } catch (e) {
            fill(main, head, errorPanel(e));
            return;
        }
    }
    if (!regs.length) {
        fill(main, ...head, h('p', {}, 'Messages and exchanges are for organisations accepted for ClusterXchange; none you administer is.'));
        return;
    }
    const reg = regs.find(r => r.id === query.get('registration')) || regs[0];
    const nameOf = pid => (m.profiles || []).find(p => p.id === pid)?.name || 'Your organisation';
    const other = query.get('with') || query.get('to') || '';
    const rid = enc(reg.id);
    let convs = [], exchanges = [];
    try {
        [convs, exchanges] = await Promise.all([api('GET', `/v1/xchange/registrations/${rid}/conversations`), api('GET', '/v1/xchange/exchanges', { query: { registration: reg.id } })]);
    } catch (e) {
        fill(main, ...head, errorPanel(e));
        return;
    }
    const link = w => `/xchange/messages?${regs.length > 1 || reader ? `registration=${rid}&` : ''}with=${enc(w)}`;
    const parts = [...head,
        !reader && regs.length > 1 ? h('nav', { 'aria-label': 'Your registrations' }, h('ul', { class: 'list' }, regs.map(r => h('li', {},
            h('a', { href: `/xchange/messages?registration=${enc(r.id)}`, 'aria-current': r.id === reg.id ? 'page' : null }, nameOf(r.profile_id)))))) : null,
        h('p', {}, reader ? `The conversations of ${nameOf(reg.profile_id)}, as the platform team reads them.` : `As ${nameOf(reg.profile_id)}.`)];
    const unread = convs.reduce((n, c) => n + (c.unread || 0), 0);
    parts.push(h('h2', { id: 'conv-heading' }, `Conversations${unread ? ` (${unread} unread)` : ''}`),
        convs.length ? h('ul', { class: 'conversations', 'aria-labelledby': 'conv-heading' }, convs.map(c => h('li', { class: c.unread ? 'conversation conversation--unread' : 'conversation' },
            h('a', { href: link(c.with), 'aria-current': c.with === other ? 'page' : null }, c.profile.name),
            ` (${countryName(c.profile.country)})`, c.unread ? h('span', { class: 'badge' }, `${c.unread} unread`) : null,
            c.last_message ? h('p', { class: 'conversation__last' }, short(c.last_message.text, 90), ' – ', formatDateTime(c.last_message.created_at)) : null)))
            : h('p', {}, 'No conversation yet. Write to an organisation from the ', h('a', { href: '/xchange/catalogue' }, 'catalogue'), '.'));
    if (other) parts.push(await conversation(reg, other, convs, exchanges, () => messages(main, { query }), reader ? nameOf(reg.profile_id) : null));
    parts.push(h('h2', { id: 'exchanges-heading' }, 'Exchanges'), exchanges.length
        ? h('ul', { class: 'list', 'aria-labelledby': 'exchanges-heading' }, exchanges.map(x => h('li', {},
            h('a', { href: `/xchange/exchanges/${enc(x.id)}` }, `${x.visitor_profile.name} visits ${x.host_profile.name}`), ` – ${label(STATES, x.state)}`)))
        : h('p', {}, 'No exchange yet. Propose one from a conversation.'));
    fill(main, ...parts.filter(Boolean));
}

function short(s, n) {
    s = String(s || '');
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

async function conversation(reg, other, convs, exchanges, redraw, readerAs) {
    const reader = Boolean(readerAs);
    const sec = h('section', { class: 'panel', 'aria-labelledby': 'thread-heading' });
    const c = convs.find(x => x.with === other);
    let msgs = [];
    try {
        msgs = c ? (await api('GET', `/v1/xchange/registrations/${enc(reg.id)}/conversations/${enc(other)}`)).messages : [];
    } catch (e) {
        sec.append(errorPanel(e));
    }
    const name = c ? c.profile.name : 'a new contact';
    sec.append(h('h2', { id: 'thread-heading' }, `Conversation with ${name}`),
        msgs.length ? h('ol', { class: 'messages' }, msgs.map(x => h('li', { class: x.from === reg.id ? 'message message--mine' : 'message' },
            h('p', { class: 'message__meta' }, x.from === reg.id ? readerAs || 'You' : name, ', ', formatDateTime(x.created_at)), h('p', { class: 'prose' }, x.text))))
            : h('p', {}, 'No message yet.'),
        reader ? null : apiForm({
            fields: [field({ name: 'text', label: 'Your message', type: 'textarea', rows: 4 })],
            submit: 'Send the message',
            onSubmit: async v => {
                await api('POST', `/v1/xchange/registrations/${enc(reg.id)}/messages`, { body: { to: other, text: v.text } });
                await redraw();
                const n = notice('Your message was sent.');
                document.querySelector('#thread-heading').after(n);
                n.focus();
            },
        }));
    const open = exchanges.some(x => (x.visitor === other || x.host === other) && !['cancelled', 'completed'].includes(x.state));
    if (!open && !reader) {
        const roles = reg.roles || [];
        sec.append(h('h3', {}, 'Propose an exchange'), apiForm({
            fields: [field({ name: 'role', label: 'Your organisation would be', type: 'select', options: roles.map(r => [r, r === 'visitor' ? 'The visitor' : 'The host']) })],
            submit: 'Propose an exchange',
            onSubmit: async v => {
                const body = v.role === 'visitor' ? { visitor: reg.id, host: other } : { visitor: other, host: reg.id };
                const x = await api('POST', '/v1/xchange/exchanges', { body });
                navigate(`/xchange/exchanges/${enc(x.id)}`);
            },
        }));
    }
    return sec;
}

// ---- an exchange ----
const STATES = {
    proposed: 'Proposed', agreed: 'Agreed by both sides', plan_submitted: 'Plan submitted', validated: 'Plan validated',
    signed: 'Signed by both sides', ready: 'Financial agreement in place', in_progress: 'In progress',
    report_submitted: 'Closing report submitted', completed: 'Completed', cancelled: 'Cancelled',
};
const ACTIONS = {
    propose: 'Proposed', agree: 'Agreed', plan: 'Plan submitted', validate: 'Plan validated', sign: 'Signed',
    financial_agreement: 'Financial agreement', 'financial-agreement': 'Financial agreement', start: 'Started',
    closing_report: 'Closing report submitted', 'closing-report': 'Closing report submitted',
    complete: 'Completed', cancel: 'Cancelled',
};
const ORDER = ['proposed', 'agreed', 'plan_submitted', 'validated', 'signed', 'ready', 'in_progress', 'report_submitted', 'completed'];

// What is expected next, and by whom, from the state and what each side has done.
function expected(x) {
    const other = x.proposed_by === 'visitor' ? 'host' : 'visitor';
    const side = s => s === 'visitor' ? `the visitor (${x.visitor_profile.name})` : `the host (${x.host_profile.name})`;
    const missing = obj => ['visitor', 'host'].filter(s => !(obj && obj[s]));
    switch (x.state) {
    case 'proposed': return `Agreement from ${side(other)}.`;
    case 'agreed': return 'The plan (commitment to quality), from either side.';
    case 'plan_submitted': return `Validation by the partnership contact point of ${missing(x.validations).map(side).join(' and ')}.`;
    case 'validated': return `Signature of ${missing(x.signatures).map(side).join(' and ')}.`;
    case 'signed': return 'The financial agreement, from the visitor\'s partnership contact point.';
    case 'ready': return 'The start of the exchange, by either side.';
    case 'in_progress': return `The closing report, from ${side('visitor')}.`;
    case 'report_submitted': return 'Completion by the platform team.';
    default: return null;
    }
}

export async function exchange(main, { params }) {
    const [id] = params;
    setTitle('Exchange');
    if (needSession()) return;
    fill(main, loading());
    let x, m;
    try {
        [x, m] = await Promise.all([api('GET', `/v1/xchange/exchanges/${enc(id)}`), me()]);
    } catch (e) {
        fill(main, h('h1', {}, 'Exchange'), errorPanel(e));
        return;
    }
    const title = `${x.visitor_profile.name} visits ${x.host_profile.name}`;
    setTitle(title);
    const myRegs = (m.xchange_registrations || []).map(r => r.id);
    const sides = ['visitor', 'host'].filter(s => myRegs.includes(x[s]));
    const moderator = m.role === 'moderator';
    const status = h('div', { class: 'status-slot' });
    const redraw = msg => exchange(main, { params }).then(() => {
        const n = notice(msg);
        main.querySelector('.status-slot').replaceChildren(n);
        n.focus();
    });
    const post = (path, body, msg) => async () => {
        await api('POST', `/v1/xchange/exchanges/${enc(id)}/${path}`, { body: body || {} });
        await redraw(msg);
    };
    const ls = x.lump_sum || {};
    const next = expected(x);
    const step = ORDER.indexOf(x.state);
    const parts = [h('span', { class: 'caption' }, 'ClusterXchange exchange'), h('h1', {}, title), subnav(''), status,
        h('ol', { class: 'steps', 'aria-label': 'Progress' }, ORDER.map((s, i) => h('li', {
            class: i < step ? 'steps__done' : i === step ? 'steps__current' : 'steps__todo', 'aria-current': i === step ? 'step' : null,
        }, STATES[s]))),
        summaryList([
            ['State', label(STATES, x.state)],
            ['Next step', next || (x.state === 'cancelled' ? `None: the exchange was cancelled${x.cancellation && x.cancellation.reason ? ` (${x.cancellation.reason})` : ''}.` : 'None: the exchange is completed.')],
            ['Visitor', h('a', { href: `/profiles/${enc(x.visitor_profile.id)}` }, x.visitor_profile.name), ` (${countryName(x.visitor_profile.country)})`],
            ['Host', h('a', { href: `/profiles/${enc(x.host_profile.id)}` }, x.host_profile.name), ` (${countryName(x.host_profile.country)})`],
            ['Your side', sides.length ? sides.map(s => s === 'visitor' ? 'Visitor' : 'Host').join(' and ') : moderator ? 'Platform team' : null],
            ['Lump sum for the visitor', ls.amount_eur !== undefined ? `€${Number(ls.amount_eur).toLocaleString('en-GB')}${ls.halved ? ' (halved)' : ''}` : null],
            ['How it is computed', (ls.reasons || []).length ? h('ul', { class: 'list' }, ls.reasons.map(r => h('li', {}, r))) : null],
        ])];
    if (x.plan) {
        const p = x.plan;
        parts.push(h('h2', {}, 'The plan'), summaryList([
            ['Dates', `${formatDate(p.start_date)} to ${formatDate(p.end_date)}`],
            ['Kind', p.kind === 'business_collaboration' ? 'Business collaboration' : 'Capacity building'],
            ['Objectives', (p.objectives || []).map(o => label(OBJECTIVES, o)).join(', ')],
            ['Action plan', p.action_plan], ['Expected outcomes', p.expected_outcomes], ['Responsibilities', p.responsibilities],
        ]));
    }
    if (x.closing_report) parts.push(h('h2', {}, 'Closing report'), summaryList([
        ['Summary', x.closing_report.summary], ['Outcomes', x.closing_report.outcomes],
        ['Evidence', (x.closing_report.evidence || []).length ? h('ul', { class: 'list' }, x.closing_report.evidence.map((a, i) => h('li', {}, h('a', { href: `/v1/attachments/${enc(a)}`, download: '' }, `Evidence ${i + 1}`)))) : null],
    ]));
    // the steps this user may take
    const actions = h('section', { 'aria-labelledby': 'actions-heading' }, h('h2', { id: 'actions-heading' }, 'What you can do'));
    const mine = s => sides.includes(s);
    const any = sides.length > 0;
    const other = x.proposed_by === 'visitor' ? 'host' : 'visitor';
    let n = 0;
    const add = (...els) => { actions.append(...els); n++; };
    if (x.state === 'proposed' && mine(other)) add(h('p', {}, actionButton('Agree to this exchange', post('agree', {}, 'You agreed to the exchange.'), status)));
    if ((x.state === 'agreed' || x.state === 'plan_submitted') && any) add(planForm(x, id, redraw));
    if (x.state === 'plan_submitted' && moderator)
        for (const s of ['visitor', 'host']) if (!(x.validations && x.validations[s]))
            add(h('p', {}, actionButton(`Validate the plan for the ${s}`, post('validate', { side: s }, `The plan was validated for the ${s}.`), status)));
    const toSign = sides.filter(s => !(x.signatures && x.signatures[s]));
    if (x.state === 'validated' && toSign.length) // one signature for every side one administers
        add(h('p', {}, actionButton(`Sign as the ${toSign.join(' and the ')}`, post('sign', {}, 'You signed the exchange.'), status)));
    if (x.state === 'signed' && moderator) add(h('p', {}, actionButton('Record the financial agreement', post('financial-agreement', {}, 'The financial agreement is recorded.'), status)));
    if (x.state === 'ready' && any) add(h('p', {}, actionButton('Start the exchange', post('start', {}, 'The exchange has started.'), status)));
    if (x.state === 'in_progress' && mine('visitor')) add(reportForm(id, redraw));
    if (x.state === 'report_submitted' && moderator) add(h('p', {}, actionButton('Complete the exchange', post('complete', {}, 'The exchange is completed.'), status)));
    if (step >= 0 && step < ORDER.indexOf('in_progress') && (any || moderator))
        add(h('details', { class: 'details' }, h('summary', {}, 'Cancel the exchange'), apiForm({
            fields: [field({ name: 'reason', label: 'Reason for cancelling', type: 'textarea', rows: 3, hint: 'Both sides read it.' })],
            submit: 'Cancel the exchange',
            onSubmit: async v => {
                await api('POST', `/v1/xchange/exchanges/${enc(id)}/cancel`, { body: { reason: v.reason } });
                await redraw('The exchange was cancelled.');
            },
        })));
    if (!n) actions.append(h('p', {}, next ? `Nothing for you now: the next step is for someone else (${next.replace(/\.$/, '').replace(/^./, c => c.toLowerCase())}).` : 'Nothing more to do.'));
    parts.push(actions, h('h2', { id: 'history-heading' }, 'History'),
        h('ol', { class: 'history', 'aria-labelledby': 'history-heading' }, (x.history || []).map(e => h('li', {},
            h('strong', {}, label(ACTIONS, e.action)), ` – ${formatDateTime(e.at)}`))));
    fill(main, ...parts);
}

function planForm(x, id, redraw) {
    const p = x.plan || {};
    return h('div', {}, h('h3', {}, x.plan ? 'Change the plan' : 'Submit the plan (commitment to quality)'), apiForm({
        fields: [
            field({ name: 'start_date', label: 'First day', type: 'date', value: p.start_date || '' }),
            field({ name: 'end_date', label: 'Last day', type: 'date', value: p.end_date || '', hint: 'From 3 working days to one month, within both sides\' availability.' }),
            field({ name: 'kind', label: 'Kind of exchange', type: 'select', value: p.kind || 'capacity_building', options: [['capacity_building', 'Capacity building'], ['business_collaboration', 'Business collaboration']] }),
            checkboxes('objectives', 'Objectives', OBJECTIVES, p.objectives || []),
            field({ name: 'action_plan', label: 'Action plan', type: 'textarea', rows: 4, value: p.action_plan || '' }),
            field({ name: 'expected_outcomes', label: 'Expected outcomes', type: 'textarea', rows: 3, value: p.expected_outcomes || '' }),
            field({ name: 'responsibilities', label: 'Responsibilities of each side', type: 'textarea', rows: 3, value: p.responsibilities || '' }),
        ],
        submit: 'Submit the plan',
        onSubmit: async v => {
            await api('PUT', `/v1/xchange/exchanges/${enc(id)}/plan`, { body: v });
            await redraw('The plan was submitted for validation.');
        },
    }));
}

function reportForm(id, redraw) {
    const files = h('input', { type: 'file', id: 'evidence', class: 'input', multiple: true, accept: '.pdf,.odt,.docx,.png,.jpg,.jpeg', 'aria-describedby': 'evidence-hint' });
    const wording = {};
    return h('div', {}, h('h3', {}, 'Closing report'), apiForm({
        wording,
        fields: [
            field({ name: 'summary', label: 'Summary of the exchange', type: 'textarea', rows: 4 }),
            field({ name: 'outcomes', label: 'Outcomes', type: 'textarea', rows: 4 }),
            h('div', { class: 'form-group', 'data-field': 'evidence' }, h('label', { class: 'label', for: 'evidence' }, 'Evidence'),
                h('div', { class: 'hint', id: 'evidence-hint' }, 'Agenda, photos, attendance lists: PDF, ODT, DOCX, PNG or JPEG, at most 10 MB each.'),
                h('p', { class: 'error-message', id: 'evidence-error', hidden: true }), files),
        ],
        submit: 'Submit the closing report',
        onSubmit: async v => {
            const evidence = [];
            for (const file of files.files) {
                const a = await apiUpload('/v1/attachments', file).catch(e => {
                    wording.evidence = `${file.name}: ${e.message}`;
                    e.fields = { evidence: e.message };
                    throw e;
                });
                evidence.push(a.id);
            }
            await api('POST', `/v1/xchange/exchanges/${enc(id)}/closing-report`, { body: { summary: v.summary, outcomes: v.outcomes, evidence } });
            await redraw('The closing report was submitted.');
        },
    }));
}
